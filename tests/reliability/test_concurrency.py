"""Several streams in threads give the results they give one after another (no shared state in the
core; ctypes releases the GIL during each call)."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

import wearsdk.signal as ws

SPEC = ws.PreprocessSpec(sampling_rate=256, target_rate=64, low=0.5, high=8.0, norm="none")


def _stream(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((4, 256 * 120)).astype(np.float32)
    p = ws.Preprocessor(SPEC, (4,))
    out, pos = [], 0
    while pos < x.shape[1]:
        n = int(rng.integers(1, 700))
        out.append(p.process(x[:, pos : pos + n]))
        pos += n
    return np.concatenate(out, axis=-1)


def _offline(seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((4, 256 * 120)).astype(np.float32)
    return ws.preprocess(x, SPEC)


def test_threads_equal_sequential():
    seeds = list(range(8))
    sequential = [_stream(s) for s in seeds]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(_stream, seeds))
        offline = list(pool.map(_offline, seeds))  # the torch op from threads as well
    for a, b, c in zip(sequential, threaded, offline, strict=True):
        assert np.array_equal(a, b)
        assert np.array_equal(a, c)

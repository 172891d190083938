"""24 hours of a 4-channel 256 Hz PPG stream through the C pipeline of the PPG encoder's input
(band-pass, 256 -> 64 Hz, 60 s windows every 1 s), accelerated: every sample accounted for, every
window produced, and memory flat."""

import ctypes
import os

import numpy as np

from wearsdk import _capi
from wearsdk.signal import PreprocessSpec

F32 = ctypes.POINTER(ctypes.c_float)
HOURS = 24
FS, CH, WINDOW, HOP = 256, 4, 3840, 64


def _rss_bytes() -> int:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _ptr(a: np.ndarray, offset: int = 0):
    return ctypes.cast(a.ctypes.data + 4 * offset, F32)


def test_24_hours_accelerated_with_flat_memory_and_nothing_lost():
    lib = _capi.lib()
    spec = PreprocessSpec(sampling_rate=FS, target_rate=64, low=0.5, high=8.0)
    rs = spec.resampler
    sos, bank = spec.sos, rs.bank
    pre = _capi.WearPreprocessConfig(_ptr(sos), sos.shape[0], _ptr(bank), rs.up, rs.down, rs.taps, CH, 1, 1e-8)
    cfg = _capi.WearPipelineConfig(pre, WINDOW, HOP)
    sizes = _capi.WearPipelineSizes()
    assert lib.wear_pipeline_sizes_for(ctypes.byref(cfg), ctypes.byref(sizes)) == 0
    fstate = np.zeros(sizes.filter_state)
    hist, ring, work = (np.zeros(n, np.float32) for n in (sizes.resampler_state, sizes.ring, sizes.work))
    p = _capi.WearPipeline()
    assert lib.wear_pipeline_init(ctypes.byref(p), ctypes.byref(cfg), fstate.ctypes.data_as(
        ctypes.POINTER(ctypes.c_double)), fstate.size, _ptr(hist), hist.size, _ptr(ring), ring.size, _ptr(work),
        work.size) == 0

    # one minute of signal, replayed: a 1.2 Hz pulse (whole cycles per minute) with a respiratory drift
    t = np.arange(60 * FS) / FS
    minute = np.stack([np.sin(2 * np.pi * 1.2 * t + c) + 0.3 * np.sin(2 * np.pi * 0.25 * t) for c in range(CH)])
    minute = np.ascontiguousarray(minute, np.float32)
    n = minute.shape[1]
    window = np.zeros((CH, WINDOW), np.float32)
    consumed, ready = ctypes.c_int32(), ctypes.c_int32()
    fed = taken = windows = 0
    bad_windows = 0
    rss_after_first_hour = None
    for minute_index in range(HOURS * 60):
        pos = 0
        while True:
            status = lib.wear_pipeline_process(ctypes.byref(p), _ptr(minute, pos), n, n - pos, ctypes.byref(consumed),
                                               _ptr(window), WINDOW, ctypes.byref(ready), None, 0)
            assert status == 0
            pos += consumed.value
            if not ready.value:
                break
            windows += 1
            if windows % 997 == 0:  # spot-check the model input: finite, z-scored
                bad_windows += not (np.isfinite(window).all() and abs(window.std() - 1) < 1e-3)
        fed += n
        taken += pos
        if minute_index == 59:
            rss_after_first_hour = _rss_bytes()
    samples_out = fed * rs.up // rs.down
    assert taken == fed == HOURS * 3600 * FS  # every input sample consumed
    assert windows == (samples_out - WINDOW) // HOP + 1  # every window produced
    assert bad_windows == 0
    assert _rss_bytes() - rss_after_first_hour < 2 * 1024 * 1024  # flat memory over the next 23 hours


def test_streaming_session_2_hours_with_faults_keeps_memory_flat():
    """2 hours of a 4-channel 64 Hz stream in 0.5 s packets with 3 % drops and 3 % duplicates through
    StreamingSession: every sample accounted for, traced Python memory flat after the first 30 minutes."""
    import tracemalloc

    from wearsdk.stream import StreamingSession

    spec = PreprocessSpec(sampling_rate=64, low=0.5, high=8.0)
    sess = StreamingSession(lambda x: float(x.mean()), spec=spec, window=640, hop=128, channels=4)
    t = np.arange(32) / 64
    packet = np.stack([np.sin(2 * np.pi * 1.25 * t + c) for c in range(4)]).astype(np.float32)
    rng = np.random.default_rng(0)
    sent = lost = 0
    tracemalloc.start()
    try:
        for i in range(2 * 3600 * 2):
            if i == 1800 * 2:
                baseline, _ = tracemalloc.get_traced_memory()
            roll = rng.random()
            if roll < 0.03:
                lost += 32  # dropped in transit
                continue
            sess.push(packet, i * 0.5)
            sent += 32
            if roll > 0.97:
                sess.push(packet, i * 0.5)  # delivered twice
                sent += 32
        current, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    s = sess.stats
    assert s.received == sent == s.processed + s.dropped
    assert s.missing == lost  # every lost sample reported missing
    assert s.event_counts["gap"] > 100 and s.event_counts["duplicate"] > 100
    assert len(s.events) == min(1000, sum(s.event_counts.values()))
    assert current - baseline < 256 * 1024
    for _ in range(1200):  # a flood of re-sent packets: the history stays bounded, the counts do not
        sess.push(packet, 0.0)
    assert len(s.events) == 1000 and s.event_counts["duplicate"] > 1200

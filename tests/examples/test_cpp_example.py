"""The C++ example (examples/cpp/stream_pte.cpp, built by CMake against the executorch wheel's runtime) streams a
simulated recording through exported programs and returns what the Python runtime returns for the same inputs."""

import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from wearsdk.cli import main
from wearsdk.runtime import load
from wearsdk.sim import Cohort

REPO = Path(__file__).resolve().parents[2]
EXE = REPO / "build" / "examples" / "cpp" / "wearsdk_stream_pte"
RATE = 256  # Hz: the watch's raw PPG rate; the programs resample to the encoder's 64 Hz
EXPORTS = {  # wearsdk export flags, and the hop of raw samples between program inputs (None: back to back)
    "streaming_int8": (["--streaming", "--quant", "int8", "--hop", "640", "--calibration", "8"], None),
    "windowed_fp32": (["--with-preprocessing"], 10 * RATE),
}


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> tuple[np.ndarray, Path]:
    """Three minutes of a simulated participant's raw 4-channel PPG, and the same as a float32 file."""
    ppg = Cohort(4, seed=0)[1].record(180.0, sampling_rates={"ppg": RATE}, streams=("ppg",)).ppg
    ppg = np.ascontiguousarray(ppg, dtype=np.float32)
    path = tmp_path_factory.mktemp("recording") / "raw.f32"
    ppg.tofile(path)
    return ppg, path


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_cpp_example_matches_the_python_runtime(kind, tmp_path, recording):
    if not EXE.is_file():
        pytest.fail(f"{EXE} is not built: run ./bootstrap.sh build (CMake option WEARSDK_BUILD_EXAMPLES)")
    flags, hop = EXPORTS[kind]
    assert main(["export", "--model", "ppg_encoder_compact", "--allow-untrained", "--input-rate", str(RATE),
                 *flags, "--out", str(tmp_path / "artifact")]) == 0
    artifact = load(tmp_path / "artifact")
    pte = next((tmp_path / "artifact").glob("*.pte"))
    n_in = artifact.inputs[0]["shape"][-1]
    hop = hop or n_in
    raw, raw_path = recording

    out = tmp_path / "embeddings.f32"
    proc = subprocess.run([str(EXE), str(pte), str(raw_path), str(out), str(hop)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]

    # The Python path: the verified artifact fed the same inputs in the same order. A streaming program's
    # state starts from rest in both; push() returns None while its ring fills (the first warmup_calls).
    inputs = [torch.from_numpy(raw[None, :, s : s + n_in].copy()) for s in range(0, raw.shape[-1] - n_in + 1, hop)]
    outs = [artifact.push(x) if artifact.streaming else artifact(x)[0] for x in inputs]
    assert f"{len(inputs)} calls" in proc.stdout
    want = torch.cat([o for o in outs if o is not None]).numpy()
    got = np.fromfile(out, np.float32).reshape(len(inputs), -1)[[o is not None for o in outs]]
    assert got.shape == want.shape and np.abs(want).max() > 0
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())

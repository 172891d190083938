"""wearsdk firmware-config: the generated header compiles into a C program whose windows equal the
Python pipeline's (preprocess -> window -> z-score)."""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import wearsdk.signal as ws
from wearsdk.cli import main
from wearsdk.errors import ConfigError, DataFormatError
from wearsdk.firmware.config import pipeline_spec, render_config_header

REPO = Path(__file__).resolve().parents[2]
CARD = {
    "name": "ppg_encoder_test",
    "version": "0.0.1",
    "sampling_rate_hz": 64,
    "window_samples": 256,
    "hop_samples": 64,
    "input_channels": ["green_a", "green_b", "ir_a", "ir_b"],
    "preprocessing": {"band_hz": [0.5, 8.0], "filter_order": 4, "normalisation": "zscore_per_channel"},
}
EXAMPLE = REPO / "examples" / "firmware" / "ppg_pipeline.c"


def test_generated_header_runs_the_same_pipeline_as_python(tmp_path):
    core = REPO / "build" / "libwear_dsp_core.a"
    if not core.is_file() or shutil.which("gcc") is None:
        pytest.fail(f"{core} is not built: run ./bootstrap.sh build")
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"model_card": CARD}))
    out = tmp_path / "wear_config.h"
    assert main(["firmware-config", str(manifest), "--input-rate", "256", "--out", str(out)]) == 0
    exe = tmp_path / "ppg_pipeline"
    subprocess.run(["gcc", "-O2", "-Wall", "-Werror", "-I", str(tmp_path), "-I",
                    str(REPO / "firmware_bindings" / "include"), str(EXAMPLE), str(core), "-lstdc++", "-lm", "-o",
                    str(exe)], check=True)
    n = 256 * 12
    raw = np.random.default_rng(3).standard_normal((4, n)).astype(np.float32)
    proc = subprocess.run([str(exe), str(n)], input=raw.tobytes(), capture_output=True, check=True)
    got = np.frombuffer(proc.stdout, np.float32).reshape(-1, 4, 256)

    spec, _ = pipeline_spec({"model_card": CARD}, input_rate=256)
    pre = ws.preprocess(raw, ws.PreprocessSpec(**{**spec.to_dict(), "norm": "none"}))
    starts = range(0, pre.shape[-1] - 256 + 1, 64)
    want = np.stack([ws.zscore(pre[:, s : s + 256]) for s in starts])
    assert got.shape == want.shape
    assert np.array_equal(got, want)


def test_header_contents_and_bad_manifests(tmp_path):
    header = render_config_header({"model_card": CARD}, input_rate=256)
    assert "#define WEAR_CFG_DOWN 4" in header and "#define WEAR_CFG_WINDOW 256" in header
    assert "WEAR_NORM_ZSCORE" in header
    with pytest.raises(DataFormatError, match="window_samples"):
        render_config_header({"model_card": {k: v for k, v in CARD.items() if k != "window_samples"}})
    with pytest.raises(ConfigError, match="normalisation"):
        render_config_header({"model_card": {**CARD, "preprocessing": {**CARD["preprocessing"], "normalisation": "x"}}})
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["firmware-config", str(bad), "--out", str(tmp_path / "h.h")]) == 2

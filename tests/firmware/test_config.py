"""wearsdk firmware-config: the generated header compiles into a C program whose windows equal the
Python pipeline's (preprocess -> window -> z-score)."""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

import wearsdk.signal as ws
from wearsdk.cli import main
from wearsdk.errors import ArtifactIntegrityError, ConfigError
from wearsdk.export.manifest import tensor_spec, write_manifest
from wearsdk.firmware.config import render_config_header, write_config_header
from wearsdk.models import ModelCard, Preprocessing
from wearsdk.signal import SignalSpec

REPO = Path(__file__).resolve().parents[2]
CARD = ModelCard(
    name="ppg_encoder_test", version="0.0.1", task="embedding",
    signal=SignalSpec(modality="ppg", sampling_rate_hz=64.0, channels=("green_a", "green_b", "ir_a", "ir_b"),
                      units="z"),
    window_samples=256, hop_samples=64,
    preprocessing=Preprocessing(band_hz=(0.5, 8.0), filter_order=4, normalisation="zscore_per_channel"),
    embedding_dim=8, num_params=0, recipe="", paper="",
)


def artifact(folder: Path, card: ModelCard | dict) -> Path:
    """A verified artifact folder (written by the exporters' write_manifest) holding ``card`` (or a raw card dict,
    to test what the loader refuses) and one stand-in package file."""
    folder.mkdir()
    blob = folder / "model.bin"
    blob.write_bytes(b"weights")
    x = torch.zeros(1, 4, 256)
    manifest = write_manifest(folder, files=[blob], backend="coreml", precision="fp32", streaming=False,
                              inputs=[tensor_spec("x", x)], outputs=[tensor_spec("y", x[:, 0, :8])],
                              model_card=card if isinstance(card, ModelCard) else None, trained=True,
                              quantization=None, parity={})
    if not isinstance(card, ModelCard):
        manifest.write_text(manifest.read_text().replace('"model_card": null', f'"model_card": {json.dumps(card)}'))
    return folder


EXAMPLE = REPO / "examples" / "firmware" / "ppg_pipeline.c"


def test_generated_header_runs_the_same_pipeline_as_python(tmp_path):
    core = REPO / "build" / "libwear_dsp_core.a"
    if not core.is_file() or shutil.which("gcc") is None:
        pytest.fail(f"{core} is not built: run ./bootstrap.sh build")
    manifest = artifact(tmp_path / "art", CARD) / "manifest.json"
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

    spec = CARD.preprocess_spec(256)
    pre = ws.preprocess(raw, ws.PreprocessSpec(**{**spec.to_dict(), "norm": "none"}))
    starts = range(0, pre.shape[-1] - 256 + 1, 64)
    want = np.stack([ws.zscore(pre[:, s : s + 256]) for s in starts])
    assert got.shape == want.shape
    assert np.array_equal(got, want)


def test_header_contents_and_bad_manifests(tmp_path):
    header = render_config_header(CARD, input_rate=256)
    assert "#define WEAR_CFG_DOWN 4" in header and "#define WEAR_CFG_WINDOW 256" in header
    assert "WEAR_NORM_ZSCORE" in header
    card = CARD.to_dict()
    with pytest.raises(ArtifactIntegrityError, match="window_samples"):
        write_config_header(artifact(tmp_path / "a", {k: v for k, v in card.items() if k != "window_samples"}),
                            tmp_path / "h.h")
    with pytest.raises(ConfigError, match="normalisation"):
        render_config_header(CARD.replace(preprocessing=Preprocessing(band_hz=(0.5, 8.0), filter_order=4,
                                                                      normalisation="x")))
    with pytest.raises(ArtifactIntegrityError, match="normalisation"):
        write_config_header(artifact(tmp_path / "b", {**card, "preprocessing": {**card["preprocessing"],
                                                                                "normalisation": "x"}}),
                            tmp_path / "h.h")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["firmware-config", str(bad), "--out", str(tmp_path / "h.h")]) == 2


def test_the_folder_is_verified_and_zero_phase_models_are_refused(tmp_path):
    """The header is read from a verified artifact: its folder works like its manifest.json, a tampered file is
    refused; a zero-phase card (offline only) has no device pipeline."""
    folder = artifact(tmp_path / "art", CARD)
    write_config_header(folder, tmp_path / "a.h", 256)
    write_config_header(folder / "manifest.json", tmp_path / "b.h", 256)
    assert (tmp_path / "a.h").read_text() == (tmp_path / "b.h").read_text() == render_config_header(CARD, 256)
    (folder / "model.bin").write_bytes(b"tampered")
    with pytest.raises(ArtifactIntegrityError, match="does not match its manifest"):
        write_config_header(folder, tmp_path / "c.h")
    assert main(["firmware-config", str(folder), "--out", str(tmp_path / "c.h")]) == 2
    zero_phase = CARD.replace(preprocessing=Preprocessing(band_hz=(0.5, 8.0), filter_order=4,
                                                          normalisation="zscore_per_channel", phase="zero_phase"))
    with pytest.raises(ConfigError, match="zero-phase"):
        render_config_header(zero_phase, 256)
    with pytest.raises(ConfigError, match="zero-phase"):
        write_config_header(artifact(tmp_path / "vae", zero_phase), tmp_path / "d.h")

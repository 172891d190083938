"""wearsdk export on registered models: weights required (or an explicit --allow-untrained), simulated
calibration and parity windows preprocessed as the card says (the head-fitting windows), the card in the manifest."""

import json

import numpy as np
import pytest
import torch

from wearsdk.cli import main
from wearsdk.errors import ArtifactIntegrityError, CheckpointError, ConfigError
from wearsdk.export import Backend, export_model, register_backend, registry
from wearsdk.models import ModelCard, get_model_card
from wearsdk.runtime import load
from wearsdk.sim import model_windows
from wearsdk.sim.windows import PREROLL_S, device_rate, raw_window
from wearsdk.train.heads import labelled_windows


def test_untrained_models_are_not_exported_silently(tmp_path):
    with pytest.raises(CheckpointError, match="allow-untrained"):
        export_model("ecg_encoder_compact", tmp_path)
    assert main(["export", "--model", "ecg_encoder_compact", "--out", str(tmp_path)]) == 2
    with pytest.raises(ConfigError, match="streaming"):
        export_model("ecg_encoder_compact", tmp_path, backend="onnx", streaming=True, allow_untrained=True)


def test_calibration_windows_follow_the_model_card():
    card = get_model_card("ecg_encoder_compact")
    x = torch.from_numpy(model_windows(card, 3))
    assert x.shape == (3, 1, card.window_samples) and x.dtype == torch.float32
    assert torch.allclose(x.std(-1), torch.ones(3, 1), atol=1e-3)  # z-scored per window, as the card says
    vae = torch.from_numpy(model_windows(get_model_card("lead_vae_compact"), 2))
    assert vae.shape == (2, 3, 1000) and torch.allclose(vae.std(-1), torch.ones(2, 3), atol=1e-3)  # z per lead


@pytest.mark.parametrize("name", ["ppg_encoder_compact", "ecg_encoder_compact"])
def test_int8_calibration_windows_are_the_head_fitting_windows(name, tmp_path, monkeypatch):
    """What export_model hands a backend to calibrate int8 on is what head fitting sees, for the same seed."""
    seen = {}

    def capture(job):
        seen["job"] = job
        return tmp_path / "manifest.json"

    monkeypatch.setattr(registry, "_BACKENDS", dict(registry._BACKENDS))
    register_backend("capture", Backend(capture, precisions=("int8",)))
    export_model(name, tmp_path, backend="capture", precision="int8", allow_untrained=True, calibration=8, seed=5)
    card = get_model_card(name)
    heads_x, _, _ = labelled_windows(card, range(2), 4, 5, progress=False)
    assert np.array_equal(seen["job"].calibration.numpy(), heads_x)
    assert np.array_equal(model_windows(card, 8, seed=5), heads_x)


def test_raw_windows_are_the_model_windows_before_preprocessing():
    card = get_model_card("ppg_encoder_compact")
    n, rate = card.window_samples, device_rate(card)
    raw = raw_window(card, n / card.sampling_rate_hz + PREROLL_S, index=5, seed=3, rate=rate)
    assert raw.shape == (4, int(round((n / card.sampling_rate_hz + PREROLL_S) * rate))) and raw.dtype == np.float32
    x = card.preprocessing.normalise(card.preprocessing.filter(raw, sampling_rate=rate, target_rate=rate)[:, -n:])
    np.testing.assert_allclose(x, model_windows(card, 6, seed=3)[5], atol=1e-5)
    with pytest.raises(ConfigError, match="index"):
        raw_window(card, 10, index=-1)


def test_zero_phase_models_have_no_streaming_or_in_graph_preprocessing(tmp_path):
    for kwargs in ({"streaming": True}, {"with_preprocessing": True}):
        with pytest.raises(ConfigError, match="zero_phase.*whole records"):
            export_model("lead_vae_compact", tmp_path, allow_untrained=True, **kwargs)


def test_export_model_refuses_a_file_as_output_and_no_calibration_windows(tmp_path):
    file = tmp_path / "artifact.pte"
    file.write_bytes(b"")
    with pytest.raises(ConfigError, match="expected a folder"):
        export_model("ecg_encoder_compact", file, allow_untrained=True)
    with pytest.raises(ConfigError, match="positive number"):
        export_model("ecg_encoder_compact", tmp_path, allow_untrained=True, calibration=0)


def test_cli_exports_a_registered_model(tmp_path):
    out = tmp_path / "ecg"
    code = main(["export", "--model", "ecg_encoder_compact", "--allow-untrained", "--calibration", "8",
                 "--out", str(out)])
    assert code == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["trained"] is False and m["model_card"]["name"] == "ecg_encoder_compact"
    assert m["parity"]["max_abs_err"] < 1e-4
    art = load(out)
    assert art(torch.zeros(1, 1, 3840))[0].shape == (1, 256)
    assert isinstance(art.card, ModelCard) and art.card == get_model_card("ecg_encoder_compact")
    assert art.trained is False

    old = {**m, "model_card": {**m["model_card"], "trained": False}}  # written by an older wearsdk
    del old["trained"]
    (out / "manifest.json").write_text(json.dumps(old))
    with pytest.raises(ArtifactIntegrityError, match="[Rr]e-export"):
        load(out)
    (out / "manifest.json").write_text(json.dumps({**m, "model_card": {**m["model_card"], "trained": False}}))
    with pytest.raises(ArtifactIntegrityError, match="model_card.*[Rr]e-export"):
        load(out)
    with pytest.raises(ArtifactIntegrityError, match="expected an artifact folder"):
        load(out / "ecg_encoder_compact_untrained_executorch_fp32.pte")  # a file where the folder is expected

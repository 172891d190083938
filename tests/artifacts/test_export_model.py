"""wearsdk export on registered models: weights required (or an explicit --allow-untrained), simulated
calibration and parity windows preprocessed as the card says."""

import json

import pytest
import torch

from wearsdk.cli import main
from wearsdk.errors import ArtifactIntegrityError, CheckpointError, ConfigError
from wearsdk.export import export_model, simulated_windows
from wearsdk.models import ModelCard, get_model_card
from wearsdk.runtime import load


def test_untrained_models_are_not_exported_silently(tmp_path):
    with pytest.raises(CheckpointError, match="allow-untrained"):
        export_model("ecg_encoder_compact", tmp_path)
    assert main(["export", "--model", "ecg_encoder_compact", "--out", str(tmp_path)]) == 2
    with pytest.raises(ConfigError, match="streaming"):
        export_model("ecg_encoder_compact", tmp_path, backend="onnx", streaming=True, allow_untrained=True)


def test_simulated_windows_follow_the_model_card():
    card = get_model_card("ecg_encoder_compact")
    x = simulated_windows(card, 3)
    assert x.shape == (3, 1, card.window_samples) and x.dtype == torch.float32
    assert torch.allclose(x.std(-1), torch.ones(3, 1), atol=1e-3)  # z-scored per window, as the card says
    vae = simulated_windows(get_model_card("lead_vae_compact"), 2)
    assert vae.shape == (2, 3, 1000) and torch.allclose(vae.std(-1), torch.ones(2, 3), atol=1e-3)  # z per lead


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

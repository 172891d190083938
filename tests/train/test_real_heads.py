"""Heads fitted on real ECG plus the simulator (issue 22): every head learns only from windows with its label,
scores come from the validation records only, and the bundle CLI refuses real heads for a PPG encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from wearsdk.errors import ConfigError
from wearsdk.models import HEADS, LinearHeads, create_model
from wearsdk.train.heads import fit_heads
from wearsdk.train.real.heads import REAL_HEADS, fit_real_heads


def test_fit_heads_skips_windows_without_the_label() -> None:
    rng = np.random.default_rng(0)
    e = rng.normal(size=(200, 6))
    hr = 70 + 10 * e[:, 0]
    hr[100:] = np.nan  # the second half carries no HR label
    af = (e[:, 1] > 0).astype(float)
    af[:50] = np.nan
    heads = fit_heads(e, {"hr_bpm": hr, "af_prob": af}, ("hr_bpm", "af_prob"))
    out = heads.predict(e.astype(np.float32))
    assert np.abs(out["hr_bpm"][100:] - (70 + 10 * e[100:, 0])).max() < 1.0  # learnt from the labelled half
    with pytest.raises(ConfigError, match="no window carries a label"):
        fit_heads(e, {"hr_bpm": np.full(200, np.nan)}, ("hr_bpm",))


def test_real_heads_fit_and_score_on_validation_records(real_data_dir: Path, cache: Path) -> None:
    torch.manual_seed(0)
    encoder = create_model("ecg_encoder_compact").eval()
    heads, scores = fit_real_heads(encoder, encoder.card, real_data_dir, sim_participants=4, limit=100,
                                   progress=False)
    assert isinstance(heads, LinearHeads) and heads.names == REAL_HEADS and set(REAL_HEADS) <= set(HEADS)
    for key in ("real_cinc2017_af_prob_auroc", "real_cinc2017_rhythm_macro_f1", "real_cinc2017_hr_bpm_mae",
                "real_ptbxl_lead1_age_years_r", "real_ptbxl_lead1_sex_male_prob_auroc", "sim_hr_bpm_mae"):
        assert np.isfinite(scores[key]), key
    assert "real_ptbxl_lead1_af_prob_auroc" not in scores  # PTB-XL windows carry no rhythm label here
    assert 0.0 <= scores["real_cinc2017_rhythm_macro_f1"] <= 1.0


def test_bundle_says_which_real_ppg_data_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from wearsdk.cli import main

    ckpt = tmp_path / "ppg.pt"
    model = create_model("ppg_encoder_compact")
    torch.save({"model": model.state_dict(), "config": {"model": "ppg_encoder_compact", "model_overrides": {}}},
               ckpt)
    about = tmp_path / "about.json"
    about.write_text('{"version": "t", "recipe": "r", "training_data": "d", "reproduce": "x", "limitations": "l"}')
    argv = ["bundle", str(ckpt), "--about", str(about), "--real-data", str(tmp_path), "--weights-dir",
            str(tmp_path / "w")]
    assert main([*argv, "--fit-heads"]) == 2
    err = capsys.readouterr().err
    assert "DataFormatError" in err and "ppg_bp" in err and "labels.csv" in err  # a PPG encoder's real heads: PPG-BP
    assert not (tmp_path / "w").exists()  # nothing bundled
    assert main(argv) == 2 and "add --fit-heads" in capsys.readouterr().err
    assert not (tmp_path / "w" / "ppg_encoder_compact.pt").exists()

"""Bundled pretrained weights: offline loading, sha256 verification, refusal of tampered or missing files; the cards
carry their pretrained records and round-trip through JSON."""

import json
import re
import shutil
from pathlib import Path

import pytest
import torch

from wearsdk._integrity import sha256_file
from wearsdk.errors import ArtifactIntegrityError, CheckpointError
from wearsdk.models import (
    ModelCard,
    PretrainedRecord,
    _registry,
    create_model,
    get_model_card,
    list_models,
    load_heads,
    read_record,
)
from wearsdk.models._registry import WEIGHTS_DIR, load_pretrained
from wearsdk.train.heads import SIM_HEADS
from wearsdk.train.real.heads import REAL_HEADS


def test_lead_vae_compact_loads_bundled_weights_and_card_is_honest() -> None:
    model = create_model("lead_vae_compact", pretrained=True)
    card = model.card
    path = WEIGHTS_DIR / card.weights_file
    assert path.is_file() and path.stat().st_size <= 3 * 2**20
    blob = torch.load(path, map_location="cpu", weights_only=True)
    assert all(v.dtype == torch.float32 for v in blob.values() if v.is_floating_point())
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, blob[k], rtol=0, atol=0)
    assert len(card.weights_sha256) == 64
    assert card.preprocessing.normalisation == "zscore_per_channel" and card.preprocessing.band_hz == (0.5, 40.0)
    assert "PTB-XL" in card.training_data and "simulated" in card.training_data
    assert "--seed 0" in card.reproduce and "Not validated for" in card.limitations
    m = card.metrics
    assert m["ptbxl_fold9_mean_r_reconstructed"] > m["ptbxl_fold9_mean_r_reconstructed_linear_map"] > 0.5
    assert model(torch.zeros(2, 3, 1000)).shape == (2, 12, 1000)


def test_card_names_weights_only_for_the_published_config() -> None:
    assert create_model("lead_vae_compact", latent_chs=8).card.weights_file is None
    with pytest.raises(CheckpointError, match="no published pretrained weights"):
        create_model("lead_vae_compact", pretrained=True, latent_chs=8)
    with pytest.raises(CheckpointError, match="expected one source of weights"):
        create_model("lead_vae_compact", pretrained=True, checkpoint_path="x.pt")


BUNDLED = ["lead_vae_compact", "ppg_encoder_compact", "ecg_encoder_compact"]


@pytest.mark.parametrize("model", BUNDLED)
@pytest.mark.parametrize("damage", ["flip", "truncate", "missing"])
def test_tampered_bundled_weights_are_refused(tmp_path, monkeypatch, damage, model) -> None:
    name = create_model(model).card.weights_file
    copy = tmp_path / name
    shutil.copyfile(WEIGHTS_DIR / name, copy)
    shutil.copyfile(WEIGHTS_DIR / f"{model}.json", tmp_path / f"{model}.json")  # the record beside the weights
    if damage == "flip":
        data = bytearray(copy.read_bytes())
        data[len(data) // 2] ^= 0xFF
        copy.write_bytes(bytes(data))
    elif damage == "truncate":
        copy.write_bytes(copy.read_bytes()[:1000])
    else:
        copy.unlink()
    monkeypatch.setattr(_registry, "WEIGHTS_DIR", tmp_path)
    expected = "are missing" if damage == "missing" else "sha256 .* expected .*truncated, corrupted or replaced"
    with pytest.raises(ArtifactIntegrityError, match=expected) as err:
        create_model(model, pretrained=True)
    assert str(copy) in str(err.value) and "Reinstall wearsdk" in str(err.value)
    with pytest.raises(ArtifactIntegrityError):
        load_pretrained(create_model(model), weights_dir=tmp_path)
    if model.endswith("encoder_compact"):
        with pytest.raises(ArtifactIntegrityError):
            load_heads(create_model(model).card)


def test_bundles_fit_in_the_repository() -> None:
    sizes = [(WEIGHTS_DIR / create_model(m).card.weights_file).stat().st_size for m in BUNDLED]
    assert sum(sizes) <= 10 * 2**20


def _bundled_encoder_and_heads(model: str):
    encoder = create_model(model, pretrained=True).eval()
    card = encoder.card
    blob = torch.load(WEIGHTS_DIR / card.weights_file, map_location="cpu", weights_only=True)
    for k, v in encoder.state_dict().items():
        torch.testing.assert_close(v, blob["model"][k], rtol=0, atol=0)
    heads = load_heads(card)
    assert heads.embed_dim == card.embedding_dim == 256 and "Not validated for" in card.limitations
    out = heads.predict(encoder(torch.zeros(1, len(card.input_channels), card.window_samples)))
    assert set(out) == set(heads.names) and 0.0 <= float(out["af_prob"][0]) <= 1.0
    assert card.metrics["int8_embedding_cosine_mean"] >= 0.99
    return card, heads


def test_bundled_ppg_encoder_is_a_distilled_simulator_student_with_honest_card() -> None:
    card, heads = _bundled_encoder_and_heads("ppg_encoder_compact")
    assert heads.names == SIM_HEADS and "simulated" in card.training_data
    assert "wearsdk distill" in card.reproduce and "examples/bundle_encoder.py" in card.reproduce
    assert 0 < card.metrics["param_ratio_vs_teacher"] <= 0.10 and card.metrics["int8_head_score_abs_diff_max"] <= 0.01


def test_bundled_ecg_encoder_card_states_its_real_training_and_validation_scores() -> None:
    """The ECG encoder is trained on real records (issue 22): the card says on which, how to reproduce it, and
    carries the heads' scores on the validation records (never trained on) and its int8 agreement."""
    card, heads = _bundled_encoder_and_heads("ecg_encoder_compact")
    assert heads.names == REAL_HEADS
    assert "CinC 2017" in card.training_data and "PTB-XL" in card.training_data and "simulated" in card.training_data
    assert "--preset real" in card.reproduce and "--real-data" in card.reproduce
    m = card.metrics
    for key in ("real_cinc2017_af_prob_auroc", "real_cinc2017_rhythm_macro_f1", "real_cinc2017_quality_prob_auroc",
                "real_ptbxl_lead1_age_years_r", "real_ptbxl_lead1_sex_male_prob_auroc", "real_cinc2017_hr_bpm_mae"):
        assert key in m, key
    assert m["real_cinc2017_af_prob_auroc"] > 0.85 and m["int8_real_head_score_abs_diff_max"] <= 0.02


def test_bundled_ecg_heads_reproduce_their_card_scores(real_data_dir) -> None:
    """The card's ``real_*`` head scores are what the published weights and heads give: every window of CinC 2017
    and PTB-XL lead I through the card's window path (cached under the wearsdk cache; ~2 min cold), fp32
    embeddings, per-record scores on the validation records (:func:`wearsdk.train.real.heads.real_head_scores`)."""
    import numpy as np

    from wearsdk.train.heads import embed
    from wearsdk.train.real.datasets import single_lead_ecg
    from wearsdk.train.real.heads import real_head_scores

    encoder = create_model("ecg_encoder_compact", pretrained=True).eval()
    card = encoder.card
    datasets = single_lead_ecg(real_data_dir, card, progress=False)
    scores = real_head_scores(load_heads(card), {k: embed(encoder, np.array(d.x)) for k, d in datasets.items()},
                              datasets)
    published = {k: v for k, v in card.metrics.items() if k.startswith("real_")}
    assert set(scores) == set(published)
    for key, value in published.items():
        assert scores[key] == pytest.approx(value, abs=2e-3), key


def test_bundled_ecg_encoder_reads_heart_rate_on_a_real_holter_lead(real_data_dir) -> None:
    """The shipped ECG encoder and its HR head on MIT-BIH 100 (MLII, 360 Hz; never used in training): 30 s
    windows through the card's preprocessing (wearsdk.stream.recording_windows); reference 60 / median RR of
    the annotated beats. (The suite's per-record figures: docs/reports/ecg_encoder_compact_real.json, "hr".)"""
    import numpy as np

    from wearsdk import heart_rate
    from wearsdk.io import read
    from wearsdk.stream import recording_windows

    encoder = create_model("ecg_encoder_compact", pretrained=True).eval()
    card, heads = encoder.card, load_heads(encoder.card)
    rec = read(real_data_dir / "mitdb" / "100")
    win = recording_windows(rec, card, channels=["MLII"], hop=card.window_samples)
    reference = heart_rate(rec.annotations.beats, sampling_rate=rec.sampling_rate, window_s=card.window_seconds,
                           duration_s=rec.duration_s)[np.round(win.t_start_s / card.window_seconds).astype(int)]
    with torch.no_grad():
        predicted = heads.predict(encoder(torch.from_numpy(win.x)))["hr_bpm"]
    mae = float(np.mean(np.abs(np.asarray(predicted, np.float64) - reference)))
    assert len(win.x) >= 60 and mae < 5.0, mae


def test_bundled_ppg_encoder_reads_heart_rate_on_a_real_finger_ppg(real_data_dir) -> None:
    """The shipped PPG student and its HR head on Challenge 2015 v102s (PLETH at 250 Hz on all four inputs;
    never used in training) against the simultaneous ECG (lead II, ``wearsdk.ecg_peaks``), windows where
    neither has a gap. Measured 3.9 bpm, its teacher 5.0 (docs/reports/encoders_real_records.json)."""
    import numpy as np

    from wearsdk import ecg_peaks, heart_rate
    from wearsdk.io import read
    from wearsdk.stream import bridge_short_gaps, recording_windows

    encoder = create_model("ppg_encoder_compact", pretrained=True).eval()
    card, heads = encoder.card, load_heads(encoder.card)
    rec = read(real_data_dir / "challenge2015" / "v102s")
    fs, ii = rec.sampling_rate, rec.channels.index("II")
    win = recording_windows(rec, card, channels=["PLETH"] * 4, hop=card.window_samples)
    ecg, ok = bridge_short_gaps(rec.signals[ii], rec.valid[ii], fs)
    rates = heart_rate(ecg_peaks(np.nan_to_num(ecg), sampling_rate=fs), sampling_rate=fs,
                       window_s=card.window_seconds, duration_s=rec.duration_s)
    span = int(card.window_seconds * fs)
    index = np.round(win.t_start_s / card.window_seconds).astype(int)
    keep = np.array([ok[k * span:(k + 1) * span].all() for k in index])
    with torch.no_grad():
        predicted = heads.predict(encoder(torch.from_numpy(win.x[keep])))["hr_bpm"]
    mae = float(np.mean(np.abs(np.asarray(predicted, np.float64) - rates[index[keep]])))
    assert keep.sum() >= 4 and mae < 6.0, mae


@pytest.mark.parametrize("name", list_models())
def test_every_card_round_trips_through_json(name) -> None:
    card = get_model_card(name)
    assert ModelCard.from_dict(card.to_dict()) == card
    assert ModelCard.from_dict(json.loads(json.dumps(card.to_dict()))) == card


@pytest.mark.parametrize("model", BUNDLED)
def test_bundled_cards_carry_their_pretrained_records(model) -> None:
    record = read_record(model)
    card = get_model_card(model)
    assert record is not None and record.fits(card) and record == PretrainedRecord.read(WEIGHTS_DIR / f"{model}.json")
    for key in ("weights_file", "weights_sha256", "version", "recipe", "training_data", "reproduce", "limitations",
                "metrics"):
        assert getattr(card, key) == getattr(record, key), key
    for key in ("signal", "preprocessing"):
        assert getattr(record, key) in (None, getattr(card, key)), key
    assert sha256_file(WEIGHTS_DIR / record.weights_file) == record.weights_sha256


def test_no_published_figures_or_digests_in_model_source() -> None:
    """Weights digests and their metrics live in the records (wearsdk bundle), never pasted into Python."""
    for path in Path(_registry.__file__).parent.glob("*.py"):
        assert not re.search(r"[0-9a-f]{64}", path.read_text()), path

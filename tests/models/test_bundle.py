"""Publishing weights: ``wearsdk.models.bundle`` / ``wearsdk bundle`` write ``<model>.pt`` + its pretrained record,
and ``create_model(..., pretrained=True, weights_dir=...)`` loads exactly those weights from that record."""

from __future__ import annotations

import json
import re

import pytest
import torch

from wearsdk.cli import main
from wearsdk.errors import ArtifactIntegrityError, CheckpointError, ConfigError
from wearsdk.models import (
    HEADS,
    LinearHeads,
    ModelCard,
    PretrainedRecord,
    bundle,
    create_model,
    load_heads,
    read_record,
)
from wearsdk.train.heads import SIM_HEADS

torch.set_num_threads(1)

NAME = "ecg_encoder_compact"
TINY = dict(stem_chs=4, stages=((1, 3, 2, 8, 1),), head_chs=8, embed_dim=8)  # a few hundred parameters
ABOUT = dict(version="0.0.1", recipe="random init (test)", training_data="none", reproduce="pytest tests/models",
             limitations="Not validated for anything.")


def _heads(dim: int) -> LinearHeads:
    torch.manual_seed(1)
    return LinearHeads(tuple(HEADS), torch.randn(len(HEADS), dim), torch.randn(len(HEADS)))


def _same_weights(a: torch.nn.Module, b: torch.nn.Module) -> None:
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert ka == kb
        torch.testing.assert_close(va, vb, rtol=0, atol=0)


def test_bundle_writes_weights_and_record_that_create_model_loads(tmp_path) -> None:
    torch.manual_seed(0)
    model = create_model(NAME, **TINY)
    heads = _heads(model.card.embedding_dim)
    record = bundle(model, heads=heads, metrics={"sim_hr_bpm_mae": 9.5}, notes={"sim_hr_bpm_mae": "why"},
                    weights_dir=tmp_path, **ABOUT)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{NAME}.json", f"{NAME}.pt"]
    assert read_record(NAME, tmp_path) == record == PretrainedRecord.from_dict(record.to_dict())
    assert json.loads((tmp_path / f"{NAME}.json").read_text())["weights_sha256"] == record.weights_sha256

    loaded = create_model(NAME, pretrained=True, weights_dir=tmp_path, **TINY)
    _same_weights(model, loaded)
    card = loaded.card
    assert (card.weights_file, card.weights_sha256) == (f"{NAME}.pt", record.weights_sha256)
    assert card.metrics == {"sim_hr_bpm_mae": 9.5} and card.reproduce == "pytest tests/models"
    assert ModelCard.from_dict(card.to_dict()) == card
    x = torch.randn(3, card.embedding_dim)
    torch.testing.assert_close(load_heads(card, tmp_path)(x), heads(x))
    # the record fits only the config it was bundled with; the package's own record is untouched
    assert create_model(NAME, weights_dir=tmp_path).card.weights_file is None
    with pytest.raises(CheckpointError, match="no published pretrained weights for this configuration"):
        create_model(NAME, pretrained=True, weights_dir=tmp_path)
    assert create_model(NAME).card.weights_sha256 != record.weights_sha256


def test_a_tampered_bundle_is_refused(tmp_path) -> None:
    bundle(create_model(NAME, **TINY), weights_dir=tmp_path, **ABOUT)
    path = tmp_path / f"{NAME}.pt"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactIntegrityError, match="truncated, corrupted or replaced"):
        create_model(NAME, pretrained=True, weights_dir=tmp_path, **TINY)
    (tmp_path / f"{NAME}.json").write_text("{not json")
    with pytest.raises(ArtifactIntegrityError, match="not valid JSON"):
        create_model(NAME, weights_dir=tmp_path, **TINY)


def test_wrong_kinds_of_path_say_what_was_expected(tmp_path) -> None:
    file = tmp_path / "file.pt"
    file.write_bytes(b"x")
    with pytest.raises(ConfigError, match="weights_dir: expected a folder"):
        bundle(create_model(NAME, **TINY), weights_dir=file, **ABOUT)
    with pytest.raises(ConfigError, match="weights_dir: expected a folder"):
        create_model(NAME, weights_dir=file)
    with pytest.raises(CheckpointError, match="is a folder; expected a file"):
        create_model(NAME, checkpoint_path=tmp_path)
    with pytest.raises(ConfigError, match="heads read 256-d embeddings"):
        bundle(create_model(NAME, **TINY), heads=_heads(256), weights_dir=tmp_path, **ABOUT)


def test_cli_bundles_a_trained_checkpoint_end_to_end(tmp_path, capsys) -> None:
    torch.manual_seed(0)
    model = create_model(NAME, **TINY)
    checkpoint = tmp_path / "model.pt"  # what 'wearsdk train' writes: the config names the model and overrides
    torch.save({"model": model.state_dict(), "card": model.card.to_dict(),
                "config": {"model": NAME, "model_overrides": TINY}}, checkpoint)
    about = tmp_path / "about.json"
    about.write_text(json.dumps({**ABOUT, "metrics": {"real_hr_bpm_mae": 4.0}}))
    out = tmp_path / "weights"
    assert main(["bundle", str(checkpoint), "--about", str(about), "--weights-dir", str(out),
                 "--metric", "int8_embedding_cosine_mean=0.999"]) == 0
    assert f"wrote {NAME}.pt (sha256 " in capsys.readouterr().out
    loaded = create_model(NAME, pretrained=True, weights_dir=out, **TINY)
    _same_weights(model, loaded)
    assert loaded.card.metrics == {"real_hr_bpm_mae": 4.0, "int8_embedding_cosine_mean": 0.999}
    assert loaded.card.recipe == ABOUT["recipe"]
    # a bundled file (default config) bundles again with its heads; its record serves as --about
    full = create_model(NAME)
    bundle(full, heads=_heads(full.card.embedding_dim), weights_dir=out, **ABOUT)
    again = tmp_path / "again"
    assert main(["bundle", str(out / f"{NAME}.pt"), "--model", NAME, "--about", str(out / f"{NAME}.json"),
                 "--weights-dir", str(again)]) == 0
    card = create_model(NAME, pretrained=True, weights_dir=again).card
    x = torch.randn(2, card.embedding_dim)
    torch.testing.assert_close(load_heads(card, again)(x), _heads(card.embedding_dim)(x))


def test_cli_refuses_bad_inputs_saying_what_was_expected(tmp_path, capsys) -> None:
    model = create_model(NAME, **TINY)
    checkpoint = tmp_path / "model.pt"
    torch.save({"model": model.state_dict(), "config": {"model": NAME, "model_overrides": TINY}}, checkpoint)
    about = tmp_path / "about.json"
    about.write_text(json.dumps({**ABOUT, "colour": "blue"}))
    cases = [
        ([str(tmp_path), "--about", str(about)], "is a folder; expected a file"),
        ([str(checkpoint), "--about", str(tmp_path)], "about .*expected a file, found a folder"),
        ([str(checkpoint), "--about", str(about)], r"unknown key\(s\) \['colour'\]"),
        ([str(checkpoint), "--about", str(about), "--model", "ppg_encoder_compact"], "holds 'ecg_encoder_compact'"),
    ]
    for args, expected in cases:
        assert main(["bundle", *args, "--weights-dir", str(tmp_path / "w")]) == 2
        assert re.search(expected, capsys.readouterr().err), expected
    about.write_text(json.dumps(ABOUT))
    assert main(["bundle", str(checkpoint), "--about", str(about), "--metric", "x=fast"]) == 2
    assert "expected NAME=NUMBER" in capsys.readouterr().err
    lead_vae = create_model("lead_vae_compact", window_samples=64, base_chs=8, attn_heads=2)
    torch.save({"model": lead_vae.state_dict(), "config": {"model": "lead_vae_compact", "model_overrides": dict(
        window_samples=64, base_chs=8, attn_heads=2)}}, checkpoint)
    assert main(["bundle", str(checkpoint), "--about", str(about), "--fit-heads",
                 "--weights-dir", str(tmp_path / "w")]) == 2
    assert "linear heads read an encoder's embeddings" in capsys.readouterr().err


def test_cli_fits_an_encoders_heads_and_records_their_scores(tmp_path, capsys) -> None:
    torch.manual_seed(0)
    model = create_model(NAME, **TINY)
    checkpoint = tmp_path / "model.pt"
    torch.save({"model": model.state_dict(), "config": {"model": NAME, "model_overrides": TINY}}, checkpoint)
    about = tmp_path / "about.json"
    about.write_text(json.dumps(ABOUT))
    assert main(["bundle", str(checkpoint), "--about", str(about), "--fit-heads", "--head-participants", "8",
                 "--test-participants", "4", "--weights-dir", str(tmp_path)]) == 0
    card = create_model(NAME, pretrained=True, weights_dir=tmp_path, **TINY).card
    assert load_heads(card, tmp_path).names == SIM_HEADS  # simulated windows carry no rhythm-class labels
    assert {"sim_hr_bpm_mae", "sim_hr_bpm_mae_rest", "sim_af_prob_auroc", "sim_quality_prob_auroc"} <= set(card.metrics)
    assert "heads hr_bpm, af_prob" in capsys.readouterr().out

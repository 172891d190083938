"""examples/bundle_encoder.py publishes a student's weights and record that create_model(pretrained=True) loads."""

import json

import pytest


@pytest.mark.slow
def test_bundle_encoder_example_publishes_weights_and_record(run_example, tmp_path):
    """2-step ECG teacher and 3-step student (batch 4), heads on 8 + 4 simulated participants, int8 calibrated
    on 16 windows: the example writes ecg_encoder_compact.pt + .json into a weights folder, which
    create_model(pretrained=True) then loads."""
    from wearsdk.models import create_model, load_heads
    from wearsdk.train import get_config, train

    # the card's window (the tiny preset shortens it), on a smaller toy set than the preset's (batch 4, 8 + 4
    # participants): the runs only have to exist
    small = {"model_overrides.window_samples": 3840, "global_batch": 4, "data.num_participants": 8,
             "data.val_participants": 4}
    teacher = train(get_config("ecg_ssl", "tiny", {"model": "ecg_encoder_full", "steps": 2, **small}),
                    tmp_path / "teacher", progress=False)
    student = train(get_config("ecg_distill", "tiny", {"distill.teacher": str(teacher.model_path), "steps": 3,
                                                       **small}), tmp_path / "student", progress=False)
    weights = tmp_path / "weights"
    proc = run_example("bundle_encoder.py", "--name", "ecg_encoder_compact", "--student", student.model_path,
                       "--teacher", teacher.model_path, "--weights-dir", weights, "--report", tmp_path / "report.json",
                       "--train-participants", 8, "--test-participants", 4, "--calibration", 16)
    assert json.loads((tmp_path / "report.json").read_text())["data"]["int8_calibration_windows"] == 16
    assert "carried over from the record, not measured here" in proc.stdout
    encoder = create_model("ecg_encoder_compact", pretrained=True, weights_dir=weights)
    card = encoder.card
    assert {"sim_hr_bpm_mae", "sim_hr_bpm_mae_teacher", "student_keeps_af_prob_auroc",
            "int8_embedding_cosine_mean", "distill_val_cosine_to_teacher"} <= set(card.metrics)
    assert card.weights_sha256 != create_model("ecg_encoder_compact").card.weights_sha256
    assert load_heads(card, weights).embed_dim == card.embedding_dim

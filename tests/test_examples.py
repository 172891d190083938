"""The runnable Python examples run (the firmware example is compiled in tests/firmware)."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(("script", "args", "expect"), [
    ("preprocess_stream.py", [], "identical to offline: True"),
    ("stream_session.py", ["--seconds", "40", "--drop-rate", "0.05"], "= processed"),
    ("encoder_arch_sweep.py", ["--modality", "ecg", "--candidates", "relu_s4", "--repeats", "2"], "relu_s4 {"),
    ("lead_vae_sim_ceiling.py", ["--train-participants", "12", "--test-participants", "6", "--segments", "1"],
     "clean true_dipole_oracle: mean r"),
])
def test_example_runs(script, args, expect):
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert expect in proc.stdout


def test_train_distill_quantize_export_example(tmp_path):
    proc = subprocess.run([sys.executable, str(EXAMPLES / "train_distill_export.py"), "--out", str(tmp_path),
                           "--teacher-steps", "2", "--student-steps", "3"], capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert [ln[:2] for ln in lines if ln[:1].isdigit()] == ["1.", "2.", "3-", "5."]
    cosine = float(lines[-1].rsplit(" ", 1)[1])
    assert cosine > 0.95  # the int8 artifact tracks its own fp32 student (tiny, barely trained)
    assert (tmp_path / "artifact" / "manifest.json").is_file()


@pytest.mark.slow
def test_bundle_encoder_example_publishes_weights_and_record(tmp_path):
    """2-step ECG teacher and 3-step student, heads on 8 + 4 simulated participants: the example writes
    ecg_encoder_compact.pt + .json into a weights folder, which create_model(pretrained=True) then loads."""
    from wearsdk.models import create_model, load_heads
    from wearsdk.train import get_config, train

    full_window = {"model_overrides.window_samples": 3840}
    teacher = train(get_config("ecg_ssl", "tiny", {"model": "ecg_encoder_full", "steps": 2, **full_window}),
                    tmp_path / "teacher", progress=False)
    student = train(get_config("ecg_distill", "tiny", {"distill.teacher": str(teacher.model_path), "steps": 3,
                                                       **full_window}), tmp_path / "student", progress=False)
    weights = tmp_path / "weights"
    proc = subprocess.run([sys.executable, str(EXAMPLES / "bundle_encoder.py"), "--name", "ecg_encoder_compact",
                           "--student", str(student.model_path), "--teacher", str(teacher.model_path),
                           "--weights-dir", str(weights), "--report", str(tmp_path / "report.json"),
                           "--train-participants", "8", "--test-participants", "4"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "carried over from the record, not measured here" in proc.stdout
    encoder = create_model("ecg_encoder_compact", pretrained=True, weights_dir=weights)
    card = encoder.card
    assert {"sim_hr_bpm_mae", "sim_hr_bpm_mae_teacher", "student_keeps_af_prob_auroc",
            "int8_embedding_cosine_mean", "distill_val_cosine_to_teacher"} <= set(card.metrics)
    assert card.weights_sha256 != create_model("ecg_encoder_compact").card.weights_sha256
    assert load_heads(card, weights).embed_dim == card.embedding_dim


@pytest.mark.slow
def test_lead_vae_ptbxl_example_bundles_every_published_figure(tmp_path, real_data_dir):
    """2 training steps on PTB-XL, then --bundle: the record in the weights folder carries the same metric names as
    the published one (its text and zero-phase input contract carried over) and loads with pretrained=True."""
    from wearsdk.models import create_model

    weights = tmp_path / "weights"
    proc = subprocess.run([sys.executable, str(EXAMPLES / "train_lead_vae_ptbxl.py"), "--steps", "2",
                           "--out", str(tmp_path / "run"), "--report", str(tmp_path / "report.json"), "--bundle",
                           "--weights-dir", str(weights)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    published = create_model("lead_vae_compact").card
    card = create_model("lead_vae_compact", pretrained=True, weights_dir=weights).card
    assert set(card.metrics) == set(published.metrics)
    assert (card.signal, card.preprocessing, card.limitations) == (published.signal, published.preprocessing,
                                                                   published.limitations)
    assert card.weights_sha256 != published.weights_sha256

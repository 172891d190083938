"""examples/train_distill_export.py: teacher -> student -> int8 -> ExecuTorch export -> load, end to end."""

import pytest


@pytest.mark.slow
def test_train_distill_quantize_export_example(run_example, tmp_path):
    proc = run_example("train_distill_export.py", "--out", tmp_path, "--teacher-steps", 2, "--student-steps", 3,
                       "--calibration", 8)  # the encoders' minimum (manifest: min_calibration_windows)
    lines = proc.stdout.splitlines()
    assert [ln[:2] for ln in lines if ln[:1].isdigit()] == ["1.", "2.", "3-", "5."]
    cosine = float(lines[-1].rsplit(" ", 1)[1])
    assert cosine > 0.95  # the int8 artifact tracks its own fp32 student (tiny, barely trained)
    assert (tmp_path / "artifact" / "manifest.json").is_file()

"""The command line: doctor, bench, and --help of every command."""

import json
import subprocess
import sys

import pytest

from wearsdk.cli import COMMANDS, main


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wearsdk", *args], capture_output=True, text=True, timeout=300)


def test_doctor_json_reports_the_native_libraries():
    proc = run_cli("doctor", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["cpp_op"] is True and report["executorch_kernels"] is True and report["c_api"] is True
    assert report["versions"]["torch"].startswith("2.13.0")
    assert report["versions"]["executorch"] == "1.5.1"


def test_doctor_fails_loudly_without_the_native_build(tmp_path):
    env_code = (
        "import os, sys; os.environ['WEARSDK_LIB_DIR'] = sys.argv[1];"
        "import wearsdk._native as n; n._search_dirs = lambda: [__import__('pathlib').Path(sys.argv[1])];"
        "from wearsdk.cli import main; sys.exit(main(['doctor']))"
    )
    proc = subprocess.run([sys.executable, "-c", env_code, str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 1
    assert "MISSING" in proc.stdout
    assert "bootstrap.sh build" in proc.stderr


def test_bench_preprocess_json_has_the_contract_keys():
    proc = run_cli("bench", "preprocess", "--json", "--batch", "2", "--samples", "640", "--repeats", "1")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    for key in ("cpp_ms", "scipy_ms", "torch_fir_ms", "ratio_vs_scipy", "ratio_vs_torch_fir"):
        assert isinstance(result[key], float) and result[key] > 0
    assert result["max_abs_err_vs_scipy"] < 1e-4


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert len(capsys.readouterr().out) > 100


def test_bench_simulate_json_reports_the_realtime_factor():
    proc = run_cli("bench", "simulate", "--json", "--duration", "4", "--participants", "1", "--repeats", "1")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["realtime_factor"] > 10 and result["seconds_simulated"] == 4.0


def test_peak_functions_are_part_of_the_top_level_api():
    import numpy as np

    import wearsdk

    fs = 250.0
    x = np.zeros(int(10 * fs), np.float32)
    x[::250] = 1.0  # one sharp "beat" per second
    peaks = wearsdk.ecg_peaks(np.convolve(x, np.hanning(9), "same"), sampling_rate=fs)
    assert 8 <= len(peaks) <= 10
    assert callable(wearsdk.ppg_peaks) and callable(wearsdk.heart_rate)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["preprocess", "--batch", "0"], "batch"),
        (["preprocess", "--samples", "0"], "samples"),
        (["preprocess", "--repeats", "0"], "repeats"),
        (["simulate", "--participants", "0"], "participants"),
        (["simulate", "--duration", "0"], "duration_s"),
        (["runtime", "--repeats", "0"], "--repeats must be >= 1"),
        (["stream", "--hours", "0"], "--hours must be >= 0.02"),
        (["stream", "--hop", "0"], "--hop must be >= 1"),
        (["quant", "--participants", "0"], "--participants must be >= 1"),
    ],
)
def test_bench_options_of_an_empty_run_are_clean_errors(argv, expected, capsys):
    assert main(["bench", *argv]) == 2
    err = capsys.readouterr().err
    assert "ConfigError" in err and expected in err

"""Bad input for the PPG encoders (issue 23): a WearError that says what was expected and how to fix it, from
recording_windows and from `wearsdk run` (never a crash inside torch, never outputs on a signal the model cannot
read). The CLI tests run a stand-in artifact (resolve_artifact patched), so no export is needed."""

import numpy as np
import pytest
import torch

import wearsdk.runtime.run
from wearsdk.cli import main
from wearsdk.errors import SamplingRateError, ShapeError, SignalPolarityError, StreamGapError, WearError
from wearsdk.io import Recording, read
from wearsdk.models import get_model_card
from wearsdk.sim import Cohort
from wearsdk.stream import recording_windows

CARD = get_model_card("ppg_encoder_compact")
NAMES = tuple(CARD.input_channels)  # ppg_green_1, ppg_green_2, ppg_red, ppg_infrared


def _ppg(seconds: float = 130.0, *, rate: float = 64.0, channels: tuple[str, ...] = NAMES, sign: float = 1.0,
         seed: int = 0) -> Recording:
    """A simulated resting PPG, ``len(channels)`` rows (the simulator's 4 channels, cycled) at ``rate`` Hz."""
    ppg = Cohort(1, seed=seed)[0].record(seconds, sampling_rates={"ppg": rate}, streams=("ppg",)).ppg
    x = sign * np.stack([ppg[i % 4] for i in range(len(channels))]).astype(np.float64)
    return Recording(signals=x, sampling_rate=rate, channels=channels, units=("a.u.",) * len(channels),
                     valid=np.ones(x.shape, bool))


def _with(rec: Recording, signals: np.ndarray, valid: np.ndarray | None = None, rate: float | None = None):
    return Recording(signals=signals, sampling_rate=rate or rec.sampling_rate, channels=rec.channels,
                     units=rec.units, valid=np.isfinite(signals) if valid is None else valid)


class _StandIn:
    """An artifact of ``ppg_encoder_compact`` that records the window shapes it is given."""

    streaming, trained, card = False, True, CARD

    def __init__(self):
        self.calls = []

    def __call__(self, x):
        self.calls.append(tuple(x.shape))
        return [torch.zeros(1, CARD.embedding_dim)]


@pytest.fixture
def run_cli(monkeypatch, capsys, tmp_path):
    """``run_cli(rec, *args) -> (exit code, stdout, stderr, model calls)`` of `wearsdk run` on ``rec`` (saved as
    .npz)."""
    def run(rec: Recording, *args: str):
        path = tmp_path / "rec.npz"
        np.savez(path, signals=rec.signals, sampling_rate=rec.sampling_rate, channels=np.array(rec.channels),
                 units=np.array(rec.units))
        model = _StandIn()
        monkeypatch.setattr(wearsdk.runtime.run, "resolve_artifact", lambda *a, **k: model)
        code = main(["run", "stand-in", "--input", str(path), *args])
        printed = capsys.readouterr()
        return code, printed.out, printed.err, model.calls

    return run


# -- 1. polarity --------------------------------------------------------------------------------------------------

def test_pulses_pointing_down_are_refused_until_inverted(run_cli):
    rec = _ppg(sign=-1.0)
    with pytest.raises(SignalPolarityError, match="--invert ppg_green_1"):
        recording_windows(rec, CARD)
    code, _, err, calls = run_cli(rec)
    assert code == 2 and "SignalPolarityError" in err and "--invert ppg_green_1" in err and calls == []
    code, out, _, calls = run_cli(rec, "--invert", ",".join(NAMES))
    assert code == 0 and "negated" in out and calls == [(1, 4, CARD.window_samples)] * 3


# -- 2. channels the model cannot map -----------------------------------------------------------------------------

@pytest.mark.parametrize(("channels", "hint"), [
    (("ppg_green_1", "ppg_red"), "--channels ppg_green_1,ppg_green_1,ppg_green_1,ppg_green_1"),
    (("acc_x", "pleth", "spo2"), "--channels pleth,pleth,pleth,pleth"),
    (("ppg",), "--channels ppg,ppg,ppg,ppg"),
])
def test_unmapped_channels_name_the_inputs_and_the_fix(channels, hint, run_cli):
    rec = _ppg(70.0, channels=channels)
    with pytest.raises(ShapeError, match=r"needs 4 input\(s\) \['ppg_green_1', 'ppg_green_2'") as info:
        recording_windows(rec, CARD)
    assert hint in str(info.value) and "channels=" in str(info.value)
    code, _, err, calls = run_cli(rec)
    assert code == 2 and "ShapeError" in err and hint in err and calls == []


@pytest.mark.parametrize("given", [["ppg", "ppg"], ["ppg"] * 3, ["ppg"] * 5])
def test_channels_naming_a_wrong_count_is_refused_before_the_model(given, run_cli):
    """Before: 2 names gave (windows, 2, 3840) windows, fed as such to the 4-input model."""
    rec = _ppg(70.0, channels=("ppg",))
    with pytest.raises(ShapeError, match=rf"names {len(given)} channel\(s\).*expected exactly 4") as info:
        recording_windows(rec, CARD, channels=given)
    assert "--channels ppg,ppg,ppg,ppg" in str(info.value)
    code, _, err, calls = run_cli(rec, "--channels", ",".join(given))
    assert code == 2 and "expected exactly 4" in err and calls == []


@pytest.mark.parametrize("given", ["ppg, ppg, ppg, ppg", "ppg"])  # spaces after commas are fine
def test_one_channel_on_all_four_inputs_runs(given, run_cli):
    """Named four times, or once (one name for a 4-input PPG card feeds every input, and the run says so)."""
    rec = _ppg(70.0, channels=("PPG",))
    four = recording_windows(rec, CARD, channels=["ppg"] * 4)
    assert four.x.shape == (1, 4, CARD.window_samples)
    once = recording_windows(rec, CARD, channels=["ppg"])
    np.testing.assert_array_equal(once.x, four.x)
    assert once.channels == ["ppg"] * 4
    code, out, _, calls = run_cli(rec, "--channels", given)
    assert code == 0 and calls == [(1, 4, CARD.window_samples)] and "channels ppg, ppg, ppg, ppg" in out


# -- 3. sampling rate ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("step", [4, 5, 8])  # 16, 12.8 and 8 Hz
def test_ppg_under_20_hz_is_refused(step, run_cli):
    rec = _ppg()
    slow = _with(rec, rec.signals[:, ::step].copy(), rate=64.0 / step)
    with pytest.raises(SamplingRateError, match=rf"sampled at {64 / step:g} Hz; ppg_encoder_compact needs PPG at "
                       r">= 20 Hz.*--fs HZ"):
        recording_windows(slow, CARD)
    code, _, err, calls = run_cli(slow)
    assert code == 2 and "SamplingRateError" in err and calls == []


@pytest.mark.parametrize("rate", [20.0, 19.6])
def test_20_hz_ppg_runs_even_when_its_clock_runs_a_little_slow(rate):
    """20 Hz is the floor; 19.6 Hz (the E2E-PPG watch's mean rate between timestamps) is within the tolerance."""
    rec = _ppg(rate=20.0)
    win = recording_windows(_with(rec, rec.signals, rate=rate), CARD)
    assert len(win.x) >= 2 and not win.skipped_s and np.isfinite(win.x).all()


def test_the_real_20_hz_smartwatch_file_is_not_refused(real_data_dir):
    rec = read(real_data_dir / "wearable_ppg" / "e2epyppg_201902020222_Data.csv")
    assert rec.sampling_rate == 20.0  # the reader reports the nominal rate (19.6 Hz mean between timestamps)
    win = recording_windows(rec, CARD, channels=["ppg"] * 4, invert=["ppg"])
    assert len(win.x) >= 10 and win.resampled_from_hz == 20.0 and np.isfinite(win.x).all()


# -- 4. dropout ---------------------------------------------------------------------------------------------------

def test_a_recording_with_a_gap_in_every_window_is_refused(run_cli):
    """1 s lost every 25 s: every 60 s window touches a gap; the run says so instead of printing nothing."""
    rec = _ppg()
    x = rec.signals.copy()
    for start in range(10, 130, 25):
        x[:, start * 64: (start + 1) * 64] = np.nan
    win = recording_windows(_with(rec, x), CARD)
    assert len(win.x) == 0 and win.skipped_s == [0.0, 30.0, 60.0]
    # NaN the file marked valid is still missing (before: it went through the filter into every window)
    assert len(recording_windows(_with(rec, x, valid=np.ones(x.shape, bool)), CARD).x) == 0
    code, _, err, calls = run_cli(_with(rec, x))
    assert code == 2 and calls == []
    assert "StreamGapError: " in err and "all 3 window(s) of 60 s touch missing samples" in err


def test_a_short_dropout_is_bridged_and_every_window_runs(run_cli):
    rec = _ppg()
    x = rec.signals.copy()
    x[:, 40 * 64: 40 * 64 + 3] = np.nan  # 47 ms: bridged (at most 50 ms)
    win, clean = recording_windows(_with(rec, x), CARD), recording_windows(rec, CARD)
    assert win.bridged_samples == 4 * 3 and not win.skipped_s and win.x.shape == clean.x.shape
    assert min(np.corrcoef(a.ravel(), b.ravel())[0, 1] for a, b in zip(win.x, clean.x, strict=True)) > 0.99
    code, out, _, calls = run_cli(_with(rec, x))
    assert code == 0 and len(calls) == 3 and "12 missing sample(s)" in out


def test_every_refusal_is_a_wear_error():
    assert all(issubclass(e, WearError) for e in (SamplingRateError, ShapeError, SignalPolarityError,
                                                    StreamGapError))

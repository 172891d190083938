"""Bad input on the two paths the file checks of issue 23 did not cover: a StreamingSession built from a PPG card
refuses a rate it cannot read (up front) and pulses pointing down (once a window shows them, before the model runs
on it), with the checks of recording_windows; `wearsdk run MODEL` reads and checks the recording before it exports
the model (a stand-in exporter records whether it was called)."""

from functools import cache

import numpy as np
import pytest
import torch

import wearsdk.export
import wearsdk.stream.session
from wearsdk.cli import main
from wearsdk.errors import ExportError, SamplingRateError, ShapeError, SignalPolarityError
from wearsdk.models import get_model_card
from wearsdk.sim import Cohort
from wearsdk.stream import StreamingSession

CARD = get_model_card("ppg_encoder_compact")  # 4 PPG inputs, 64 Hz, 60 s windows every 30 s, causal
NAMES = list(CARD.input_channels)
FS = 64.0


@cache
def _ppg(seconds: float = 130.0, seed: int = 0) -> np.ndarray:
    """A simulated resting PPG ``(4, samples)`` at 64 Hz, pulses up."""
    rec = Cohort(1, seed=seed)[0].record(seconds, sampling_rates={"ppg": FS}, streams=("ppg",))
    return np.ascontiguousarray(rec.ppg, np.float32)


class _Model:
    """A stand-in model that keeps the windows it is given."""

    def __init__(self):
        self.windows = []

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        self.windows.append(x.clone())
        return x[..., :8].clone()


def _stream(session: StreamingSession, x: np.ndarray, packet_s: float = 1.0) -> list:
    n = int(packet_s * FS)
    results = []
    for start in range(0, x.shape[1], n):
        results += session.push(x[:, start:start + n], 1000.0 + start / FS)
    return results


# -- rate: refused by from_card, before anything streams -----------------------------------------------------------

@pytest.mark.parametrize("rate", [10.0, 16.0])
def test_from_card_refuses_ppg_under_20_hz(rate):
    """Before: 10 Hz failed in the filter design ('choose high < 5 Hz': the wrong fix), 16 Hz streamed."""
    with pytest.raises(SamplingRateError, match=rf"the stream is sampled at {rate:g} Hz; ppg_encoder_compact needs "
                       r"PPG at >= 20 Hz.*input_rate=HZ to StreamingSession.from_card"):
        StreamingSession.from_card(_Model(), CARD, input_rate=rate)


@pytest.mark.parametrize("rate", [20.0, 19.6, 250.0])
def test_from_card_takes_20_hz_even_from_a_slow_clock(rate):
    assert StreamingSession.from_card(_Model(), CARD, input_rate=rate).spec.sampling_rate == rate


@pytest.mark.parametrize("rate", [0, -64.0, float("nan"), "64"])
def test_from_card_refuses_a_rate_that_is_not_one(rate):
    """Before: input_rate=0 silently streamed as if at the model's 64 Hz."""
    with pytest.raises(SamplingRateError, match="input_rate must be"):
        StreamingSession.from_card(_Model(), get_model_card("ecg_encoder_compact"), input_rate=rate)


# -- polarity: checked on the stream's first window(s), before the model runs on them ------------------------------

def test_pulses_pointing_down_are_refused_before_the_model_runs():
    model = _Model()
    session = StreamingSession.from_card(model, CARD, input_rate=FS)
    with pytest.raises(SignalPolarityError, match=r"the stream: the pulses of PPG channel 'ppg_green_1' point down"
                       r".*invert=\['ppg_green_1'\] to StreamingSession.from_card"):
        _stream(session, -_ppg())
    assert model.windows == []  # no output of an upside-down signal
    with pytest.raises(SignalPolarityError):  # and it stays refused
        _stream(session, -_ppg(), packet_s=1.0)


def test_one_channel_pointing_down_is_named():
    x = _ppg().copy()
    x[2] *= -1
    with pytest.raises(SignalPolarityError, match=r"channel 'ppg_red' point down.*invert=\['ppg_red'\]"):
        _stream(StreamingSession.from_card(_Model(), CARD, input_rate=FS), x)


def test_invert_streams_raw_intensity_exactly_as_the_upright_signal():
    up, down = _Model(), _Model()
    a = _stream(StreamingSession.from_card(up, CARD, input_rate=FS), _ppg())
    b = _stream(StreamingSession.from_card(down, CARD, input_rate=FS, invert=[n.upper() for n in NAMES]), -_ppg())
    assert len(a) == len(b) == 3
    for x, y in zip(up.windows, down.windows, strict=True):
        torch.testing.assert_close(x, y, rtol=0, atol=0)
    with pytest.raises(ShapeError, match=r"invert names \['ppg'\], which are not inputs of ppg_encoder_compact"):
        StreamingSession.from_card(_Model(), CARD, input_rate=FS, invert=["ppg"])


def test_polarity_is_checked_once_per_stream_not_per_hop(monkeypatch):
    """Pulses up on the first window: decided, never checked again (the per-hop path stays as it was)."""
    calls = []
    check = wearsdk.stream.session.check_ppg_polarity

    def counted(*args, **kwargs):
        calls.append(args[0].shape)
        return check(*args, **kwargs)

    monkeypatch.setattr(wearsdk.stream.session, "check_ppg_polarity", counted)
    session = StreamingSession.from_card(_Model(), CARD, input_rate=FS)
    assert len(_stream(session, _ppg())) == 3 and calls == [(4, CARD.window_samples)]
    session.reset()  # a new stream (another wearer, another device) is checked again
    with pytest.raises(SignalPolarityError):
        _stream(session, -_ppg(), packet_s=5.0)
    assert len(calls) == 2


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_window_under_motion_is_no_evidence_either_way(sign):
    """Simulated running: some channels read undecided, others at random (here, pulses up, green 2 reads up and
    red and infrared down), so the stream is neither refused nor found up: it streams, checked again on each
    window (`wearsdk demo --motion high` streams its PPG encoder so)."""
    from wearsdk.peaks import ppg_polarity
    from wearsdk.sim.windows import raw_window, window_activity

    assert window_activity(CARD, 7 % 4) == "run"
    x = sign * raw_window(CARD, 130.0, index=7, rate=FS)
    first = [ppg_polarity(row[:CARD.window_samples], sampling_rate=FS) for row in x]
    assert first == [0, int(sign), -int(sign), -int(sign)]
    session = StreamingSession.from_card(_Model(), CARD, input_rate=FS)
    assert len(_stream(session, x)) == 3


def test_ecg_streams_are_not_checked_for_ppg_polarity(monkeypatch):
    monkeypatch.setattr(wearsdk.stream.session, "check_ppg_polarity", lambda *a, **k: pytest.fail("checked"))
    card = get_model_card("ecg_encoder_compact")
    session = StreamingSession.from_card(_Model(), card, input_rate=128.0)
    x = np.sin(np.arange(int(40 * 128)) / 128 * 2 * np.pi * 1.2)[None].astype(np.float32)
    assert len(session.push(x, 0.0)) == 1


def test_a_dropout_is_cut_out_and_the_window_after_it_is_still_checked():
    """NaN samples are missing (a nonfinite event and a restart); the first clean window is what is checked."""
    x = -_ppg(200.0)
    x[:, 5 * 64:6 * 64] = np.nan
    session = StreamingSession.from_card(_Model(), CARD, input_rate=FS)
    with pytest.raises(SignalPolarityError):
        _stream(session, x)
    assert session.stats.event_counts == {"nonfinite": 1}


def test_a_packet_with_the_wrong_channel_count_names_the_inputs():
    session = StreamingSession.from_card(_Model(), CARD, input_rate=FS)
    with pytest.raises(ShapeError, match=r"samples must be shaped \(4, n\), one row per model input "
                       r"\['ppg_green_1', 'ppg_green_2', 'ppg_red', 'ppg_infrared'\] in order, got \(2, 64\)"):
        session.push(_ppg()[:2, :64], 0.0)


# -- `wearsdk run MODEL`: the recording is read and checked before the model is exported ---------------------------

@pytest.fixture
def run_model(monkeypatch, capsys, tmp_path):
    """``run_model(signals, rate, *args) -> (exit code, stderr, exported model names)`` of `wearsdk run
    ppg_encoder_compact` on ``signals`` saved as .npz (``signals=None``: a file that does not exist), with an empty
    artifact cache and a stand-in exporter that records its calls and fails (a real export takes minutes)."""
    exports = []

    def exporter(name, out, **options):
        exports.append(name)
        raise ExportError("stand-in exporter")

    monkeypatch.setattr(wearsdk.export, "export_model", exporter)

    def run(signals, rate: float = FS, *args: str):
        path = tmp_path / "rec.npz"
        if signals is not None:
            np.savez(path, signals=signals, sampling_rate=rate, channels=np.array(NAMES), units=np.array(["a.u."] * 4))
        code = main(["run", "ppg_encoder_compact", "--input", str(path), "--cache-dir", str(tmp_path / "cache"),
                     *args])
        return code, capsys.readouterr().err, exports

    return run


def _with_gaps(x: np.ndarray) -> np.ndarray:
    """``x`` missing 0.2 s (NaN) every 10 s: every 60 s window touches a gap."""
    x = x.copy()
    for start in range(0, x.shape[1], int(10 * FS)):
        x[:, start:start + int(0.2 * FS)] = np.nan
    return x


@pytest.mark.parametrize(("case", "error"), [
    ("slow", "SamplingRateError: "), ("inverted", "SignalPolarityError: "), ("channels", "ShapeError: "),
    ("missing", "DataFormatError: "), ("short", "ShapeError: "), ("gaps", "StreamGapError: "),
])
def test_run_refuses_bad_input_before_exporting(case, error, run_model, tmp_path):
    """Before: a cache miss exported the model first (minutes), then read the file and refused it."""
    x = _ppg()
    code, err, exports = {
        "slow": lambda: run_model(x[:, ::4].copy(), FS / 4),
        "inverted": lambda: run_model(-x),
        "channels": lambda: run_model(x, FS, "--channels", "ppg_green_1,ppg_red"),
        "missing": lambda: run_model(None),
        "short": lambda: run_model(x[:, :int(30 * FS)].copy()),
        "gaps": lambda: run_model(_with_gaps(x)),
    }[case]()
    assert code == 2 and error in err and exports == [] and "exporting" not in err
    assert not (tmp_path / "cache").exists()  # the artifact cache was not even opened


def test_run_on_good_input_goes_on_to_the_export(run_model):
    code, err, exports = run_model(_ppg(70.0))
    assert exports == ["ppg_encoder_compact"] and code == 2 and "ExportError: stand-in exporter" in err
    code, err, exports = run_model(-_ppg(70.0), FS, "--invert", ",".join(NAMES))
    assert exports == ["ppg_encoder_compact"] * 2 and "ExportError" in err

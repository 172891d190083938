"""``StreamingSession``: timestamped packets in, timestamped model results out.

Packets of any size (down to one sample) go through the causal preprocessing with carried state
(:class:`wearsdk.signal.Preprocessor`, the C core), the ring-buffer :class:`Windower`, the per-window
normalisation, and the model. Faults are detected and reported with the results, never smoothed over:

- a timestamp jump forward (missing samples) is a ``gap``: the session restarts its filters and
  windows, so no window ever spans the gap, and recovers after one window of new data;
- NaN/inf samples (sensor dropouts) are cut out and handled like a gap (``nonfinite``);
- a packet that starts before the expected time is a ``duplicate`` (same start as one already seen)
  or ``out_of_order`` (late); the part already covered is dropped and counted;
- a large jump backwards is a ``clock_reset``: a new stream on the new clock;
- a window whose raw input sits on its rails is flagged ``saturated`` (quality of the raw samples).

Input a model cannot read is refused with a :class:`~wearsdk.errors.WearError`, never answered:
:meth:`StreamingSession.from_card` refuses PPG streams sampled under
:data:`~wearsdk.stream.recording.MIN_PPG_RATE_HZ` (:class:`~wearsdk.errors.SamplingRateError`, up front), and a
PPG session refuses channels whose pulses point down (:class:`~wearsdk.errors.SignalPolarityError`, once a window
of raw input shows it), with the same checks as :func:`wearsdk.stream.recording_windows`.

Every input sample is accounted for in :attr:`StreamingSession.stats` as processed, dropped or missing.
Streaming equals offline: with no faults, the outputs equal ``model(normalise(window))`` over
``preprocess(whole recording)`` windows, bit for bit.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from wearsdk.errors import ConfigError, SamplingRateError, ShapeError
from wearsdk.signal import Preprocessor, PreprocessSpec, quality, zscore
from wearsdk.signal._validate import as_signal, check_rate
from wearsdk.stream.recording import check_ppg_polarity, check_ppg_rate
from wearsdk.stream.windower import Windower

if TYPE_CHECKING:
    from wearsdk.models.card import ModelCard

__all__ = ["StreamingSession", "StreamResult", "StreamEvent", "StreamStats"]

#: How a session's user gives the true rate / negates a channel (the fixes the shared checks name).
_RATE_FIX = "input_rate=HZ to StreamingSession.from_card"
_INVERT_FIX = ("invert=[{name!r}] to StreamingSession.from_card (or negate that row of every packet before "
               "push)")


@dataclass(frozen=True)
class StreamEvent:
    """A fault found in the stream: ``kind`` is gap, nonfinite, duplicate, out_of_order or clock_reset.
    ``t`` is the device time (s) where it happened, ``samples`` how many input samples it concerns."""

    kind: str
    t: float
    samples: int
    detail: str = ""


@dataclass(frozen=True)
class StreamResult:
    """One window's model output. Times are device seconds of the window's first and last input sample;
    ``latency_s`` = hop wait (``hop`` at the model rate) + ``compute_s``; ``events`` are the faults seen
    since the previous result; ``saturated``/``flatline`` come from the raw samples of the window."""

    t_start: float
    t_end: float
    output: Any
    compute_s: float
    latency_s: float
    saturated: bool
    flatline: bool
    events: tuple[StreamEvent, ...] = ()


@dataclass
class StreamStats:
    """Input samples per channel: received = processed + dropped (duplicates, late, non-finite);
    ``missing`` counts samples the timestamps say never arrived. ``event_counts`` counts every event by
    kind; ``events`` keeps the latest 1000 (memory stays flat on a stream that runs for days)."""

    received: int = 0
    processed: int = 0
    dropped: int = 0
    missing: int = 0
    windows: int = 0
    restarts: int = 0
    events: deque[StreamEvent] = field(default_factory=lambda: deque(maxlen=1000))
    event_counts: dict[str, int] = field(default_factory=dict)


def _as_model(model: Any) -> Callable[[torch.Tensor], Any]:
    if isinstance(model, torch.nn.Module):
        model.eval()

        def run(x: torch.Tensor) -> Any:
            with torch.inference_mode():
                return model(x)

        return run
    if callable(model):
        return model
    raise ConfigError(f"model: expected a torch.nn.Module, an ExecutorchProgram or another callable taking a "
                      f"(1, channels, window) float32 tensor, got {type(model).__name__}; pass the model itself.")


class StreamingSession:
    """Streams ``channels`` raw channels at ``spec.sampling_rate`` Hz into ``model``.

    ``model`` takes a ``(1, channels, window)`` float32 tensor at ``spec.output_rate`` (normalised as
    ``spec.norm`` says) and returns anything; ``window`` and ``hop`` are in model-rate samples.
    ``jitter_s`` is how far a packet's timestamp may stray from the expected time (anchored on the first
    packet, so give twice the timestamp jitter) before it counts as
    a gap or a late packet (default: half a sample); a jump back of more than ``clock_reset_s`` is a
    clock reset.
    """

    def __init__(self, model: Any, *, spec: PreprocessSpec, window: int, hop: int, channels: int,
                 jitter_s: float | None = None, clock_reset_s: float = 5.0):
        self.spec = spec
        self._model = _as_model(model)
        self._stream_spec = PreprocessSpec(**{**spec.to_dict(), "norm": "none"})
        self.window, self.hop, self.channels = window, hop, channels
        self._fs = spec.sampling_rate
        self._ratio = spec.output_rate / spec.sampling_rate
        self.jitter_s = 0.5 / self._fs if jitter_s is None else float(jitter_s)
        self.clock_reset_s = clock_reset_s
        self._pre = Preprocessor(self._stream_spec, (channels,))
        self._windows = Windower(window, hop, channels)
        raw_window = int(round(window / self._ratio))
        self._raw = Windower(raw_window, raw_window, channels)
        self.stats = StreamStats()
        self._next_t: float | None = None
        self._seen_starts: list[float] = []
        self._pending: list[StreamEvent] = []
        self._t_origin: float | None = None  # device time of the first sample since the last restart
        self._windows_since_restart = 0
        # Input samples per step so that one step completes at most one window (quality stays aligned).
        rs = self._stream_spec.resampler
        self._step = max(1, hop * rs.down // rs.up)
        # Set by from_card: the model's input names, the per-channel signs (None: none negated) and, for a PPG
        # model, whether the stream's pulses were found pointing up (None: not checked).
        self._input_names: list[str] | None = None
        self._sign: np.ndarray | None = None
        self._pulses_up: bool | None = None

    @classmethod
    def from_card(cls, model: Any, card: ModelCard, *, input_rate: float, hop: int | None = None,
                  jitter_s: float | None = None, clock_reset_s: float = 5.0,
                  invert: Sequence[str] | None = None) -> StreamingSession:
        """The session that feeds ``model`` as ``card`` says: raw ``len(card.input_channels)`` channels (one row
        per input, in the card's order) at ``input_rate`` Hz through ``card.preprocess_spec(input_rate)``, windows
        of ``card.window_samples`` every ``hop`` model samples (default ``card.hop_samples``). ``invert`` names
        inputs (case-insensitive) whose samples are negated on arrival: raw PPG photodiode counts, which fall as
        blood volume rises.

        A PPG model (``card.modality == "ppg"``) gets the checks of :func:`wearsdk.stream.recording_windows`:

        - its rate, here, before anything streams: under :data:`~wearsdk.stream.recording.MIN_PPG_RATE_HZ`
          (less its 5 % tolerance) the beat shape is lost;
        - its polarity, on the stream: polarity belongs to a signal, not to a hop (a hop is too short for
          :func:`wearsdk.peaks.ppg_polarity`, which needs seconds of pulses), so the raw input of a completed
          window (after ``invert``) is checked before the model runs on it, and judged only when it decides every
          channel (clean pulses; under motion some channels read undecided and others at random, so such a
          window is no evidence, and the next one is checked): every channel up, the stream is never checked
          again; one pointing down, :meth:`push` raises :class:`~wearsdk.errors.SignalPolarityError` naming it
          (and again on each later window) instead of returning outputs of an inverted signal. A stream that
          never shows clean pulses is never refused (and checked on every window, a few ms each); once its
          pulses are found up the per-window cost is one test of a flag. :meth:`reset` (a new stream) checks
          again.

        Raises:
            ConfigError: the card's preprocessing is zero-phase (offline only): streaming needs a causal model.
            SamplingRateError: ``input_rate`` is not a finite number > 0, or a PPG model's is under 19 Hz.
            ShapeError: ``invert`` names a channel that is not one of the card's inputs.
        """
        rate = check_rate(input_rate, "input_rate")
        if card.modality == "ppg":
            check_ppg_rate(rate, card, "the stream", fix=_RATE_FIX)
        if card.preprocessing.phase != "causal":
            raise ConfigError(
                f"{card.name}: streaming needs a causal model, but its preprocessing is {card.preprocessing.phase!r} "
                "(forward-backward over whole records). Cut whole records with wearsdk.stream.recording_windows "
                "instead, or stream a model whose card says phase='causal'."
            )
        names = list(card.input_channels)
        flip = {name.lower() for name in invert or ()}
        unknown = sorted(flip - {name.lower() for name in names})
        if unknown:
            raise ShapeError(f"invert names {unknown}, which are not inputs of {card.name} {names}; expected "
                             "some of those names (the rows of each packet, in that order).")
        session = cls(model, spec=card.preprocess_spec(rate), window=card.window_samples,
                      hop=int(hop or card.hop_samples), channels=len(names), jitter_s=jitter_s,
                      clock_reset_s=clock_reset_s)
        session._input_names = names
        if flip:
            session._sign = np.array([[-1.0 if n.lower() in flip else 1.0] for n in names], np.float32)
        if card.modality == "ppg":
            session._pulses_up = False
        return session

    # -- public ---------------------------------------------------------------------------------

    def reset(self) -> None:
        """Starts a fresh stream (filters, windows, clock, and for a PPG model its polarity checks); the
        statistics are kept."""
        self._restart()
        self._next_t = None
        self._seen_starts.clear()
        if self._pulses_up is not None:
            self._pulses_up = False

    def push(self, samples: Any, timestamp: float | None = None) -> list[StreamResult]:
        """Feeds one packet ``(channels, n)`` whose first sample was taken at ``timestamp`` (device
        seconds; ``None``: right after the previous packet). Returns the windows it completed.

        Raises:
            ShapeError: ``samples`` is not ``(channels, n)``.
            SamplingRateError: ``timestamp`` is not finite.
            SignalPolarityError: a PPG model's channel points down (see :meth:`from_card`).
        """
        x, _ = as_signal(samples, name="samples", allow_nonfinite=True)
        if x.dim() != 2 or x.shape[0] != self.channels:
            inputs = "" if self._input_names is None else f", one row per model input {self._input_names} in order"
            raise ShapeError(f"samples must be shaped ({self.channels}, n){inputs}, got {tuple(x.shape)}.")
        x = x.numpy()
        if self._sign is not None:
            x = x * self._sign
        n = x.shape[1]
        self.stats.received += n
        if timestamp is not None and not np.isfinite(timestamp):
            raise SamplingRateError(f"timestamp must be a finite time in seconds, got {timestamp!r}.")
        placed = self._place(timestamp, n) if timestamp is not None else (self._next_t or 0.0, 0)
        if placed is None:  # the whole packet was already covered
            return []
        t0, skip = placed
        if skip:
            x = x[:, skip:]
            n -= skip
        results: list[StreamResult] = []
        finite = np.isfinite(x).all(axis=0)
        start = 0
        while start < n:
            if not finite[start]:  # a run of dropouts: count, report, restart after it
                stop = start + int(np.argmax(finite[start:])) if finite[start:].any() else n
                self._event("nonfinite", t0 + start / self._fs, stop - start, "NaN/inf samples cut out")
                self.stats.dropped += stop - start
                self._restart()
                start = stop
                continue
            stop = start + int(np.argmin(finite[start:])) if not finite[start:].all() else n
            results += self._process(np.ascontiguousarray(x[:, start:stop]), t0 + start / self._fs)
            start = stop
        self._next_t = t0 + n / self._fs
        return results

    # -- internals ------------------------------------------------------------------------------

    def _event(self, kind: str, t: float, samples: int, detail: str = "") -> None:
        ev = StreamEvent(kind, float(t), int(samples), detail)
        self._pending.append(ev)
        self.stats.events.append(ev)
        self.stats.event_counts[kind] = self.stats.event_counts.get(kind, 0) + 1

    def _restart(self) -> None:
        self._pre.reset()
        self._windows.reset()
        self._raw.reset()
        self._t_origin = None
        self._windows_since_restart = 0
        self.stats.restarts += 1

    def _place(self, timestamp: float, n: int) -> tuple[float, int] | None:
        """Checks the packet's time against the expected one. Returns the device time of its first kept
        sample and how many leading samples to drop (already received), or None to drop it all."""
        expected = self._next_t
        if expected is None:
            self._seen_starts.append(timestamp)
            return timestamp, 0
        dt = timestamp - expected
        skip = 0
        if dt > self.jitter_s:
            missing = int(round(dt * self._fs))
            self._event("gap", expected, missing, f"{dt:.3f} s without samples")
            self.stats.missing += missing
            self._restart()
        elif dt < -self.clock_reset_s:
            self._event("clock_reset", timestamp, 0, f"clock went back {-dt:.3f} s")
            self._restart()
            self._seen_starts.clear()
        elif dt < -self.jitter_s:
            skip = min(n, int(round(-dt * self._fs)))
            seen = any(abs(timestamp - s) <= self.jitter_s for s in self._seen_starts)
            self._event("duplicate" if seen else "out_of_order", timestamp, skip, f"{skip} sample(s) already received")
            self.stats.dropped += skip
            if skip == n:
                return None
            timestamp = expected
        else:
            timestamp = expected  # within jitter: on the expected grid
        self._seen_starts = [*self._seen_starts[-63:], timestamp]
        return timestamp, skip

    def _process(self, x: np.ndarray, t0: float) -> list[StreamResult]:
        if self._t_origin is None:
            self._t_origin = t0
        results = []
        for a in range(0, x.shape[1], self._step):
            piece = x[:, a : a + self._step]
            self.stats.processed += piece.shape[1]
            self._raw.push(piece)
            for win in self._windows.push(self._pre.process(piece)):
                results.append(self._run_model(win))
        return results

    def _run_model(self, win: np.ndarray) -> StreamResult:
        raw = self._raw.latest() if self._raw.filled == self._raw.window else None
        if self._pulses_up is False and raw is not None:  # a PPG stream not yet found pointing up: see from_card
            found = check_ppg_polarity(raw, np.ones(raw.shape[1], bool), self._fs, self._input_names or [],
                                       "the stream", fix=_INVERT_FIX, all_decided=True)
            self._pulses_up = all(p > 0 for p in found)
        start = time.perf_counter()
        model_in = win if self.spec.norm == "none" else zscore(win, robust=self.spec.norm == "robust",
                                                                eps=self.spec.eps)
        output = self._model(torch.from_numpy(model_in).unsqueeze(0))
        compute = time.perf_counter() - start
        # output sample j since the restart was computed when input time t_origin + j / fs_out arrived
        last = self.window - 1 + self._windows_since_restart * self.hop
        t_end = self._t_origin + last / self.spec.output_rate
        self._windows_since_restart += 1
        q = quality(raw, sampling_rate=self._fs) if raw is not None else None
        self.stats.windows += 1
        result = StreamResult(
            t_start=t_end - (self.window - 1) / self.spec.output_rate,
            t_end=t_end,
            output=output,
            compute_s=compute,
            latency_s=self.hop / self.spec.output_rate + compute,
            saturated=bool(q is not None and q.clipped.any()),
            flatline=bool(q is not None and q.flatline.any()),
            events=tuple(self._pending),
        )
        self._pending = []
        return result

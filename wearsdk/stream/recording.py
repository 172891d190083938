"""A recording's model windows: the one path from a file's samples to a model's input windows.

``wearsdk run`` (:func:`wearsdk.runtime.run_artifact`), the real-record evaluations and the tests all cut
recordings with :func:`recording_windows`:

1. the channels the model card names are picked (case-insensitive; ``channels=`` maps the recording's names,
   one per model input, and may repeat one, e.g. a single PPG channel given to all four inputs, which one name
   alone also does for a PPG card); ``invert`` negates some;
2. PPG models (``card.modality == "ppg"``) refuse recordings sampled under :data:`MIN_PPG_RATE_HZ`
   (:class:`~wearsdk.errors.SamplingRateError`) and channels whose pulses point down
   (:class:`~wearsdk.errors.SignalPolarityError`);
3. non-finite samples count as missing; short dropouts (at most ``max_bridge_s``, e.g. the single lost samples
   of a bedside monitor) are linearly interpolated and counted; longer gaps stay missing;
4. the card's filter (:meth:`Preprocessing.filter <wearsdk.models.Preprocessing.filter>`: band-pass and
   resampling, causal or zero-phase as the card says) runs through the whole record, over held values in the gaps
   and from each channel's first valid sample (the band-pass ignores DC; starting at 0 would put a step
   transient into the first window);
5. windows of ``window_samples`` every ``hop`` samples are kept unless they touch a missing sample (those are
   listed, never filled in), and normalised as the card says (:meth:`Preprocessing.normalise`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from wearsdk.errors import ConfigError, SamplingRateError, ShapeError, SignalPolarityError

if TYPE_CHECKING:
    from wearsdk.io import Recording
    from wearsdk.models.card import ModelCard

__all__ = ["RecordingWindows", "recording_windows", "bridge_short_gaps", "check_ppg_rate", "check_ppg_polarity",
           "MAX_BRIDGE_S", "MIN_PPG_RATE_HZ"]

#: Longest dropout bridged by linear interpolation, s (Challenge 2015 v102s PLETH drops one sample every ~20 s).
MAX_BRIDGE_S = 0.05

#: Lowest sampling rate a PPG model takes, Hz: a pulse's upstroke lasts ~100-150 ms, so under 20 Hz it falls
#: between two or three samples and the beat shape (and the rate read from it) is lost.
MIN_PPG_RATE_HZ = 20.0

#: Relative slack under :data:`MIN_PPG_RATE_HZ`: smartwatch logs with a nominal 20 Hz clock run a little slow
#: (the E2E-PPG watch CSV: 19.6 Hz mean between timestamps; its reader reports the nominal 20 Hz, but a rate
#: measured from the timestamps, or passed as ``--fs 19.6``, must pass too). Refused: under 19 Hz.
PPG_RATE_TOLERANCE = 0.05


@dataclass(frozen=True)
class RecordingWindows:
    """``x`` ``(N, channels, window_samples)`` float32 model inputs; ``t_start_s`` ``(N,)`` their start times in
    the recording (s); ``skipped_s``: start times of windows that touch missing samples; ``channels``: the
    recording channels fed, in the model's input order; ``inverted``: those negated; ``bridged_samples``: missing
    samples interpolated across short dropouts; ``resampled_from_hz``: the recording's rate when the model's
    differs, else ``None``."""

    x: np.ndarray
    t_start_s: np.ndarray
    skipped_s: list[float]
    channels: list[str]
    inverted: list[str]
    bridged_samples: int
    resampled_from_hz: float | None


def bridge_short_gaps(x: np.ndarray, valid: np.ndarray, sampling_rate: float,
                      max_gap_s: float = MAX_BRIDGE_S) -> tuple[np.ndarray, np.ndarray]:
    """``(x, valid)`` of one channel ``(samples,)`` at ``sampling_rate`` Hz with missing runs of at most
    ``max_gap_s`` seconds between valid samples linearly interpolated and marked valid; longer runs, and runs at
    either end, stay missing."""
    x, valid = np.array(x, np.float64), np.array(valid, bool)
    bad = np.flatnonzero(~valid)
    if bad.size == 0 or not valid.any():
        return x, valid
    good = np.flatnonzero(valid)
    for run in np.split(bad, np.flatnonzero(np.diff(bad) > 1) + 1):
        if run.size <= max_gap_s * sampling_rate and run[0] > 0 and run[-1] < x.size - 1:
            x[run] = np.interp(run, good, x[good])
            valid[run] = True
    return x, valid


def recording_windows(rec: Recording, card: ModelCard, *, channels: Sequence[str] | None = None,
                      invert: Sequence[str] | None = None, hop: int | None = None,
                      max_bridge_s: float = MAX_BRIDGE_S) -> RecordingWindows:
    """Model windows of ``rec`` (a :class:`wearsdk.io.Recording`, any rate) for ``card``: ``x`` is
    ``(windows, len(card.input_channels), card.window_samples)`` float32 at ``card.sampling_rate_hz``; ``hop`` in
    model samples (default the card's). See the module docstring.

    A recording has at least one channel and one sample (:class:`~wearsdk.io.Recording` refuses less); windows
    that all touch gaps give ``x`` with zero windows and every start in ``skipped_s``.

    Raises:
        ConfigError: ``hop`` is not positive.
        SamplingRateError: a PPG model's recording is sampled under :data:`MIN_PPG_RATE_HZ` (less
            :data:`PPG_RATE_TOLERANCE`).
        ShapeError: a channel the model needs is missing, ``channels`` does not name one channel per model input,
            ``invert`` names a channel not fed, or the recording is shorter than one window.
        SignalPolarityError: a PPG model's channel points down (pass it in ``invert``).
    """
    src = rec.metadata.get("path", "the recording")
    if hop is not None and hop <= 0:
        raise ConfigError(f"hop: expected a positive number of model samples (or None for the card's "
                          f"{card.hop_samples}), got {hop}.")
    fs, rate = float(rec.sampling_rate), float(card.sampling_rate_hz)
    if card.modality == "ppg":
        check_ppg_rate(fs, card, src)
    wanted = _model_channels(rec, card, channels, src)
    lowered = [name.lower() for name in rec.channels]
    flip = {name.lower() for name in invert or ()}
    unknown = sorted(flip - {name.lower() for name in wanted})
    if unknown:
        raise ShapeError(f"invert names {unknown}, which are not among the channels fed to the model {wanted}.")
    rows, bridged = [], 0
    valid = np.ones(rec.signals.shape[-1], bool)
    for name in wanted:
        i = lowered.index(name.lower())
        given = rec.valid[i] & np.isfinite(rec.signals[i])  # a NaN marked valid is still missing
        x, ok = bridge_short_gaps(rec.signals[i], given, fs, max_bridge_s)
        bridged += int(ok.sum() - given.sum())
        rows.append(-x if name.lower() in flip else x)
        valid &= ok
    x = np.stack(rows)
    if card.modality == "ppg":
        check_ppg_polarity(x, valid, fs, wanted, src)
    held = np.zeros_like(x)
    if valid.any():  # each sample holds the last valid one (the first valid one before it), minus the first
        first = int(np.argmax(valid))
        idx = np.where(valid, np.arange(x.shape[1]), first)
        np.maximum.accumulate(idx, out=idx)
        held = x[:, idx] - x[:, first:first + 1]
    y = card.preprocessing.filter(held.astype(np.float32), sampling_rate=fs, target_rate=rate)
    ratio = rate / fs
    window, hop = card.window_samples, int(hop or card.hop_samples)
    if y.shape[-1] < window:
        raise ShapeError(f"{src} lasts {rec.duration_s:.1f} s; the model needs windows of {window / rate:.1f} s.")
    out, starts, skipped = [], [], []
    for s in range(0, y.shape[-1] - window + 1, hop):
        a, b = int(s / ratio), int(np.ceil((s + window) / ratio))
        if not valid[a:b].all():
            skipped.append(round(s / rate, 3))
            continue
        out.append(np.ascontiguousarray(y[:, s:s + window]))
        starts.append(s / rate)
    return RecordingWindows(
        x=(card.preprocessing.normalise(np.stack(out)).astype(np.float32) if out
           else np.zeros((0, len(wanted), window), np.float32)),
        t_start_s=np.asarray(starts, np.float64),
        skipped_s=skipped,
        channels=wanted,
        inverted=list(dict.fromkeys(name for name in wanted if name.lower() in flip)),
        bridged_samples=bridged,
        resampled_from_hz=None if fs == rate else fs,
    )


#: How a file's user gives the true rate / negates a channel (the fixes named by the two checks below).
RATE_FIX_FILE = "--fs HZ with wearsdk run, read(..., sampling_rate=HZ) in Python"
INVERT_FIX_FILE = "--invert {name} (wearsdk run) or invert=[{name!r}]"


def check_ppg_rate(fs: float, card: ModelCard, source: object = "the recording", *,
                   fix: str = RATE_FIX_FILE) -> None:
    """Raise :class:`~wearsdk.errors.SamplingRateError` if PPG at ``fs`` Hz is too slow for ``card`` (under
    :data:`MIN_PPG_RATE_HZ` less :data:`PPG_RATE_TOLERANCE`). ``source`` names the input in the message, ``fix``
    says how to pass the true rate. The one rate check of the file path (:func:`recording_windows`) and the
    stream (:meth:`wearsdk.stream.StreamingSession.from_card`)."""
    if fs < MIN_PPG_RATE_HZ * (1.0 - PPG_RATE_TOLERANCE):
        raise SamplingRateError(
            f"{source} is sampled at {fs:g} Hz; {card.name} needs PPG at >= {MIN_PPG_RATE_HZ:g} Hz (it resamples to "
            f"{card.sampling_rate_hz:g} Hz, but under {MIN_PPG_RATE_HZ:g} Hz a pulse's ~100 ms upstroke falls "
            "between samples and the beat shape, and the heart rate read from it, are lost). Record at "
            f"{MIN_PPG_RATE_HZ:g} Hz or more; if the given rate is wrong, pass the true one ({fix})."
        )


def _model_channels(rec: Recording, card: ModelCard, channels: Sequence[str] | None, source: object) -> list[str]:
    """The recording channels fed to ``card``'s inputs, in their order: ``channels`` (one name for a multi-input
    PPG card feeds that channel to every input, as its models were trained to take), else the card's names.

    Raises ShapeError when ``channels`` does not name one channel per input, or a name is not in ``rec``."""
    inputs = list(card.input_channels)
    if channels is not None and len(channels) == 1 and card.modality == "ppg":
        channels = list(channels) * len(inputs)
    if channels is not None and len(channels) != len(inputs):
        raise ShapeError(f"channels (--channels) names {len(channels)} channel(s) {list(channels)}, but "
                         f"{card.name} has {len(inputs)} input(s) {inputs}; expected exactly {len(inputs)} "
                         f"recording channel name(s), one per input in that order; a name may repeat"
                         f"{_one_for_all(channels[0] if channels else None, rec, card)}.")
    wanted = list(channels or inputs)
    lowered = [name.lower() for name in rec.channels]
    missing = [name for name in wanted if name.lower() not in lowered]
    if missing:
        raise ShapeError(f"{source} has no channel(s) {missing} (it has {list(rec.channels)}); {card.name} needs "
                         f"{len(inputs)} input(s) {inputs}. Pass --channels (channels= in Python) naming "
                         f"{len(inputs)} of the recording's channels in that order; a name may repeat"
                         f"{_one_for_all(None, rec, card)}.")
    return wanted


def _one_for_all(name: str | None, rec: Recording, card: ModelCard) -> str:
    """The hint ``", e.g. --channels ppg,ppg,ppg,ppg ..."`` that feeds one channel (``name``, else the recording's
    first PPG-looking one, else its first) to every input of a multi-input PPG ``card`` (trained that way); ``""``
    otherwise (one ECG lead copied to every lead input is no fix)."""
    n = len(card.input_channels)
    if n < 2 or card.modality != "ppg":
        return ""
    if name is None or name.lower() not in [c.lower() for c in rec.channels]:
        looks_ppg = [c for c in rec.channels if any(k in c.lower() for k in ("ppg", "pleth", "bvp", "green"))]
        name = (looks_ppg or list(rec.channels))[0]
    return (f", e.g. --channels {','.join([name] * n)} (channels={[name] * n!r}) to feed one channel to all {n} "
            "inputs")


def check_ppg_polarity(x: np.ndarray, valid: np.ndarray, fs: float, names: Sequence[str],
                       source: object = "the recording", *, fix: str = INVERT_FIX_FILE,
                       all_decided: bool = False) -> list[int]:
    """Raise :class:`~wearsdk.errors.SignalPolarityError` if a PPG channel's pulses point down
    (:func:`wearsdk.peaks.ppg_polarity` on its ``valid`` samples; ``x`` ``(channels, samples)`` at ``fs`` Hz, one
    row per name in ``names``); ``fix`` (formatted with ``name``) says how to negate it. Returns each channel's
    polarity otherwise: ``1`` up, ``0`` undecided (all of them under 3 s of valid samples or ``fs`` under 16 Hz).

    ``all_decided``: judge only a stretch where every channel is decided, else return without raising. A stretch
    under motion gives some channels an undecided polarity and others one at random (simulated running, 60 s
    windows: 15 of 100 channels read down); clean pulses decide every channel. A stream, which judges one
    window at a time, asks this (:class:`wearsdk.stream.StreamingSession`); a whole recording is judged on the
    median of all its 10 s segments, which rest dominates (:func:`recording_windows`). The one polarity check of
    the two."""
    from wearsdk.peaks import ppg_polarity

    if valid.sum() < 3 * fs or fs < 16:
        return [0] * len(names)
    found = [ppg_polarity(np.where(valid, row, np.nan), sampling_rate=fs) for row in x]
    if all_decided and 0 in found:
        return found
    for polarity, name in zip(found, names, strict=True):
        if polarity < 0:
            raise SignalPolarityError(
                f"{source}: the pulses of PPG channel {name!r} point down (a fast fall, a slow "
                "rise: raw photodiode intensity, which falls as blood volume rises); the model expects blood volume "
                f"up. Negate it: {fix.format(name=name)}."
            )
    return found

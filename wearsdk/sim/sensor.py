"""PPG front ends: what a device does to the optical pulse before its samples reach the host.

The simulated PPG (:mod:`wearsdk.sim.ppg`, a.u., a typical green pulse ~1) is light absorbed by pulsing blood. A
:class:`PpgSensor` adds what lies between that pulse and the numbers a device stores:

* the unpulsed light level: the pulse is 0.3-5 % of it (the perfusion index; ``dc_level`` a.u.);
* LED intensity noise (multiplies all the light) and photodiode / amplifier noise (adds), both white;
* coupling: ``"dc"`` keeps the light level (raw counts, as ``ppg_mw4``'s); ``"ac"`` removes it with a causal
  first-order high-pass at ``highpass_hz`` before the gain, as hardware band-passed PPG (PPG-BP: 0.5-12 Hz),
  which also lowers the diastolic part of each pulse;
* an analog first-order low-pass at ``lowpass_hz`` (skipped when above 0.45 x the rate);
* an ADC of ``adc_bits`` bits, with the gain set so the light level (DC) or a typical pulse (AC) fills
  ``range_used`` of its range; samples are rounded to whole counts and clipped to the rails;
* ``shared_channel``: one photodiode's samples fed to every input (a single-channel device on a 4-input model).

The native rate ``rate_hz`` (25-1000 Hz) is the rate a recording is made at when the caller asks for none.
Raw light intensity falls when blood volume rises; the simulated counts keep the pulses up (as ``ppg_mw4``
stores them): invert real raw intensity with :func:`wearsdk.ppg_polarity`, not here. Systolic-peak truth stays
that of the optical pulse (an AC high-pass moves a peak earlier by a few ms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, lfilter, lfilter_zi

from wearsdk.errors import ConfigError

__all__ = ["COUPLINGS", "PpgSensor", "sample_sensor"]

#: Front-end couplings.
COUPLINGS: tuple[str, ...] = ("dc", "ac")
_RATES = (25.0, 1000.0)


@dataclass(frozen=True)
class PpgSensor:
    """One PPG front end (see the module docstring).

    Attributes:
        rate_hz: native sampling rate, Hz (25-1000).
        coupling: ``"dc"`` or ``"ac"``.
        highpass_hz: AC coupling's corner, Hz (0.05-1; unused for DC).
        lowpass_hz: analog low-pass corner, Hz (2-50).
        adc_bits: ADC resolution, bits (8-24).
        range_used: fraction of the ADC range the light level (DC) or a typical pulse (AC) fills (0.01-0.95).
        dc_level: unpulsed light, a.u. of the pulse scale (20-400: perfusion index 0.25-5 %).
        led_noise: SD of the LED intensity noise, relative to the light (0-0.002).
        pd_noise: SD of the photodiode / amplifier noise, a.u. (0-0.1).
        shared_channel: index of the one channel fed to every input, or None for separate channels.
    """

    rate_hz: float = 64.0
    coupling: str = "dc"
    highpass_hz: float = 0.5
    lowpass_hz: float = 12.0
    adc_bits: int = 16
    range_used: float = 0.5
    dc_level: float = 100.0
    led_noise: float = 2e-4
    pd_noise: float = 0.01
    shared_channel: int | None = None

    def __post_init__(self) -> None:
        if self.coupling not in COUPLINGS:
            raise ConfigError(f"PpgSensor.coupling={self.coupling!r}; expected one of {list(COUPLINGS)}.")
        for name, lo, hi in (("rate_hz", *_RATES), ("highpass_hz", 0.05, 1.0), ("lowpass_hz", 2.0, 50.0),
                             ("adc_bits", 8, 24), ("range_used", 0.01, 0.95), ("dc_level", 20.0, 400.0),
                             ("led_noise", 0.0, 0.002), ("pd_noise", 0.0, 0.1)):
            value = getattr(self, name)
            if not np.isfinite(value) or not lo <= value <= hi:
                raise ConfigError(f"PpgSensor.{name}={value!r} is outside [{lo}, {hi}]; pass a value inside it.")
        if self.shared_channel is not None and not 0 <= self.shared_channel < 4:
            raise ConfigError(f"PpgSensor.shared_channel={self.shared_channel!r}; expected None or a PPG channel "
                              "index 0-3.")

    def apply(self, ppg: np.ndarray, sampling_rate: float, rng: np.random.Generator) -> np.ndarray:
        """The device's samples ``(channels, samples)`` float64 ADC counts of the optical pulse ``ppg``
        ``(channels, samples)`` a.u. sampled at ``sampling_rate`` Hz."""
        light = self.dc_level + np.asarray(ppg, np.float64)
        light = light * (1.0 + self.led_noise * rng.standard_normal(light.shape))
        light = light + self.pd_noise * rng.standard_normal(light.shape)
        if self.lowpass_hz < 0.45 * sampling_rate:
            light = _butter(light, sampling_rate, self.lowpass_hz, "lowpass", 1)
        full = 2.0 ** self.adc_bits - 1.0
        if self.coupling == "ac":
            counts = 0.5 * full + _butter(light, sampling_rate, self.highpass_hz, "highpass", 1) * (
                self.range_used * full)
        else:
            counts = light * (self.range_used * full / self.dc_level)
        counts = np.clip(np.round(counts), 0.0, full)
        if self.shared_channel is not None:
            counts = np.broadcast_to(counts[self.shared_channel], counts.shape).copy()
        return counts


def _butter(x: np.ndarray, fs: float, corner: float, kind: str, order: int) -> np.ndarray:
    """Causal Butterworth filter along the last axis, started in its steady state for the first sample."""
    b, a = butter(order, corner, kind, fs=fs)
    zi = lfilter_zi(b, a)[None, :] * x[:, :1]
    return lfilter(b, a, x, axis=-1, zi=zi)[0]


def sample_sensor(rng: np.random.Generator) -> PpgSensor:
    """A random PPG front end: native rate log-uniform 25-1000 Hz, AC or DC coupling (even odds), 10-24 bit ADC
    filled 20-90 % by the light (DC) or 1-30 % by a pulse (AC), perfusion index 0.25-5 %, LED and photodiode
    noise from none to strong, one channel on all inputs in one in five."""
    coupling = str(rng.choice(COUPLINGS))
    used = (0.2, 0.9) if coupling == "dc" else (0.01, 0.3)  # AC: room for strong pulses and baseline swings
    return PpgSensor(
        rate_hz=float(np.round(np.exp(rng.uniform(np.log(_RATES[0]), np.log(_RATES[1]))))),
        coupling=coupling,
        highpass_hz=float(np.exp(rng.uniform(np.log(0.1), np.log(0.8)))),
        lowpass_hz=float(rng.uniform(5.0, 20.0)),
        adc_bits=int(rng.choice([10, 12, 14, 16, 18, 20, 22, 24])),
        range_used=float(np.exp(rng.uniform(*np.log(used)))),
        dc_level=float(np.exp(rng.uniform(np.log(20.0), np.log(400.0)))),
        led_noise=float(rng.uniform(0.0, 5e-4)),
        pd_noise=float(np.exp(rng.uniform(np.log(1e-3), np.log(0.05)))),
        shared_channel=int(rng.integers(4)) if rng.random() < 0.2 else None,
    )

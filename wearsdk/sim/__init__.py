"""Physiological cohort simulator: 12-lead ECG, 4-channel wrist PPG and accelerometer with ground truth.

>>> from wearsdk.sim import Cohort
>>> rec = Cohort(10, seed=0)[2].record(30.0, activity="walk")
>>> rec.ecg.shape, rec.truth.r_peaks[:3]  # doctest: +SKIP

Modules: :mod:`~wearsdk.sim.traits` (who), :mod:`~wearsdk.sim.rhythm` (when beats happen),
:mod:`~wearsdk.sim.morphology` + :mod:`~wearsdk.sim.ecg` + :mod:`~wearsdk.sim.leads` (12-lead ECG from a 3D
dipole), :mod:`~wearsdk.sim.ppg`, :mod:`~wearsdk.sim.motion`, :mod:`~wearsdk.sim.noise`,
:mod:`~wearsdk.sim.sensor` (PPG front ends: rate, coupling, ADC, noise), :mod:`~wearsdk.sim.device` (streaming
watch / chest patch), :mod:`~wearsdk.sim.pulse_features` + :mod:`~wearsdk.sim.coverage` (pulse shapes, simulated
vs real), :mod:`~wearsdk.sim.windows` (model input windows), :mod:`~wearsdk.sim.write` (NPZ / WFDB files).
Its speed is measured by :mod:`wearsdk.bench.simulate`.
"""

from wearsdk.sim.cohort import DEFAULT_RATES, MIN_RATES, Cohort, Participant
from wearsdk.sim.device import DEVICES, Device, Packet
from wearsdk.sim.leads import LEADS
from wearsdk.sim.motion import ACTIVITIES, ACTIVITY_CYCLE
from wearsdk.sim.noise import Noise
from wearsdk.sim.ppg import PPG_CHANNELS
from wearsdk.sim.pulse_features import PulseFeatures, pulse_features
from wearsdk.sim.record import ACC_AXES, SimRecording, Truth
from wearsdk.sim.sensor import PpgSensor, sample_sensor
from wearsdk.sim.traits import CONDITIONS, POPULATIONS, SITES, Traits
from wearsdk.sim.windows import device_rate, model_window, model_windows, raw_window, window_activity, window_hr_bpm

__all__ = [
    "Cohort",
    "Participant",
    "Traits",
    "Noise",
    "PpgSensor",
    "sample_sensor",
    "pulse_features",
    "PulseFeatures",
    "SimRecording",
    "Truth",
    "Device",
    "Packet",
    "CONDITIONS",
    "POPULATIONS",
    "SITES",
    "ACTIVITIES",
    "ACTIVITY_CYCLE",
    "DEVICES",
    "DEFAULT_RATES",
    "MIN_RATES",
    "LEADS",
    "PPG_CHANNELS",
    "ACC_AXES",
    "model_window",
    "model_windows",
    "window_hr_bpm",
    "raw_window",
    "window_activity",
    "device_rate",
]

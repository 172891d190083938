"""Reference heart-beat algorithms: R peaks, PPG systolic peaks, heart rate (offline and streaming),
PPG pulse quality (accelerometer-aware), wrist motion and PPG polarity.

>>> from wearsdk.peaks import ecg_peaks, ppg_peaks, heart_rate
>>> r = ecg_peaks(ecg_lead, sampling_rate=500.0)  # doctest: +SKIP
>>> bpm = heart_rate(r, sampling_rate=500.0, window_s=10.0)  # doctest: +SKIP
"""

from wearsdk.peaks.ecg import EcgPeakDetector, ecg_peaks
from wearsdk.peaks.motion import MOVING_G, WristMotion, follows_motion, wrist_motion
from wearsdk.peaks.polarity import POLARITY_THRESHOLD, ppg_asymmetry, ppg_polarity
from wearsdk.peaks.ppg import PpgPeakDetector, ppg_peaks
from wearsdk.peaks.quality import GOOD_QUALITY, ppg_quality
from wearsdk.peaks.rate import heart_rate

__all__ = [
    "ecg_peaks", "ppg_peaks", "heart_rate", "ppg_quality", "ppg_polarity", "ppg_asymmetry", "POLARITY_THRESHOLD",
    "GOOD_QUALITY", "EcgPeakDetector", "PpgPeakDetector", "wrist_motion", "follows_motion", "WristMotion",
    "MOVING_G",
]

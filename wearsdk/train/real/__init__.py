"""Real-data ECG datasets and the ``real`` probe suite (issue 22).

* :mod:`wearsdk.train.real.datasets`: CinC 2017 and PTB-XL lead I through the model card's window path, cached
  as memory-mapped ``.npy``;
* :mod:`wearsdk.train.real.holter`: CPSC 2021 and MIT-BIH long records in the card's windows, each with its
  annotated-beat HR and AF flag;
* :mod:`wearsdk.train.real.features`: the hand-crafted ECG baseline (``wearsdk.ecg_peaks``);
* :mod:`wearsdk.train.real.probe_suite`: ``wearsdk evaluate --model NAME --suite real``.
"""

from wearsdk.train.real.datasets import (
    CINC_CLASSES,
    MIN_RECORD_S,
    RealDataset,
    cinc2017,
    cinc2017_labels,
    ptbxl_labels,
    ptbxl_lead1,
    record_windows,
)
from wearsdk.train.real.features import (
    ECG_FEATURES,
    dataset_features,
    dataset_hr,
    ecg_features,
    mean_hr_bpm,
    window_hr_bpm,
)
from wearsdk.train.real.holter import HOLTER_LEADS, cpsc2021, holter_records, mitdb, window_references

__all__ = ["RealDataset", "cinc2017", "cinc2017_labels", "ptbxl_lead1", "ptbxl_labels", "record_windows",
           "CINC_CLASSES", "MIN_RECORD_S", "ECG_FEATURES", "ecg_features", "dataset_features",
           "cpsc2021", "mitdb", "holter_records", "mean_hr_bpm", "window_hr_bpm", "dataset_hr", "window_references",
           "HOLTER_LEADS"]

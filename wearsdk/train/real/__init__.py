"""Real-data ECG datasets and the ``real`` probe suite (issue 22).

* :mod:`wearsdk.train.real.datasets`: CinC 2017 and PTB-XL lead I through the model card's window path, cached
  as memory-mapped ``.npy``;
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
from wearsdk.train.real.features import ECG_FEATURES, ecg_features

__all__ = ["RealDataset", "cinc2017", "cinc2017_labels", "ptbxl_lead1", "ptbxl_labels", "record_windows",
           "CINC_CLASSES", "MIN_RECORD_S", "ECG_FEATURES", "ecg_features"]

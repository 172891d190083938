"""Signal processing on the wearsdk C++ DSP core (``torch.ops.wearsdk``).

Every function takes arrays or tensors shaped ``(..., channels, samples)`` (numpy in -> numpy out,
torch in -> torch out), computes in float32, and requires ``sampling_rate`` in Hz where it matters.
Filtering is causal, so the same code streams on a device (see :class:`Preprocessor`); ``bandpass(...,
zero_phase=True)`` is the offline exception, for records filtered that way at their source.

>>> import numpy as np, wearsdk.signal as ws
>>> x = np.random.default_rng(0).standard_normal((4, 3840)).astype(np.float32)
>>> y = ws.bandpass(x, sampling_rate=64, low=0.5, high=8)
>>> ws.zscore(y).std(axis=-1).round(3).tolist()
[1.0, 1.0, 1.0, 1.0]
"""

from wearsdk.signal.design import ResamplerDesign, design_bandpass, design_resampler
from wearsdk.signal.filters import bandpass, from_adc, resample, sosfilt
from wearsdk.signal.normalize import zscore
from wearsdk.signal.preprocess import NORMS, Preprocessor, PreprocessSpec, preprocess
from wearsdk.signal.quality import QualityReport, quality
from wearsdk.signal.spec import MODALITIES, PATCH_LEADS, STANDARD_LEADS, SignalSpec

__all__ = [
    "bandpass",
    "resample",
    "zscore",
    "quality",
    "preprocess",
    "sosfilt",
    "from_adc",
    "PreprocessSpec",
    "Preprocessor",
    "QualityReport",
    "NORMS",
    "design_bandpass",
    "design_resampler",
    "ResamplerDesign",
    "SignalSpec",
    "MODALITIES",
    "STANDARD_LEADS",
    "PATCH_LEADS",
]

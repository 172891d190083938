"""ctypes bindings of the C API (``firmware_bindings/include/wear_dsp.h``), the firmware face of the
DSP core, used from Python for streaming with carried state and to test the C API itself."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_char_p, c_double, c_float, c_int32, c_size_t, c_ssize_t, c_uint32

from wearsdk._native import load_c_api
from wearsdk.errors import NativeLibraryError

__all__ = [
    "WearSos",
    "WearResampler",
    "WearPreprocess",
    "WearPreprocessConfig",
    "WearQuality",
    "WearWindower",
    "WearPipeline",
    "WearPipelineConfig",
    "WearPipelineSizes",
    "lib",
    "check",
    "STATUS",
]

STATUS = {0: "WEAR_OK", 1: "WEAR_ERR_NULL", 2: "WEAR_ERR_SIZE", 3: "WEAR_ERR_ARG", 4: "WEAR_ERR_NOT_INIT",
          5: "WEAR_ERR_ALIAS"}

f32p = POINTER(c_float)
f64p = POINTER(c_double)


class WearSos(ctypes.Structure):
    _fields_ = [("coeffs", f32p), ("state", f64p), ("n_sections", c_int32), ("n_channels", c_int32),
                ("magic", c_uint32)]


class WearResampler(ctypes.Structure):
    _fields_ = [("bank", f32p), ("history", f32p), ("up", c_int32), ("down", c_int32), ("taps", c_int32),
                ("n_channels", c_int32), ("offset", c_int32), ("magic", c_uint32)]


class WearPreprocess(ctypes.Structure):
    _fields_ = [("filter", WearSos), ("resampler", WearResampler), ("n_channels", c_int32), ("norm", c_int32),
                ("eps", c_float), ("magic", c_uint32)]


class WearPreprocessConfig(ctypes.Structure):
    _fields_ = [("sos", f32p), ("n_sections", c_int32), ("bank", f32p), ("up", c_int32), ("down", c_int32),
                ("taps", c_int32), ("n_channels", c_int32), ("norm", c_int32), ("eps", c_float)]


class WearWindower(ctypes.Structure):
    _fields_ = [("ring", f32p), ("window", c_int32), ("hop", c_int32), ("n_channels", c_int32),
                ("write_pos", c_int32), ("filled", c_int32), ("until_next", c_int32), ("magic", c_uint32)]


class WearPipeline(ctypes.Structure):
    _fields_ = [("pre", WearPreprocess), ("win", WearWindower), ("work", f32p), ("work_len", c_int32),
                ("work_pos", c_int32), ("norm", c_int32), ("eps", c_float), ("magic", c_uint32)]


class WearPipelineConfig(ctypes.Structure):
    _fields_ = [("pre", WearPreprocessConfig), ("window", c_int32), ("hop", c_int32)]


class WearPipelineSizes(ctypes.Structure):
    _fields_ = [("filter_state", c_size_t), ("resampler_state", c_size_t), ("ring", c_size_t), ("work", c_size_t),
                ("window_scratch", c_size_t)]


class WearQuality(ctypes.Structure):
    _fields_ = [("nonfinite_fraction", c_float), ("flat_fraction", c_float), ("clip_fraction", c_float)]


_SIGNATURES = {
    "wear_status_str": (c_char_p, [c_int32]),
    "wear_version": (c_char_p, []),
    "wear_sos_state_len": (c_size_t, [c_int32, c_int32]),
    "wear_sos_init": (c_int32, [POINTER(WearSos), f32p, c_int32, c_int32, f64p, c_size_t]),
    "wear_sos_reset": (c_int32, [POINTER(WearSos)]),
    "wear_sos_process": (c_int32, [POINTER(WearSos), f32p, c_ssize_t, f32p, c_ssize_t, c_int32]),
    "wear_resampler_state_len": (c_size_t, [c_int32, c_int32]),
    "wear_resampler_init": (c_int32, [POINTER(WearResampler), f32p, c_int32, c_int32, c_int32, c_int32, f32p,
                                      c_size_t]),
    "wear_resampler_reset": (c_int32, [POINTER(WearResampler)]),
    "wear_resampler_out_len": (c_int32, [POINTER(WearResampler), c_int32]),
    "wear_resampler_process": (c_int32, [POINTER(WearResampler), f32p, c_ssize_t, c_int32, f32p, c_ssize_t,
                                         c_int32, POINTER(c_int32)]),
    "wear_normalize": (c_int32, [f32p, c_ssize_t, f32p, c_ssize_t, c_int32, c_int32, c_int32, c_float, f32p,
                                 c_size_t]),
    "wear_quality_compute": (c_int32, [f32p, c_ssize_t, c_int32, c_int32, c_float, POINTER(WearQuality)]),
    "wear_preprocess_scratch_len": (c_size_t, [POINTER(WearPreprocessConfig), c_int32]),
    "wear_preprocess_init": (c_int32, [POINTER(WearPreprocess), POINTER(WearPreprocessConfig), f64p, c_size_t,
                                       f32p, c_size_t]),
    "wear_preprocess_reset": (c_int32, [POINTER(WearPreprocess)]),
    "wear_preprocess_process": (c_int32, [POINTER(WearPreprocess), f32p, c_ssize_t, c_int32, f32p, c_ssize_t,
                                          c_int32, POINTER(c_int32), f32p, c_size_t]),
    "wear_windower_state_len": (c_size_t, [c_int32, c_int32]),
    "wear_windower_init": (c_int32, [POINTER(WearWindower), c_int32, c_int32, c_int32, f32p, c_size_t]),
    "wear_windower_push": (c_int32, [POINTER(WearWindower), f32p, c_ssize_t, c_int32, POINTER(c_int32),
                                     POINTER(c_int32)]),
    "wear_windower_read": (c_int32, [POINTER(WearWindower), f32p, c_ssize_t]),
    "wear_pipeline_sizes_for": (c_int32, [POINTER(WearPipelineConfig), POINTER(WearPipelineSizes)]),
    "wear_pipeline_init": (c_int32, [POINTER(WearPipeline), POINTER(WearPipelineConfig), f64p, c_size_t, f32p,
                                     c_size_t, f32p, c_size_t, f32p, c_size_t]),
    "wear_pipeline_reset": (c_int32, [POINTER(WearPipeline)]),
    "wear_pipeline_process": (c_int32, [POINTER(WearPipeline), f32p, c_ssize_t, c_int32, POINTER(c_int32), f32p,
                                        c_ssize_t, POINTER(c_int32), f32p, c_size_t]),
}

_lib: ctypes.CDLL | None = None


def lib() -> ctypes.CDLL:
    """The C API library with argument and return types declared."""
    global _lib
    if _lib is None:
        handle = load_c_api()
        for name, (restype, argtypes) in _SIGNATURES.items():
            fn = getattr(handle, name)
            fn.restype, fn.argtypes = restype, argtypes
        _lib = handle
    return _lib


def check(status: int, what: str) -> None:
    """Raises NativeLibraryError for a non-zero wear_status (arguments the Python side should have caught)."""
    if status != 0:
        raise NativeLibraryError(f"{what} failed in the DSP core: {lib().wear_status_str(status).decode()}")

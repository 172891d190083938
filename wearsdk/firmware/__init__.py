"""Firmware-side tooling: golden vectors for the C core, C configuration headers for a device, and the C API
headers (:func:`include_dir`) to build the core from the installed package."""

from pathlib import Path

from wearsdk.errors import NativeLibraryError
from wearsdk.firmware.golden import golden_vectors, render_golden_header

__all__ = ["golden_vectors", "include_dir", "render_golden_header"]


def include_dir() -> Path:
    """Folder holding ``wear_dsp.h`` and the other C API headers.

    A wheel ships them in ``wearsdk/firmware/include``; an editable checkout reads ``firmware_bindings/include``.
    Raises NativeLibraryError when neither is there (a package installed without its headers).
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "include", here.parents[1] / "firmware_bindings" / "include"):
        if (candidate / "wear_dsp.h").is_file():
            return candidate
    raise NativeLibraryError(
        f"the C API headers (wear_dsp.h) are neither in {here / 'include'} nor in a source checkout; "
        "reinstall wearsdk from its wheel or sdist (pip install .), which ships them."
    )

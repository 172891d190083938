"""Firmware-side tooling: golden vectors for the C core, and C configuration headers for a device."""

from wearsdk.firmware.golden import golden_vectors, render_golden_header

__all__ = ["golden_vectors", "render_golden_header"]

"""``python -m wearsdk.firmware``: prints the golden-vector C header."""

from wearsdk.firmware.golden import render_golden_header

print(render_golden_header(), end="")

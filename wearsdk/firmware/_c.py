"""C source rendering shared by the generated headers."""

from __future__ import annotations

import numpy as np


def c_float(x: float) -> str:
    """A float as a C float literal that round-trips float32 (``NAN`` for NaN)."""
    if np.isnan(x):
        return "NAN"
    text = f"{float(x):.9g}"
    return (text if any(c in text for c in ".en") else text + ".0") + "f"


def c_float_rows(a: np.ndarray, per_line: int = 8) -> str:
    """The values of ``a`` (flattened, float32) as comma-separated C literals, ``per_line`` per line."""
    flat = np.asarray(a, np.float32).reshape(-1)
    return ",\n".join(
        "    " + ", ".join(c_float(v) for v in flat[i : i + per_line]) for i in range(0, flat.size, per_line)
    )

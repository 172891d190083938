"""File fingerprints shared by the exporters (which write them) and the runtime (which checks them)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from wearsdk._paths import input_file

__all__ = ["ARTIFACT_FORMAT", "sha256_bytes", "sha256_file"]

ARTIFACT_FORMAT = "wearsdk-artifact/1"  # the "format" key of every manifest.json


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of an in-memory byte string (e.g. a serialised program before it is written)."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks; a DataFormatError if ``path`` is a folder or missing."""
    h = hashlib.sha256()
    with open(input_file(path, what="sha256_file"), "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()

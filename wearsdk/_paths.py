"""Path checks shared by every entry point that reads or writes files: a folder where a file is expected, or a
file where a folder is expected, is a WearError that says which was expected (never an OSError from deep inside)."""

from __future__ import annotations

from pathlib import Path

from wearsdk.errors import ConfigError, DataFormatError

__all__ = ["input_file", "output_file", "output_folder"]


def output_folder(path: str | Path, *, what: str = "output folder") -> Path:
    """``path`` as a folder, created with its parents if missing; ConfigError if it is a file."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{what}: expected a folder, got the file {str(out)!r}; pass a folder path (it is created "
                          "if missing) or move the file away.")
    out.mkdir(parents=True, exist_ok=True)
    return out


def output_file(path: str | Path, *, what: str = "output file") -> Path:
    """``path`` as a file to write (its parent folders created); ConfigError if it is a folder."""
    out = Path(path)
    if out.is_dir():
        raise ConfigError(f"{what}: expected the path of a file to write, got the folder {str(out)!r}; pass a file "
                          "path (e.g. one inside that folder).")
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def input_file(path: str | Path, *, what: str = "input file") -> Path:
    """``path`` as an existing file; DataFormatError if it is a folder or missing."""
    src = Path(path)
    if not src.is_file():
        found = "a folder" if src.is_dir() else "nothing"
        raise DataFormatError(f"{what}: expected a file, found {found} at {str(src)!r}; pass the path of the file.")
    return src

"""Path checks shared by every entry point that reads or writes files: a folder where a file is expected, or a
file where a folder is expected, is a WearError that says which was expected (never an OSError from deep inside).

``what`` names the path in the message (an option such as ``--out``, or a parameter); ``use`` says what the path
is for (e.g. ``"a run folder (new or holding this run's checkpoints)"``)."""

from __future__ import annotations

from pathlib import Path

from wearsdk.errors import ConfigError, DataFormatError, WearError

__all__ = ["input_file", "output_file", "output_folder"]


def output_folder(path: str | Path, *, what: str = "output folder", use: str = "a folder, created if missing",
                  create: bool = True) -> Path:
    """``path`` as a folder, created with its parents when ``create`` (else only checked, for a caller that
    creates it later); ConfigError if it is a file."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{what}: expected a folder, got the file {str(out)!r} (it is a file; expected {use}). "
                          "Pass another path or move the file away.")
    if create:
        out.mkdir(parents=True, exist_ok=True)
    return out


def output_file(path: str | Path, *, what: str = "output file",
                use: str = "a file path, e.g. one inside that folder") -> Path:
    """``path`` as a file to write (its parent folders created); ConfigError if it is a folder."""
    out = Path(path)
    if out.is_dir():
        raise ConfigError(f"{what}: expected the path of a file to write, got the folder {str(out)!r} (it is a "
                          f"folder; expected {use}).")
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def input_file(path: str | Path, *, what: str = "input file", use: str = "the path of a file",
               error: type[WearError] = DataFormatError) -> Path:
    """``path`` as an existing file; ``error`` (default DataFormatError) if it is a folder or missing."""
    src = Path(path)
    if not src.is_file():
        found, state = ("a folder", "is a folder") if src.is_dir() else ("nothing", "does not exist")
        raise error(f"{what}: expected a file, found {found} at {str(src)!r} (it {state}; expected {use}).")
    return src

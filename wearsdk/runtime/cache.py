"""An on-disk cache of exported artifacts of the bundled models, verified before every reuse.

An entry is the folder ``<root>/<model>-<weights sha256[:12]>-<backend>-<precision>[-stream]`` holding the
artifact (``manifest.json`` and its files) and ``cache.json``, the key it was exported under: the model card's
name and weights sha256, the export options (backend, precision, streaming) and the wearsdk version. The number of
int8 calibration windows is a setting of a fresh export only, not part of the key. :meth:`ArtifactCache.get`
reuses an entry only when :func:`wearsdk.runtime.load` verifies every file against its manifest and the key and
manifest match what is asked for; otherwise it exports the model again with the ``exporter`` it was given (the
runtime never imports the build-time exporter itself), or, without one, refuses with
:class:`~wearsdk.errors.ArtifactIntegrityError` saying how to export it.

The root is ``$WEARSDK_CACHE_DIR/artifacts``, else ``$XDG_CACHE_HOME/wearsdk/artifacts``, else
``~/.cache/wearsdk/artifacts`` (:func:`default_cache_dir`).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wearsdk._paths import output_folder
from wearsdk.errors import ArtifactIntegrityError, CheckpointError
from wearsdk.runtime.artifact import Artifact, load

__all__ = ["ArtifactCache", "cached_artifact", "default_cache_dir", "CACHE_DIR_ENV", "Exporter"]

#: Environment variable naming the wearsdk cache root (artifacts go to ``$WEARSDK_CACHE_DIR/artifacts``).
CACHE_DIR_ENV = "WEARSDK_CACHE_DIR"
#: ``exporter(model_name, out_folder, *, backend, precision, streaming, pretrained=True[, calibration])``,
#: returning the manifest path: the signature of ``wearsdk export``'s ``export_model``.
Exporter = Callable[..., Path]
_KEY_FILE = "cache.json"


def default_cache_dir() -> Path:
    """Where exported artifacts are cached: ``$WEARSDK_CACHE_DIR/artifacts``, else
    ``$XDG_CACHE_HOME/wearsdk/artifacts``, else ``~/.cache/wearsdk/artifacts``."""
    root = os.environ.get(CACHE_DIR_ENV)
    if root:
        return Path(root).expanduser() / "artifacts"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "wearsdk" / "artifacts"


def _notice(message: str) -> None:
    """Exporting takes minutes: said on stderr, even when the caller prints nothing else."""
    print(message, file=sys.stderr, flush=True)


class ArtifactCache:
    """Verified exports of the bundled models under ``root`` (default :func:`default_cache_dir`).

    Args:
        root: the cache folder (created on first export); a file there is refused with :class:`ConfigError`.
        exporter: called on a miss (see :data:`Exporter`); ``None``: a miss raises
            :class:`~wearsdk.errors.ArtifactIntegrityError`.
        say: where notices go (exporting, a stale or modified entry); default stderr.

    Attributes:
        exported: the entry folders this cache object exported (the others it returned were reused).
    """

    def __init__(self, root: str | Path | None = None, *, exporter: Exporter | None = None,
                 say: Callable[[str], None] = _notice):
        self.root = output_folder(Path(root).expanduser() if root is not None else default_cache_dir(),
                                  what=f"artifact cache (cache_dir, ${CACHE_DIR_ENV})", create=False,
                                  use="a folder of exported artifacts, created if missing")
        self.exporter, self.say = exporter, say
        self.exported: list[Path] = []

    def key(self, model_name: str, *, backend: str = "executorch", precision: str = "int8",
            streaming: bool = False) -> dict[str, Any]:
        """What an entry of ``model_name``'s bundled weights exported with these options is keyed by.
        Raises :class:`~wearsdk.errors.CheckpointError` when the model has no bundled weights."""
        import wearsdk
        from wearsdk.models import get_model_card

        card = get_model_card(model_name)
        if card.weights_sha256 is None:
            raise CheckpointError(f"model {model_name!r} has no published pretrained weights, so there is nothing "
                                  "to export into the artifact cache; export a checkpoint with wearsdk export "
                                  "--checkpoint PATH instead.")
        return {"model": card.name, "weights_sha256": card.weights_sha256, "backend": backend,
                "precision": precision, "streaming": bool(streaming), "wearsdk_version": wearsdk.__version__}

    def folder(self, key: dict[str, Any]) -> Path:
        """The entry folder of ``key`` (:meth:`key`)."""
        return self.root / (f"{key['model']}-{key['weights_sha256'][:12]}-{key['backend']}-{key['precision']}"
                            + ("-stream" if key["streaming"] else ""))

    def get(self, model_name: str, *, backend: str = "executorch", precision: str = "int8", streaming: bool = False,
            calibration: int | None = None) -> Artifact:
        """The verified artifact of ``model_name``'s bundled weights exported with these options: reused from the
        cache, else exported (with ``calibration`` int8 calibration windows; ``None``: the exporter's default)."""
        key = self.key(model_name, backend=backend, precision=precision, streaming=streaming)
        folder = self.folder(key)
        artifact = self.cached(folder, key)
        if artifact is not None:
            return artifact
        if self.exporter is None:
            raise ArtifactIntegrityError(
                f"no verified {backend} {precision} export of {model_name} in the cache ({folder}); expected one "
                "exported under the same weights, options and wearsdk version. Give the cache an exporter "
                "(exporter=export_model, from wearsdk's export package) so it can export and key the entry itself.")
        self.say(f"first run: exporting {model_name} to {backend} {precision} (a minute or two; cached in "
                 f"{folder}) ...")
        start = time.monotonic()
        partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        options: dict[str, Any] = {"backend": backend, "precision": precision, "streaming": streaming,
                                   "pretrained": True}
        if calibration is not None:
            options["calibration"] = calibration
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch.export / executorch internals
                self.exporter(model_name, partial, **options)
            (partial / _KEY_FILE).write_text(json.dumps(key, indent=2) + "\n")
            _remove(folder)
            partial.rename(folder)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        self.exported.append(folder)
        self.say(f"exported {model_name} in {time.monotonic() - start:.0f} s: {folder}")
        return load(folder)

    def cached(self, folder: Path, key: dict[str, Any]) -> Artifact | None:
        """The artifact in ``folder`` when it verifies (:func:`wearsdk.runtime.load`) and was exported under
        ``key``; else None, and ``say`` tells why."""
        if not folder.exists():
            return None
        if not folder.is_dir():
            self.say(f"cached artifact {folder} is a file, not an artifact folder; exporting it again.")
            return None
        try:
            artifact = load(folder)
        except ArtifactIntegrityError as exc:
            self.say(f"cached artifact {folder} failed verification ({exc}); exporting it again.")
            return None
        try:
            stored = json.loads((folder / _KEY_FILE).read_text())
        except (OSError, json.JSONDecodeError):
            stored = None
        m, card = artifact.manifest, artifact.card
        made = (m["backend"], m["precision"], bool(m.get("streaming")), artifact.trained,
                card.name if card else None, card.weights_sha256 if card else None)
        if stored != key or made != (key["backend"], key["precision"], key["streaming"], True, key["model"],
                                     key["weights_sha256"]):
            self.say(f"cached artifact {folder} is not the current {key['precision']} export of the bundled "
                     f"{key['model']}; exporting it again.")
            return None
        return artifact


def cached_artifact(model_name: str, *, backend: str = "executorch", precision: str = "int8", streaming: bool = False,
                    calibration: int | None = None, cache_dir: str | Path | None = None,
                    exporter: Exporter | None = None, say: Callable[[str], None] = _notice) -> Artifact:
    """``ArtifactCache(cache_dir, exporter=exporter, say=say).get(model_name, ...)``: the verified artifact of a
    bundled model, exported on a miss (see :class:`ArtifactCache`)."""
    return ArtifactCache(cache_dir, exporter=exporter, say=say).get(
        model_name, backend=backend, precision=precision, streaming=streaming, calibration=calibration)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()

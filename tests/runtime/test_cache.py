"""wearsdk.runtime.cache: exported artifacts keyed by weights, options and version, verified before reuse.

A stand-in exporter writes a tiny CoreML-shaped folder (a package is only inspected, never run here), so these
tests check the cache's decisions without exporting; tests/test_demo.py exports real int8 programs through it.
"""

import json
from pathlib import Path

import pytest

from wearsdk._integrity import ARTIFACT_FORMAT, sha256_file
from wearsdk.errors import ArtifactIntegrityError, CheckpointError, ConfigError
from wearsdk.models import get_model_card
from wearsdk.runtime import ArtifactCache, cached_artifact
from wearsdk.runtime.cache import CACHE_DIR_ENV, default_cache_dir

MODEL = "lead_vae_compact"  # bundled weights; the stand-in exporter never loads them


class _Exporter:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def __call__(self, name: str, out: Path, **options) -> Path:
        self.calls.append({"name": name, **options})
        out.mkdir(parents=True)
        program = out / f"{name}.bin"
        program.write_bytes(b"program" * 100)
        card = get_model_card(name).to_dict()
        manifest = {"format": ARTIFACT_FORMAT, "backend": options["backend"], "precision": options["precision"],
                    "streaming": options["streaming"], "model_card": card, "trained": True,
                    "inputs": [{"name": "x", "shape": [1, 3, 1000], "dtype": "float32"}], "outputs": [],
                    "files": {program.name: {"bytes": program.stat().st_size, "sha256": sha256_file(program)}}}
        (out / "manifest.json").write_text(json.dumps(manifest))
        return out / "manifest.json"


def test_a_second_call_reuses_the_verified_entry(tmp_path) -> None:
    exporter, notices = _Exporter(), []
    cache = ArtifactCache(tmp_path, exporter=exporter, say=notices.append)
    first = cache.get(MODEL, backend="coreml", precision="int8", calibration=8)
    sha = get_model_card(MODEL).weights_sha256
    assert first.folder == tmp_path / f"{MODEL}-{sha[:12]}-coreml-int8" and cache.exported == [first.folder]
    assert exporter.calls == [{"name": MODEL, "backend": "coreml", "precision": "int8", "streaming": False,
                               "pretrained": True, "calibration": 8}]
    assert any("first run: exporting" in n for n in notices)
    notices.clear()
    again = cached_artifact(MODEL, backend="coreml", precision="int8", calibration=8, cache_dir=tmp_path,
                            exporter=exporter, say=notices.append)
    assert again.folder == first.folder and len(exporter.calls) == 1 and not notices
    key = json.loads((first.folder / "cache.json").read_text())
    assert key["weights_sha256"] == sha and key["precision"] == "int8" and key["wearsdk_version"]


def test_other_options_are_other_entries(tmp_path) -> None:
    exporter = _Exporter()
    cache = ArtifactCache(tmp_path, exporter=exporter, say=lambda _: None)
    a = cache.get(MODEL, backend="coreml", precision="int8")
    b = cache.get(MODEL, backend="coreml", precision="fp32")
    c = cache.get(MODEL, backend="coreml", precision="int8", streaming=True)
    d = cache.get(MODEL, backend="coreml", precision="int8", calibration=16)  # a setting of fresh exports only
    assert len({a.folder, b.folder, c.folder}) == 3 and len(exporter.calls) == 3
    assert d.folder == a.folder and cache.exported == [a.folder, b.folder, c.folder]


def test_a_tampered_entry_is_exported_again(tmp_path) -> None:
    exporter, notices = _Exporter(), []
    cache = ArtifactCache(tmp_path, exporter=exporter, say=notices.append)
    first = cache.get(MODEL, backend="coreml")
    with open(first.folder / f"{MODEL}.bin", "r+b") as f:
        f.write(b"\x00" * 8)
    again = cache.get(MODEL, backend="coreml")
    assert len(exporter.calls) == 2 and any("failed verification" in n for n in notices)
    assert (again.folder / f"{MODEL}.bin").read_bytes().startswith(b"programprogram")
    key = again.folder / "cache.json"
    key.write_text(key.read_text().replace('"int8"', '"fp16"'))  # an entry exported under another key
    cache.get(MODEL, backend="coreml")
    assert len(exporter.calls) == 3 and "is not the current int8 export" in notices[-3]


def test_without_an_exporter_a_miss_or_tampered_entry_is_refused(tmp_path) -> None:
    with pytest.raises(ArtifactIntegrityError, match="no verified coreml int8 export of lead_vae_compact"):
        cached_artifact(MODEL, backend="coreml", cache_dir=tmp_path, say=lambda _: None)
    first = cached_artifact(MODEL, backend="coreml", cache_dir=tmp_path, exporter=_Exporter(), say=lambda _: None)
    (first.folder / f"{MODEL}.bin").write_bytes(b"replaced")
    notices: list[str] = []
    with pytest.raises(ArtifactIntegrityError, match="expected one exported under the same weights"):
        cached_artifact(MODEL, backend="coreml", cache_dir=tmp_path, say=notices.append)
    assert "failed verification" in notices[0]


def test_wrong_path_kinds_and_models_without_weights(tmp_path, monkeypatch) -> None:
    a_file = tmp_path / "cache"
    a_file.write_text("not a folder")
    with pytest.raises(ConfigError, match="is a file; expected a folder"):
        ArtifactCache(a_file)
    exporter, notices = _Exporter(), []
    cache = ArtifactCache(tmp_path / "root", exporter=exporter, say=notices.append)
    key = cache.key(MODEL, backend="coreml")
    cache.folder(key).parent.mkdir(parents=True)
    cache.folder(key).write_text("a file where the entry folder goes")
    assert cache.get(MODEL, backend="coreml").folder.is_dir() and "is a file" in notices[0]
    with pytest.raises(CheckpointError, match="no published pretrained weights"):
        cache.get("ppg_encoder_full")
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "env"))
    assert default_cache_dir() == tmp_path / "env" / "artifacts" and ArtifactCache().root == default_cache_dir()

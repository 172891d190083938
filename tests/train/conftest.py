"""Fixtures of the real-data training tests: the ECG encoder's card and a fresh window cache per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from wearsdk.models import create_model


@pytest.fixture(scope="session")
def card():
    """The compact ECG encoder's card (the windows the real datasets are cut into)."""
    return create_model("ecg_encoder_compact").card


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``$WEARSDK_CACHE_DIR`` for this test (real windows are cached under it)."""
    monkeypatch.setenv("WEARSDK_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"

"""Shared test configuration: deterministic hypothesis, and the real recordings in ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "wearsdk",
    deadline=None,
    max_examples=25,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("wearsdk")

REPO = Path(__file__).resolve().parents[1]
REAL_DATA = REPO.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real recordings (``../shared/data/real`` next to the repository); skips when absent."""
    if not (REAL_DATA / "README.md").is_file():
        pytest.skip(f"real recordings not found at {REAL_DATA} (they live beside the repo, never in it)")
    return REAL_DATA

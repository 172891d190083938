"""Shared test configuration: deterministic hypothesis, and the real recordings in ../shared."""

from __future__ import annotations

import os
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
REAL_DATA = Path(os.environ.get("WEARSDK_DATA_DIR") or REPO.parent / "shared" / "data" / "real")


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real recordings (``$WEARSDK_DATA_DIR``, else ``../shared/data/real`` next to the repository). Their
    absence fails the tests that read them: a silent skip would hide every real-data check."""
    if not (REAL_DATA / "README.md").is_file():
        pytest.fail(f"real recordings not found at {REAL_DATA}: the tests read them from ../shared/data/real beside "
                    "the repository (never copied into it); put them there or set WEARSDK_DATA_DIR to their folder.")
    return REAL_DATA


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules holding a ``slow`` test run first, each module's tests kept together and in order.

    ``./bootstrap.sh test`` hands whole modules to parallel workers (``pytest -n auto --dist loadfile
    --no-loadscope-reorder``) in this order: the longest modules start early and the workers finish together,
    and a module's fixtures are built once, as in a serial run.
    """
    slow_modules = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_modules)

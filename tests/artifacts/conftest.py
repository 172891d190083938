"""Fixtures shared by the quantization and export tests."""

import pytest
import torch


@pytest.fixture
def no_export(monkeypatch):
    """Any torch.export call fails the test: bad requests must be refused before anything is exported."""

    def refuse(*args, **kwargs):
        raise AssertionError("torch.export ran before the request was checked")

    monkeypatch.setattr(torch.export, "export", refuse)

"""wearsdk._integrity: the one sha256 helper, for files and for bytes in memory."""

import hashlib

import pytest

from wearsdk._integrity import sha256_bytes, sha256_file
from wearsdk.errors import DataFormatError


def test_file_and_bytes_give_the_same_hex_digest(tmp_path):
    data = bytes(range(256)) * 9000  # over one 1 MiB read block
    (tmp_path / "w.bin").write_bytes(data)
    assert sha256_file(tmp_path / "w.bin") == sha256_bytes(data) == hashlib.sha256(data).hexdigest()
    assert sha256_bytes(b"") == hashlib.sha256(b"").hexdigest()


def test_a_folder_or_a_missing_file_is_a_clean_error(tmp_path):
    with pytest.raises(DataFormatError, match="sha256_file: expected a file, found a folder"):
        sha256_file(tmp_path)
    with pytest.raises(DataFormatError, match="found nothing"):
        sha256_file(tmp_path / "missing.pt")

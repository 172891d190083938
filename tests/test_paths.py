"""wearsdk._paths: a file where a folder is expected, and the reverse, are WearErrors saying which was expected."""

import pytest

from wearsdk._paths import input_file, output_file, output_folder
from wearsdk.errors import ConfigError, DataFormatError


def test_output_folder_is_created_and_refuses_a_file(tmp_path):
    assert output_folder(tmp_path / "a" / "b").is_dir()
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(ConfigError, match="--out: expected a folder, got the file"):
        output_folder(tmp_path / "f.txt", what="--out")


def test_output_file_gets_its_parent_and_refuses_a_folder(tmp_path):
    assert output_file(tmp_path / "sub" / "x.png") == tmp_path / "sub" / "x.png" and (tmp_path / "sub").is_dir()
    with pytest.raises(ConfigError, match="--png: expected the path of a file to write, got the folder"):
        output_file(tmp_path, what="--png")


def test_input_file_refuses_a_folder_and_a_missing_path(tmp_path):
    (tmp_path / "r.npz").write_bytes(b"x")
    assert input_file(tmp_path / "r.npz") == tmp_path / "r.npz"
    with pytest.raises(DataFormatError, match="expected a file, found a folder"):
        input_file(tmp_path)
    with pytest.raises(DataFormatError, match="found nothing"):
        input_file(tmp_path / "missing.npz")

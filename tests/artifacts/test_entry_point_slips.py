"""The two classic slips at the export, quant, runtime and bench entry points: empty input, and a path of the
wrong kind (a file where a folder goes, and the reverse). Each is refused with a WearError saying what was expected,
before anything is exported."""

import pytest
import torch

from wearsdk.bench.runtime import bench_runtime
from wearsdk.errors import ArtifactIntegrityError, ConfigError, DataFormatError, ShapeError
from wearsdk.export import export_coreml, export_executorch, export_onnx
from wearsdk.models import get_model_card
from wearsdk.quant import load_calibration, quantize_model
from wearsdk.runtime import load_program

MODEL = torch.nn.Conv1d(1, 2, 3)
X = torch.zeros(1, 1, 16)


def test_exporters_refuse_a_file_as_output_folder(tmp_path, no_export):
    file = tmp_path / "out.pte"
    file.write_bytes(b"")
    for export in (export_executorch, export_onnx, export_coreml):
        with pytest.raises(ConfigError, match="is a file; expected a folder"):
            export(MODEL, file, name="m", example_inputs=(X,))
    with pytest.raises(ConfigError, match="is a file; expected a folder"):
        quantize_model("ecg_encoder_compact", file, allow_untrained=True)


def test_exporters_refuse_empty_parity_windows(tmp_path, no_export):
    with pytest.raises(ShapeError, match=r"windows >= 1.*\(0, 1, 16\)"):
        export_executorch(MODEL, tmp_path, name="m", example_inputs=(X,), parity_windows=torch.zeros(0, 1, 16))
    with pytest.raises(ShapeError, match="windows >= 1"):
        export_onnx(MODEL, tmp_path, name="m", example_inputs=(X,), parity_windows=torch.zeros(0, 1, 16))


def test_folders_where_files_go_are_refused(tmp_path):
    with pytest.raises(ArtifactIntegrityError, match="is a folder; expected an ExecuTorch .pte"):
        load_program(tmp_path)
    with pytest.raises(DataFormatError, match="is a folder; expected a .npy"):
        load_calibration(tmp_path, get_model_card("ecg_encoder_compact"))


def test_bench_runtime_refuses_zero_repeats():
    with pytest.raises(ConfigError, match="repeats"):
        bench_runtime(repeats=0)

"""The torch ops inside torch.export and ExecuTorch programs: the .out kernels of
libwearsdk_executorch.so give the eager result."""

import pytest
import torch

import wearsdk.signal as ws
from wearsdk.errors import ArtifactIntegrityError, ExportError, ShapeError
from wearsdk.export import PreprocessingModule, export_preprocessing
from wearsdk.runtime import load_program
from wearsdk.signal._ops import ops


class AllOps(torch.nn.Module):
    """Every wearsdk op in one graph: sosfilt -> resample -> zscore, and quality of the input."""

    def __init__(self):
        super().__init__()
        spec = ws.PreprocessSpec(sampling_rate=256, target_rate=64, low=0.5, high=8.0)
        self.register_buffer("sos", torch.from_numpy(spec.sos))
        self.register_buffer("bank", torch.from_numpy(spec.resampler.bank))
        ops()

    def forward(self, x):
        zi = torch.zeros((*x.shape[:-1], self.sos.shape[0], 2), dtype=torch.float64)
        y, _ = torch.ops.wearsdk.sosfilt(x, self.sos, zi)
        hist = torch.zeros((*x.shape[:-1], self.bank.shape[1] - 1))
        y, _ = torch.ops.wearsdk.resample(y, self.bank, hist, 1, 4)
        return torch.ops.wearsdk.zscore(y, False, 1e-8), torch.ops.wearsdk.quality(x, 0.0)


@pytest.fixture(scope="module")
def all_ops_pte(tmp_path_factory):
    from executorch.exir import EdgeCompileConfig, to_edge

    exported = torch.export.export(AllOps(), (torch.zeros(2, 3, 1024),), strict=False)
    program = to_edge(exported, compile_config=EdgeCompileConfig(_check_ir_validity=False)).to_executorch()
    path = tmp_path_factory.mktemp("pte") / "all_ops.pte"
    path.write_bytes(program.buffer)
    return path


def test_torch_export_traces_the_ops_with_fake_kernels():
    exported = torch.export.export(AllOps(), (torch.zeros(2, 3, 1024),), strict=False)
    targets = {str(n.target) for n in exported.graph.nodes if n.op == "call_function"}
    assert {"wearsdk.sosfilt.default", "wearsdk.resample.default", "wearsdk.zscore.default",
            "wearsdk.quality.default"} <= targets
    out = exported.module()(torch.randn(2, 3, 1024))
    assert out[0].shape == (2, 3, 256) and out[1].shape == (2, 3, 3)


def test_executorch_program_equals_eager(all_ops_pte):
    x = torch.randn(2, 3, 1024)
    x[1, 2, 5:900] = 0.25  # a flat stretch for quality
    eager = AllOps()(x)
    got = load_program(all_ops_pte)(x)
    assert torch.equal(got[0], eager[0])
    assert torch.equal(got[1], eager[1])


def test_preprocessing_program_equals_preprocess(tmp_path):
    spec = ws.PreprocessSpec(sampling_rate=500, target_rate=100, low=0.5, high=40.0)
    path = export_preprocessing(spec, channels=3, samples=5000, out=tmp_path / "pre.pte")
    x = torch.randn(1, 3, 5000)
    assert torch.equal(load_program(path)(x)[0], ws.preprocess(x, spec))


def test_preprocessing_export_refuses_what_it_cannot_run(tmp_path):
    with pytest.raises(ShapeError):
        export_preprocessing(ws.PreprocessSpec(sampling_rate=256, target_rate=64), channels=1, samples=1001,
                             out=tmp_path / "x.pte")
    with pytest.raises(ExportError, match="robust"):
        PreprocessingModule(ws.PreprocessSpec(sampling_rate=64, norm="robust"))


def test_corrupt_and_missing_programs_are_refused(all_ops_pte, tmp_path):
    data = all_ops_pte.read_bytes()
    truncated = tmp_path / "truncated.pte"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ArtifactIntegrityError):
        load_program(truncated)
    with pytest.raises(ArtifactIntegrityError):
        load_program(tmp_path / "missing.pte")


def test_wrong_input_shape_is_refused_before_the_runtime(all_ops_pte):
    with pytest.raises(ShapeError, match=r"\(2, 3, 1024\)"):
        load_program(all_ops_pte)(torch.randn(2, 3, 1000))

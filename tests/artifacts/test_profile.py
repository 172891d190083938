"""``wearsdk bench profile``: the per-op ETDump profile of an exported program on a tiny model."""

import json
import re

import pytest
import torch

from wearsdk.bench.profile import macs_and_bytes, profile_artifact, profile_program, program_ops
from wearsdk.cli import main
from wearsdk.errors import ArtifactIntegrityError, ConfigError
from wearsdk.export import export_executorch


class Tiny(torch.nn.Module):
    """(1, 4, 256) -> (1, 8): a conv (XNNPACK), a mean over time (a portable kernel) and a linear (XNNPACK)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv1d(4, 16, 5, stride=2, padding=2)
        self.head = torch.nn.Linear(16, 8)

    def forward(self, x):
        return self.head(torch.relu(self.conv(x)).mean(-1))


def _x(n: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 4, 256, generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("profile")
    model = Tiny().eval()
    fp32 = export_executorch(model, out / "fp32", name="tiny", example_inputs=(_x(1),)).parent
    int8 = export_executorch(model, out / "int8", name="tiny", example_inputs=(_x(1),), precision="int8",
                             calibration=_x(8, 1)).parent
    return model, fp32, int8


def test_macs_and_bytes_count_convs_and_linears():
    work = macs_and_bytes(Tiny(), _x(1), bytes_per_element=1)
    conv_macs, head_macs = 16 * 128 * 4 * 5, 8 * 16
    assert work["macs"] == conv_macs + head_macs
    assert work["weight_bytes"] == 16 * 4 * 5 + 8 * 16
    assert work["bytes"] == (4 * 256 + 16 * 20 + 16 * 128) + (16 + 128 + 8)


def test_program_ops_reads_the_delegate_split_from_the_pte(exported):
    _, fp32, _ = exported
    split = program_ops(next(fp32.glob("*.pte")))
    assert split["delegate_calls"] == {"XnnpackBackend": 2}  # conv+relu, then the linear
    assert split["portable_calls"] == {"aten::mean.out": 1}  # the mean over time stays outside
    assert split["instructions"] == 3


def test_profile_lists_the_ops_where_they_ran_and_the_mac_rate(exported):
    model, fp32, _ = exported
    r = profile_program(next(fp32.glob("*.pte")), [_x(1)], runs=3, model=model, model_input=_x(1))
    kinds = {o["name"]: o["kind"] for o in r["ops"]}
    assert kinds["aten::mean.out"] == "portable"
    assert any(n.startswith("Convolution (NHWC, F32)") and k == "XnnpackBackend" for n, k in kinds.items())
    assert any(n.startswith("Fully Connected (NC, F32)") for n in kinds)
    assert r["qdq_boundaries"] == 0 and r["method_ms"] > 0
    assert r["method_ms"] >= r["delegate_ms"] + r["portable_ms"] > 0
    assert r["gmac_per_s"] == pytest.approx(r["macs"] / (r["method_ms"] * 1e6))
    assert sum(o["share"] for o in r["ops"]) <= 1.0 + 1e-9


def test_profile_cli_on_the_int8_artifact_counts_its_quantize_boundaries(exported, capsys):
    _, _, int8 = exported
    assert main(["bench", "profile", str(int8), "--json", "--runs", "2"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["precision"] == "int8" and r["model"] is None and "macs" not in r  # plain module: no MAC count
    assert r["qdq_boundaries"] >= 2  # float in -> int8 conv -> float out at least
    assert any("QS8" in o["name"] or "QC8" in o["name"] for o in r["ops"])
    assert main(["bench", "profile", str(int8), "--runs", "2", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "delegate calls" in out and "XnnpackBackend" in out and "quantize/dequantize boundaries" in out


def test_profile_refuses_bad_requests(exported, tmp_path, capsys):
    _, fp32, _ = exported
    with pytest.raises(ConfigError, match="runs must be"):
        profile_program(next(fp32.glob("*.pte")), [_x(1)], runs=0)
    with pytest.raises(ArtifactIntegrityError, match="no manifest.json"):
        profile_artifact(tmp_path)
    assert main(["bench", "profile", str(fp32), "--runs", "0"]) != 0
    assert "--runs must be >= 1" in capsys.readouterr().err


@pytest.mark.slow  # one int8 export of the compact ECG encoder (~20 s)
def test_compact_encoder_int8_program_keeps_one_layout_and_its_head_in_int8(tmp_path):
    """The deploy form (wearsdk.models.deploy_form) in the written program: 2-D convolutions end to end leave
    XNNPACK no NCHW/NHWC transposes between them (48 per call from 1-D convolutions), and ``conv_head`` runs as a
    dynamic int8 GEMM next to ``embed`` (no float GEMM, no float weights: the program stays under 200 KB)."""
    from wearsdk.export import export_model
    from wearsdk.models import get_model_card

    manifest = export_model("ecg_encoder_compact", tmp_path, precision="int8", allow_untrained=True, calibration=8)
    pte = next(manifest.parent.glob("*.pte"))
    card = get_model_card("ecg_encoder_compact")
    r = profile_program(pte, [torch.zeros(1, 1, card.window_samples)], runs=1)
    calls = {o["name"]: o["instances"] for o in r["ops"]}
    assert sum(n for name, n in calls.items() if name.startswith("Transpose")) <= 3
    # conv_head and embed, dynamic int8: XNNPACK names the kernel QD8 (AVX2) or QDU8 (unsigned, AVX512-VNNI CPUs)
    dynamic = re.compile(r"Fully Connected \(NC, QDU?8, F32, QC8W\) GEMM")
    assert sum(n for name, n in calls.items() if dynamic.fullmatch(name)) == 2
    assert not any("F32) GEMM" in name for name in calls)  # no float matrix multiply left
    assert pte.stat().st_size <= 200_000

"""wearsdk.reconstruct_12lead: shapes, rates, lengths, pass-through, bad input, and quality on real records."""

import numpy as np
import pytest
import torch
from ecg_like import ecg_like

import wearsdk
from wearsdk.errors import (
    ConfigError,
    NonFiniteInputError,
    SamplingRateError,
    ShapeError,
    SignalSpecError,
    UnknownNameError,
    WearError,
)
from wearsdk.reconstruct import INPUT_LEADS, OUTPUT_LEADS, reconstruct_12lead
from wearsdk.signal import bandpass

MEASURED = [OUTPUT_LEADS.index(k) for k in INPUT_LEADS]


@pytest.mark.parametrize(("fs", "n"), [(100, 1000), (250, 3333), (500, 5001), (500, 1999), (360, 11_111)])
def test_single_record_contract(fs, n) -> None:
    x = ecg_like(fs, n)
    y = reconstruct_12lead(x, sampling_rate=fs)
    assert isinstance(y, np.ndarray) and y.shape == (12, n) and y.dtype == np.float32
    assert np.isfinite(y).all()
    np.testing.assert_array_equal(y[MEASURED], x)  # the measured leads pass through exactly
    assert 0.05 < np.abs(y).max() < 50  # mV scale, not z-units blown up


def test_batch_matches_single_and_torch_in_torch_out() -> None:
    x = ecg_like(250, 2601, batch=(3,))
    y = reconstruct_12lead(x, sampling_rate=250)
    assert y.shape == (3, 12, 2601)
    np.testing.assert_allclose(y[1], reconstruct_12lead(x[1], sampling_rate=250), atol=1e-5)
    t = wearsdk.reconstruct_12lead(torch.from_numpy(x), sampling_rate=250.0)
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float32 and t.shape == (3, 12, 2601)


def test_lead_order_and_names_are_honoured() -> None:
    x = ecg_like(500, 5000)
    y = reconstruct_12lead(x, sampling_rate=500)
    y_perm = reconstruct_12lead(x[[1, 2, 0]], sampling_rate=500, leads=("v1", "V5", "ii"))
    np.testing.assert_allclose(y, y_perm, atol=1e-6)


def test_module_model_is_used(monkeypatch) -> None:
    from wearsdk.models import create_model

    model = create_model("lead_vae_compact", pretrained=True)
    x = ecg_like(100, 1500)
    np.testing.assert_allclose(reconstruct_12lead(x, sampling_rate=100, model=model),
                               reconstruct_12lead(x, sampling_rate=100), atol=1e-6)
    assert model.training  # the caller's mode is left as it was
    with pytest.raises(UnknownNameError, match="neither a registered model"):
        reconstruct_12lead(x, sampling_rate=100, model="no_such_model")
    with pytest.raises(ConfigError, match="lead-reconstruction"):
        reconstruct_12lead(x, sampling_rate=100, model=create_model("ecg_encoder_compact"))


class _FakeArtifact:
    """Stands in for wearsdk.runtime.Artifact (a batch-2 program): same attributes, eager model inside."""

    def __init__(self, model) -> None:
        self.folder, self.model = "fake_artifact", model
        self.card = model.card
        self.manifest = {"model_card": self.card.to_dict()}
        self.inputs = [{"name": "x", "shape": [2, 3, 1000], "dtype": "float32"}]

    def __call__(self, x: torch.Tensor) -> list[torch.Tensor]:
        assert tuple(x.shape) == (2, 3, 1000)
        with torch.inference_mode():
            return [self.model(x)]


def test_artifact_model_runs_in_its_fixed_batch() -> None:
    from wearsdk.models import create_model

    model = create_model("lead_vae_compact", pretrained=True).eval()
    x = ecg_like(500, 12_345)  # 24.7 s -> 5 windows: chunks of 2, the last one padded
    np.testing.assert_allclose(reconstruct_12lead(x, sampling_rate=500, model=_FakeArtifact(model)),
                               reconstruct_12lead(x, sampling_rate=500, model=model), atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"x": np.zeros((12, 1000))}, ShapeError, r"\(3, samples\)"),
        ({"x": np.zeros(1000)}, ShapeError, "II, V1, V5"),
        ({"x": np.zeros((2, 2, 3, 1000))}, ShapeError, "batch"),
        ({"x": np.zeros((3, 150))}, ShapeError, "at least 2 s"),
        ({"sampling_rate": 0}, SamplingRateError, "> 0 Hz"),
        ({"sampling_rate": -100.0}, SamplingRateError, "> 0 Hz"),
        ({"sampling_rate": float("nan")}, SamplingRateError, "finite"),
        ({"sampling_rate": 20}, SamplingRateError, ">= 50 Hz"),
        ({"sampling_rate": "500"}, SamplingRateError, "number in Hz"),
        ({"leads": ("I", "V1", "V5")}, SignalSpecError, "II"),
        ({"leads": ("II", "V1", "V9")}, UnknownNameError, "V9"),
        ({"leads": ("II", "II", "V5")}, SignalSpecError, "any order"),
    ],
)
def test_bad_input_is_refused_precisely(kwargs, error, match) -> None:
    args = {"x": np.zeros((3, 1000), np.float32), "sampling_rate": 100, **kwargs}
    x = args.pop("x")
    with pytest.raises(error, match=match):
        reconstruct_12lead(x, **args)


@pytest.mark.parametrize("shape", [(3, 0), (0, 3, 1000), (0, 3, 0)])
def test_empty_input_is_refused_saying_what_was_expected(shape) -> None:
    with pytest.raises(ShapeError, match=r"empty .*expected \(3, samples\)"):
        reconstruct_12lead(np.zeros(shape, np.float32), sampling_rate=100)


def test_a_file_where_an_artifact_folder_is_expected_is_refused(tmp_path) -> None:
    weights = tmp_path / "lead_vae.pt"
    weights.write_bytes(b"not an artifact")
    with pytest.raises(ConfigError, match="is a file; expected an exported artifact folder"):
        reconstruct_12lead(np.zeros((3, 1000), np.float32), sampling_rate=100, model=weights)
    with pytest.raises(WearError, match="manifest.json"):  # a folder that is not an artifact
        reconstruct_12lead(np.zeros((3, 1000), np.float32), sampling_rate=100, model=tmp_path)


def test_nan_is_refused_with_its_position() -> None:
    x = ecg_like(100, 1000)
    x[2, 17] = np.nan
    with pytest.raises(NonFiniteInputError, match=r"\(2, 17\)"):
        reconstruct_12lead(x, sampling_rate=100)


class _LinearShapes(torch.nn.Module):
    """The least-squares map (fitted on PTB-XL training records) in the VAE's place, same pipeline."""

    def __init__(self, weights: np.ndarray, card) -> None:
        super().__init__()
        self.w, self.card = torch.from_numpy(weights.astype(np.float32)), card

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("oc,bcs->bos", self.w[:, :3], x) + self.w[:, 3, None]


def test_beats_the_linear_map_on_real_cinc2021_records(real_data_dir) -> None:
    from wearsdk.io import read
    from wearsdk.models import create_model
    from wearsdk.train import PTBXLLeads
    from wearsdk.train.metrics import LinearLeadMap

    train = PTBXLLeads(real_data_dir / "ptbxl", "train", max_records=400).data
    linear = LinearLeadMap().fit(train[:, [1, 6, 10]], train)
    vae = create_model("lead_vae_compact", pretrained=True)
    baseline = _LinearShapes(linear.weights, vae.card)
    recon = [i for i in range(12) if i not in MEASURED]
    scores = {"vae": [], "linear": []}
    for hea in sorted((real_data_dir / "cinc2021").glob("*.hea")):
        rec = read(hea.with_suffix(""))
        x = rec.signals[[rec.channels.index(k) for k in INPUT_LEADS]]
        true = bandpass(rec.signals[[rec.channels.index(k) for k in OUTPUT_LEADS]],
                        sampling_rate=rec.sampling_rate, low=0.5, high=40.0, order=4, zero_phase=True)
        for name, model in (("vae", None), ("linear", baseline)):
            y = reconstruct_12lead(x, sampling_rate=rec.sampling_rate, model=model)
            np.testing.assert_array_equal(y[MEASURED], x.astype(np.float32))
            scores[name].append(np.mean([np.corrcoef(y[i], true[i])[0, 1] for i in recon]))
    assert len(scores["vae"]) == 6
    vae_r, lin_r = float(np.mean(scores["vae"])), float(np.mean(scores["linear"]))
    assert vae_r >= lin_r and vae_r > 0.8, (vae_r, lin_r)

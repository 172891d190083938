"""wearsdk.train.lead_utility: superclass targets, AUROC, the classifier cache, and the ptbxl suite on a tiny
subset of the shared PTB-XL records."""

import json

import numpy as np
import pytest
import torch

from wearsdk.errors import DataFormatError, ShapeError
from wearsdk.reconstruct import INPUT_LEADS, OUTPUT_LEADS
from wearsdk.train.lead_utility import (
    ARMS,
    SUPERCLASSES,
    auroc_scores,
    cached_classifier,
    ptbxl_utility_suite,
    spread_calibration,
    superclass_labels,
    train_classifier,
    utility_report,
)


def _constructed(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Noise records whose first class shows only in lead I (not an input) and second only in lead II (an
    input): z-scored leads, 100 Hz, 10 s."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 12, 1000)).astype(np.float32)
    y = (rng.random((n, 2)) < 0.5).astype(np.float32)
    wave = (3 * np.sin(2 * np.pi * 5 * np.arange(1000) / 100)).astype(np.float32)  # a 5 Hz tone
    x[:, OUTPUT_LEADS.index("I")] += y[:, :1] * wave
    x[:, OUTPUT_LEADS.index("II")] += y[:, 1:] * wave
    return (x - x.mean(-1, keepdims=True)) / x.std(-1, keepdims=True), y


@pytest.mark.slow
def test_real_leads_score_at_least_as_high_as_the_inputs_alone() -> None:
    from wearsdk.models import create_model

    tr_x, tr_y = _constructed(48, 0)
    va_x, va_y = _constructed(16, 1)
    clf = train_classifier(tr_x, tr_y, epochs=8, batch=8, seed=0, progress=False)
    torch.manual_seed(0)
    vae = create_model("lead_vae_compact", base_chs=8, ch_mult=(1, 2), latent_chs=4)  # untrained stand-in
    report, arrays = utility_report(vae, clf, tr_x, va_x, va_y, samples=2, progress=False)
    auroc = report["auroc"]
    assert set(auroc) == set(ARMS) and auroc["real"]["per_class"]["NORM"] > 0.9  # lead I class: learnt
    assert auroc["real"]["macro"] >= auroc["inputs_only"]["macro"]
    assert auroc["inputs_only"]["per_class"]["NORM"] < auroc["real"]["per_class"]["NORM"] - 0.2  # lead I zeroed
    assert auroc["inputs_only"]["per_class"]["MI"] > 0.9  # lead II class survives: it is measured
    leads = report["leads"]["linear_map"]
    assert set(leads["pearson_r"]) == set(OUTPUT_LEADS) and leads["pearson_r"]["II"] > 0.999
    assert arrays["vae"].shape == va_x.shape and np.isfinite(arrays["vae"]).all()
    np.testing.assert_allclose(arrays["vae"][:, [OUTPUT_LEADS.index(k) for k in INPUT_LEADS]],
                               va_x[:, [OUTPUT_LEADS.index(k) for k in INPUT_LEADS]], atol=1e-4)
    assert -1 <= report["calibration"]["spearman_records_x_leads"] <= 1


def test_auroc_skips_a_class_without_positives() -> None:
    y = np.array([[1, 0, 0], [0, 0, 1], [1, 0, 1], [0, 0, 0]], np.float32)
    p = np.array([[0.9, 0.1, 0.2], [0.2, 0.3, 0.8], [0.7, 0.2, 0.6], [0.1, 0.4, 0.1]], np.float32)
    s = auroc_scores(y, p)
    assert s["skipped"] == ["MI"] and s["per_class"] == {"NORM": 1.0, "STTC": 1.0} and s["macro"] == 1.0
    with pytest.raises(ShapeError):
        spread_calibration([1.0, 2.0], [1.0, 2.0, 3.0])


def test_classifier_is_cached_by_its_data(tmp_path) -> None:
    x, y = _constructed(8, 2)
    a, path, reused = cached_classifier(x, y, epochs=1, cache_dir=tmp_path, progress=False)
    b, path_b, reused_b = cached_classifier(x, y, epochs=1, cache_dir=tmp_path, progress=False)
    assert not reused and reused_b and path == path_b and path.parent == tmp_path
    for k, v in a.state_dict().items():
        torch.testing.assert_close(v, b.state_dict()[k])
    _, path_c, _ = cached_classifier(x[:7], y[:7], epochs=1, cache_dir=tmp_path, progress=False)
    assert path_c != path


def test_superclass_labels_from_scp_codes(real_data_dir, tmp_path) -> None:
    labels = superclass_labels(real_data_dir / "ptbxl")
    assert len(labels) == 1624
    assert labels[24].tolist() == [1, 0, 0, 0, 0]  # {'NORM': 100.0, 'SR': 0.0}: SR is a rhythm, not diagnostic
    counts = np.stack(list(labels.values())).sum(0)
    assert counts[SUPERCLASSES.index("NORM")] > counts[SUPERCLASSES.index("HYP")] > 0
    with pytest.raises(DataFormatError, match="labels.csv"):
        superclass_labels(tmp_path)


@pytest.mark.slow
def test_ptbxl_suite_on_a_tiny_subset(real_data_dir, tmp_path) -> None:
    report = ptbxl_utility_suite("lead_vae_compact", out=tmp_path / "out", root=real_data_dir / "ptbxl", epochs=1,
                                 samples=2, max_train=30, max_val=10, cache_dir=tmp_path / "cache", progress=False)
    on_disk = json.loads((tmp_path / "out" / "lead_vae_compact_ptbxl.json").read_text())
    assert on_disk == json.loads(json.dumps(report))
    assert {"suite", "model", "data", "classifier", "auroc", "leads", "calibration", "examples"} <= set(report)
    assert report["data"]["records"] == {"train": 30, "validation": 10}
    for arm in ARMS:
        a = report["auroc"][arm]
        assert set(a) == {"macro", "per_class", "skipped"}
        assert set(a["per_class"]) | set(a["skipped"]) == set(SUPERCLASSES)
    assert report["classifier"]["macro_auroc_real"] == report["auroc"]["real"]["macro"]
    assert set(report["leads"]) == {"vae", "linear_map"}
    assert set(report["leads"]["vae"]["mse"]) == set(OUTPUT_LEADS)
    assert report["leads"]["vae"]["mean_r_reconstructed"] > 0.5  # the bundled VAE on real records
    assert set(report["examples"]) == {"worst", "median"}
    for name in ("utility", "worst", "median"):
        assert (tmp_path / "out" / f"lead_vae_compact_ptbxl_{name}.png").stat().st_size > 10_000

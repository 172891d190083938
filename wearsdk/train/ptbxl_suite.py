"""The ``ptbxl`` evaluation suite: ``wearsdk evaluate --model lead_vae_compact --suite ptbxl`` runs
:func:`wearsdk.train.lead_utility.ptbxl_utility_suite` (diagnostic utility of the reconstructed 12 leads on
PTB-XL fold 9, and the calibration of the VAE's posterior spread) on ``DATA_ROOT/ptbxl``."""

from __future__ import annotations

from typing import Any

from wearsdk.train.lead_utility import ptbxl_utility_suite
from wearsdk.train.suites import SuiteRequest, register_suite


def ptbxl_suite(request: SuiteRequest) -> dict[str, Any]:
    """Superclass AUROC of a real-12-lead classifier on real, VAE, least-squares and inputs-only leads (PTB-XL)."""
    model: Any = request.model
    if request.checkpoint is not None:
        from wearsdk.models import create_model

        model = create_model(request.model, checkpoint_path=str(request.checkpoint)).eval()
    report = ptbxl_utility_suite(model, out=request.out, root=request.data_root / "ptbxl", seed=request.seed,
                                 max_train=request.limit, max_val=request.limit, progress=request.progress,
                                 write_json=False)
    return {k: v for k, v in report.items() if k not in ("suite", "model")}


register_suite("ptbxl", ptbxl_suite, "lead VAE: superclass AUROC on real vs reconstructed 12 leads (PTB-XL fold 9)")

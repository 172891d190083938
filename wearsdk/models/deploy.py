"""``deploy_form``: the module an ExecuTorch/XNNPACK program is built from.

A model (or a wrapper such as ``WithPreprocessing``) may define ``xnnpack_form()``: an equivalent module (the
same function up to float rounding) laid out the way XNNPACK runs fastest, which names its int8 scheme in
``int8_dynamic`` / ``int8_float``; and ``load_xnnpack_form(form)``, which copies a (fine-tuned) form's weights back
into the model. Every int8 path (:func:`wearsdk.quant.quantize`, quantization-aware fine-tuning, the sensitivity
report) and the ExecuTorch exports build from the form, so what is measured is what is shipped.
"""

from __future__ import annotations

import torch

__all__ = ["deploy_form"]


def deploy_form(model: torch.nn.Module) -> torch.nn.Module:
    """``model.xnnpack_form()`` (in eval mode) where the model has one, else ``model`` itself."""
    make = getattr(model, "xnnpack_form", None)
    return make().eval() if callable(make) else model

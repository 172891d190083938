"""The encoders' deploy form (``wearsdk.models.deploy_form``): the layout ExecuTorch programs are built from."""

import copy

import pytest
import torch

from wearsdk.errors import ConfigError, ShapeError
from wearsdk.models import EfficientNet1dXnnpack, create_model, deploy_form
from wearsdk.quant import int8_config_for


def _trained_like(name: str, **overrides) -> torch.nn.Module:
    """``name`` with random weights and BatchNorm statistics away from the identity (as after training)."""
    model = create_model(name, **overrides)
    gen = torch.Generator().manual_seed(0)
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.3)
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=gen) * 0.2)
    return model.eval()


@pytest.mark.parametrize("name, overrides", [
    ("ecg_encoder_compact", {}),
    ("ppg_encoder_compact", {}),
    ("ppg_encoder_compact", {"se_ratio": 0.25, "act": "silu"}),  # squeeze-excitation over (b, c, t, 1) too
])
def test_deploy_form_computes_the_same_embedding(name, overrides):
    model = _trained_like(name, **overrides)
    form = deploy_form(model)
    assert isinstance(form, EfficientNet1dXnnpack) and not form.training
    x = torch.randn(2, model.config.in_chans, 1024, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        want, got = model(x), form(x)
    assert torch.allclose(got, want, rtol=1e-4, atol=1e-5 * float(want.abs().max()))
    assert not any(isinstance(m, (torch.nn.Conv1d, torch.nn.BatchNorm1d)) for m in form.modules())
    assert isinstance(form.conv_head, torch.nn.Linear)


def test_weights_of_a_tuned_form_load_back_into_the_model():
    model = _trained_like("ecg_encoder_compact")
    form = deploy_form(model)
    with torch.no_grad():
        for p in form.parameters():
            p.add_(0.01 * torch.randn_like(p))
    target = copy.deepcopy(model)
    target.load_xnnpack_form(form)
    x = torch.randn(2, 1, 1024, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        assert torch.allclose(target(x), form(x), atol=1e-5)
        assert not torch.allclose(target(x), model(x), atol=1e-3)  # the tuned weights did arrive


def test_a_form_of_another_encoder_is_refused():
    ecg = create_model("ecg_encoder_compact")
    with pytest.raises(ConfigError, match="this one's config"):
        ecg.load_xnnpack_form(deploy_form(create_model("ppg_encoder_compact")))


def test_int8_scheme_names_layers_of_the_form():
    model = create_model("ecg_encoder_compact")
    config = int8_config_for(model)
    assert config.dynamic == ("conv_head", "embed") and config.keep_float == ()
    layers = dict(deploy_form(model).named_modules())
    assert all(isinstance(layers[n], torch.nn.Linear) for n in config.dynamic)


def test_a_model_without_a_form_is_its_own_form():
    module = torch.nn.Linear(3, 2)
    assert deploy_form(module) is module


def test_the_form_checks_its_input():
    form = deploy_form(create_model("ecg_encoder_compact"))
    with pytest.raises(ShapeError, match=r"\(batch, 1, samples\)"):
        form(torch.zeros(1, 4, 512))


def test_in_graph_preprocessing_keeps_the_encoder_in_its_form():
    """``wearsdk export --with-preprocessing``: the window program behind the C++ op builds from the form too."""
    import wearsdk.signal as ws
    from wearsdk.export import WithPreprocessing

    model = _trained_like("ecg_encoder_compact")
    spec = ws.PreprocessSpec(sampling_rate=256, target_rate=128, low=0.5, high=40.0)
    wrapped = WithPreprocessing(model, spec).eval()
    form = deploy_form(wrapped)
    assert isinstance(form, WithPreprocessing) and isinstance(form.model, EfficientNet1dXnnpack)
    raw = torch.randn(1, 1, 2048, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        assert torch.allclose(form(raw), wrapped(raw), atol=1e-4)

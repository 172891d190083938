"""Every registered model: forward, backward, torch.export, card and config validation."""

from __future__ import annotations

import pytest
import torch

from wearsdk import CheckpointError, ConfigError, ShapeError, UnknownNameError
from wearsdk.models import ModelCard, count_params, create_model, list_models

torch.set_num_threads(1)

EXPECTED = {
    "ppg_encoder_full",
    "ecg_encoder_full",
    "lead_vae_full",
    "ppg_encoder_compact",
    "ecg_encoder_compact",
    "lead_vae_compact",
}


def test_registry_lists_all_models() -> None:
    assert EXPECTED <= set(list_models())
    assert list_models("*_compact") == sorted(n for n in EXPECTED if n.endswith("_compact"))


@pytest.mark.parametrize("name", list_models())
def test_forward_backward_export(name: str) -> None:
    torch.manual_seed(0)
    model = create_model(name)
    card = model.card
    assert isinstance(card, ModelCard) and card.name == name
    assert card.num_params == count_params(model)
    (x,) = model.example_inputs(2)
    assert x.shape == (2, len(card.input_channels), card.window_samples)
    y = model(x)
    if card.task == "embedding":
        assert y.shape == (2, card.embedding_dim)
        feats = model.forward_features(x)
        assert feats.ndim == 3 and feats.shape[0] == 2
    else:
        assert y.shape == (2, len(card.output_channels), card.window_samples)
        z = model.forward_features(x)
        assert z.shape == (2, card.embedding_dim, model.config.latent_samples)
    torch.testing.assert_close(model.forward_head(model.forward_features(x)), y)
    y.square().mean().backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)

    model.eval()
    with torch.no_grad():
        expected = model(x)
    program = torch.export.export(model, (x,))
    torch.testing.assert_close(program.module()(x), expected, rtol=1e-4, atol=1e-4)


def test_parameter_budgets() -> None:
    ppg = create_model("ppg_encoder_full").card.num_params
    ecg = create_model("ecg_encoder_full").card.num_params
    assert 2.7e6 <= ppg <= 3.3e6
    assert 2.2e6 <= ecg <= 2.8e6
    assert create_model("ppg_encoder_compact").card.num_params <= 0.1 * ppg
    assert create_model("ecg_encoder_compact").card.num_params <= 0.1 * ecg
    assert create_model("lead_vae_compact").card.num_params <= 1_000_000


def test_no_same_padding_anywhere() -> None:
    for name in list_models():
        for module in create_model(name).modules():
            if isinstance(module, torch.nn.Conv1d):
                assert isinstance(module.padding, tuple), (name, module)


def test_unknown_override_is_rejected_naming_the_key() -> None:
    with pytest.raises(ConfigError, match="widht"):
        create_model("ppg_encoder_full", widht=3)


@pytest.mark.parametrize(
    ("name", "overrides", "key"),
    [
        ("ppg_encoder_full", {"embed_dim": 0}, "embed_dim"),
        ("ppg_encoder_full", {"stem_kernel": 4}, "kernel_size"),
        ("ecg_encoder_full", {"in_chans": 2}, "channel_names"),
        ("lead_vae_full", {"window_samples": 1001}, "window_samples"),
        ("lead_vae_compact", {"attn_heads": 5}, "attn_heads"),
        ("ppg_encoder_compact", {"act": "gelu"}, "act"),
        ("ecg_encoder_compact", {"stem_stride": 3}, "stem_stride"),
    ],
)
def test_impossible_values_are_rejected(name: str, overrides: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        create_model(name, **overrides)


def test_activation_and_stem_stride_options() -> None:
    model = create_model("ppg_encoder_full", act="relu", se_ratio=0.0, stem_stride=4).eval()
    acts = {type(m) for m in model.modules() if isinstance(m, (torch.nn.ReLU, torch.nn.SiLU))}
    assert acts == {torch.nn.ReLU}
    assert model.config.total_stride == 2 * create_model("ppg_encoder_full").config.total_stride
    x = torch.randn(2, 4, 3840)
    assert model.forward_features(x).shape[-1] == -(-3840 // model.config.total_stride)
    assert model(x).shape == (2, 256)


def test_unknown_model_and_missing_weights() -> None:
    with pytest.raises(UnknownNameError, match="ppg_encoder_full"):
        create_model("ppg_encoder_fulll")
    with pytest.raises(CheckpointError, match="no published pretrained weights"):
        create_model("ecg_encoder_full", pretrained=True)  # teachers are reproduced by the trainer, not shipped


def test_wrong_input_shape_says_what_was_expected() -> None:
    model = create_model("lead_vae_compact")
    with pytest.raises(ShapeError, match="II"):
        model(torch.zeros(1, 12, 1000))


def test_checkpoint_roundtrip_and_mismatch(tmp_path) -> None:
    model = create_model("ecg_encoder_compact")
    path = tmp_path / "w.pt"
    torch.save({"model": {f"module.{k}": v for k, v in model.state_dict().items()}}, path)
    loaded = create_model("ecg_encoder_compact", checkpoint_path=path)
    for a, b in zip(model.state_dict().values(), loaded.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b)
    with pytest.raises(CheckpointError, match="does not match"):
        create_model("ppg_encoder_compact", checkpoint_path=path)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="corrupt"):
        create_model("ecg_encoder_compact", checkpoint_path=path)


def test_unknown_model_name_lists_close_matches() -> None:
    import wearsdk

    with pytest.raises(UnknownNameError, match=r"did you mean \['ppg_encoder_compact'"):
        wearsdk.create_model("ppg_encoder_compat")
    with pytest.raises(UnknownNameError, match="Expected one of") as info:
        wearsdk.create_model("zzz")
    assert "did you mean" not in str(info.value)

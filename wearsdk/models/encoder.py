"""EfficientNet-style 1-D encoders for PPG and ECG (full teachers and compact students).

Reference: Abbaspourazad, Elachqar, Miller, Emrani, Nguyen, Mahasseni, Sapiro, Zhou (Apple),
"Large-scale Training of Foundation Models for Wearable Biosignals", ICLR 2024. The encoders there are
EfficientNet-style 1-D CNNs (MBConv blocks with squeeze-excitation; Tan & Le, ICML 2019) producing a 256-d
embedding, trained self-supervised with a 128-d projection head that is dropped after training.

Inputs are ``(batch, channels, samples)`` after the preprocessing in the model card (band-pass, then z-score
per channel and window):

* ``ppg_encoder_*``: 4 PPG channels, 60 s at 64 Hz = 3840 samples;
* ``ecg_encoder_*``: 1 ECG lead (watch lead I), 30 s at 128 Hz = 3840 samples.

The network is fully convolutional with global average pooling, so other lengths run too, but embeddings are
only meaningful for the window in the card.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from wearsdk.errors import ConfigError, ShapeError
from wearsdk.models._config import replace_checked, to_plain_dict
from wearsdk.models._registry import register_model
from wearsdk.models.blocks import ACTIVATIONS, ConvBnAct1d, MBConv1d, static_padding
from wearsdk.models.card import ModelCard, Preprocessing
from wearsdk.signal import SignalSpec

__all__ = ["EncoderConfig", "EfficientNet1d", "EfficientNet1dXnnpack", "ProjectionHead", "count_params"]

_PAPER = (
    "Abbaspourazad et al., 'Large-scale Training of Foundation Models for Wearable Biosignals', ICLR 2024; "
    "Tan & Le, 'EfficientNet', ICML 2019"
)
_RECIPE = (
    "self-supervised: participant-level positive pairs, augmentations (cut-out, magnitude warp, time warp, "
    "Gaussian noise, channel permutation for PPG), InfoNCE (tau 0.04) + KoLeo (0.1) on the 128-d projection, "
    "EMA (0.99) target encoder (wearsdk.train, configs ppg_ssl / ecg_ssl)"
)


@dataclass(frozen=True)
class EncoderConfig:
    """Architecture of an :class:`EfficientNet1d`.

    Attributes:
        in_chans: input channels (4 PPG channels, or 1 ECG lead).
        channel_names: names of the input channels, ``len == in_chans``.
        sampling_rate_hz: sampling rate the model is trained for, in Hz.
        window_samples: input window length in samples.
        stem_chs: channels of the stem conv (kernel ``stem_kernel``, stride ``stem_stride``).
        stem_kernel: odd kernel size of the stem conv.
        stem_stride: stride of the stem conv (2 as in EfficientNet; 4 halves the cost of every later layer).
        stages: one ``(expand_ratio, kernel, stride, out_chs, repeats)`` tuple per stage; the first block of a
            stage has the stride, the others stride 1.
        head_chs: channels of the final 1x1 conv before pooling (``forward_features`` output channels).
        embed_dim: size of the embedding returned by ``forward`` / ``forward_head``.
        se_ratio: squeeze-excitation reduction relative to each block's input channels (0 disables SE).
        act: activation of every conv block (:data:`wearsdk.models.blocks.ACTIVATIONS`: silu, relu, hardswish).
        drop_path_rate: stochastic-depth rate, linearly increasing to this value over the blocks.
        dropout: dropout before the embedding projection.
    """

    in_chans: int
    channel_names: tuple[str, ...]
    sampling_rate_hz: float
    window_samples: int
    stem_chs: int = 32
    stem_kernel: int = 7
    stem_stride: int = 2
    stages: tuple[tuple[float, int, int, int, int], ...] = ()
    head_chs: int = 512
    embed_dim: int = 256
    se_ratio: float = 0.25
    act: str = "silu"
    drop_path_rate: float = 0.0
    dropout: float = 0.0

    def __post_init__(self) -> None:
        for key in ("in_chans", "window_samples", "stem_chs", "head_chs", "embed_dim"):
            value = getattr(self, key)
            if not isinstance(value, int) or value <= 0:
                raise ConfigError(f"EncoderConfig.{key}: expected a positive integer, got {value!r}.")
        if self.sampling_rate_hz <= 0:
            raise ConfigError(f"EncoderConfig.sampling_rate_hz: expected > 0 Hz, got {self.sampling_rate_hz!r}.")
        if len(self.channel_names) != self.in_chans:
            raise ConfigError(
                f"EncoderConfig.channel_names: expected {self.in_chans} names (in_chans), got "
                f"{len(self.channel_names)}: {self.channel_names!r}."
            )
        static_padding(self.stem_kernel)
        if self.stem_stride not in (1, 2, 4):
            raise ConfigError(f"EncoderConfig.stem_stride: expected 1, 2 or 4, got {self.stem_stride!r}.")
        if self.act not in ACTIVATIONS:
            raise ConfigError(f"EncoderConfig.act: expected one of {sorted(ACTIVATIONS)}, got {self.act!r}.")
        if not self.stages:
            raise ConfigError("EncoderConfig.stages: expected at least one stage tuple, got none.")
        for i, stage in enumerate(self.stages):
            if len(stage) != 5:
                raise ConfigError(
                    f"EncoderConfig.stages[{i}]: expected (expand_ratio, kernel, stride, out_chs, repeats), "
                    f"got {stage!r}."
                )
            expand, kernel, stride, out_chs, repeats = stage
            static_padding(int(kernel))
            if expand < 1 or stride not in (1, 2) or out_chs <= 0 or repeats <= 0:
                raise ConfigError(
                    f"EncoderConfig.stages[{i}]: expected expand_ratio >= 1, stride 1 or 2, out_chs > 0, "
                    f"repeats > 0; got {stage!r}."
                )
        if not 0 <= self.se_ratio < 1:
            raise ConfigError(f"EncoderConfig.se_ratio: expected 0 <= se_ratio < 1, got {self.se_ratio!r}.")
        if not 0 <= self.drop_path_rate < 1 or not 0 <= self.dropout < 1:
            raise ConfigError(
                f"EncoderConfig.drop_path_rate / dropout: expected values in [0, 1), got "
                f"{self.drop_path_rate!r} / {self.dropout!r}."
            )

    @property
    def total_stride(self) -> int:
        """Downsampling factor from input samples to ``forward_features`` time steps."""
        s = self.stem_stride
        for stage in self.stages:
            s *= stage[2]
        return s


def _check_input(config: EncoderConfig, x: torch.Tensor) -> None:
    """Raise :class:`ShapeError` unless ``x`` is ``(batch, config.in_chans, samples)``."""
    if x.ndim != 3 or x.shape[1] != config.in_chans:
        raise ShapeError(
            f"expected input (batch, {config.in_chans}, samples) with channels {config.channel_names}, got shape "
            f"{tuple(x.shape)}."
        )


class EfficientNet1d(nn.Module):
    """EfficientNet-style 1-D CNN encoder.

    ``forward(x)``: ``(batch, in_chans, samples)`` -> embedding ``(batch, embed_dim)``.
    ``forward_features(x)``: -> feature map ``(batch, head_chs, ceil(samples / total_stride))``.
    ``forward_head(features)``: feature map -> embedding (global average pool, dropout, linear).
    """

    def __init__(self, config: EncoderConfig, card: ModelCard | None = None) -> None:
        super().__init__()
        self.config = config
        self.num_features = config.embed_dim
        self.stem = ConvBnAct1d(
            config.in_chans, config.stem_chs, config.stem_kernel, config.stem_stride, act=config.act
        )
        n_blocks = sum(int(s[4]) for s in config.stages)
        blocks: list[nn.Module] = []
        in_chs, idx = config.stem_chs, 0
        for expand, kernel, stride, out_chs, repeats in config.stages:
            for r in range(int(repeats)):
                dp = config.drop_path_rate * idx / max(1, n_blocks - 1)
                blocks.append(
                    MBConv1d(
                        in_chs,
                        int(out_chs),
                        int(kernel),
                        int(stride) if r == 0 else 1,
                        expand,
                        config.se_ratio,
                        dp,
                        config.act,
                    )
                )
                in_chs, idx = int(out_chs), idx + 1
        self.blocks = nn.Sequential(*blocks)
        self.conv_head = ConvBnAct1d(in_chs, config.head_chs, 1, act=config.act)
        self.dropout = nn.Dropout(config.dropout)
        self.embed = nn.Linear(config.head_chs, config.embed_dim)
        self.card = card
        self._init_weights()

    def _init_weights(self) -> None:
        # EfficientNet initialisation (He fan-out for convs) keeps activations O(1) through the depth, so the
        # eval-mode network is well conditioned from the first step (PyTorch's default shrinks them ~3x/layer).
        for m in self.modules():
            if isinstance(m, nn.Conv1d):
                fan_out = m.kernel_size[0] * m.out_channels // m.groups  # per group, as for depthwise convs
                nn.init.normal_(m.weight, 0.0, (2.0 / fan_out) ** 0.5)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=m.in_features**-0.5)
                nn.init.zeros_(m.bias)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, in_chans, samples)`` -> ``(batch, head_chs, ceil(samples / total_stride))``."""
        _check_input(self.config, x)
        return self.conv_head(self.blocks(self.stem(x)))

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        """Feature map ``(batch, head_chs, steps)`` -> embedding ``(batch, embed_dim)``."""
        return self.embed(self.dropout(features.mean(dim=-1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))

    def example_inputs(self, batch: int = 1) -> tuple[torch.Tensor]:
        """Inputs of the card's shape, for export: ``((batch, in_chans, window_samples),)``."""
        return (torch.randn(batch, self.config.in_chans, self.config.window_samples),)

    def xnnpack_form(self) -> EfficientNet1dXnnpack:
        """This encoder laid out for XNNPACK (:class:`EfficientNet1dXnnpack`, a copy: same function)."""
        return EfficientNet1dXnnpack(self)

    def load_xnnpack_form(self, form: EfficientNet1dXnnpack) -> None:
        """Copies the weights of ``form`` (e.g. after quantization-aware fine-tuning) into this encoder, in place.
        ``conv_head`` gets the form's folded linear as its convolution and an identity BatchNorm."""
        if not isinstance(form, EfficientNet1dXnnpack) or form.config != self.config:
            raise ConfigError("load_xnnpack_form: expected the xnnpack_form() of an encoder with this one's config "
                              f"({self.config.in_chans} channels, head {self.config.head_chs}), got "
                              f"{type(form).__name__}.")
        state = {k: v.squeeze(-1) if k.endswith("weight") and v.ndim == 4 else v
                 for k, v in form.state_dict().items() if not k.startswith("conv_head.")}
        conv, norm = self.conv_head[0], self.conv_head[1]
        with torch.no_grad():
            conv.weight.copy_(form.conv_head.weight[..., None])
            norm.weight.fill_(1.0)
            norm.bias.copy_(form.conv_head.bias)
            norm.running_mean.zero_()
            norm.running_var.fill_(1.0 - norm.eps)  # (x - 0) / sqrt(var + eps) = x
        self.load_state_dict({**self.state_dict(), **state})


def _as_conv2d(module: nn.Module) -> None:
    """Replaces, in place and recursively, each ``Conv1d`` / ``BatchNorm1d`` by the same layer in 2-D over
    ``(batch, channels, samples, 1)`` (kernel ``(k, 1)``), with the same weights."""
    for name, child in module.named_children():
        if isinstance(child, nn.Conv1d):
            conv = nn.Conv2d(child.in_channels, child.out_channels, (child.kernel_size[0], 1), (child.stride[0], 1),
                             (child.padding[0], 0), groups=child.groups, bias=child.bias is not None)
            with torch.no_grad():
                conv.weight.copy_(child.weight[..., None])
                if child.bias is not None:
                    conv.bias.copy_(child.bias)
            setattr(module, name, conv)
        elif isinstance(child, nn.BatchNorm1d):
            norm = nn.BatchNorm2d(child.num_features, child.eps, child.momentum)
            norm.load_state_dict(child.state_dict())
            setattr(module, name, norm)
        else:
            _as_conv2d(child)


class EfficientNet1dXnnpack(nn.Module):
    """An :class:`EfficientNet1d` laid out for XNNPACK, with the same function (to float rounding):

    * every convolution 2-D over ``(batch, channels, samples, 1)``, one layout from the stem to the pool. XNNPACK
      runs 1-D convolutions as 2-D ones behind a reshape, which keeps its channels-last pass from cancelling the
      NCHW <-> NHWC transposes around each one (48 per call for the compact encoders);
    * ``conv_head`` (1x1 conv + BatchNorm + activation) as a ``Linear`` with the BatchNorm folded in, applied per
      time step, so that it can take dynamic int8 like ``embed``: int8 weights, the input's scale computed per
      time step at run time, a float output. Its output channels differ in range; one static output scale
      rounded away what the AF head reads (it was kept in float before, 41 KB of the int8 ``.pte``).

    ``forward(x)``: ``(batch, in_chans, samples)`` -> ``(batch, embed_dim)``, the source's eval-mode function (its
    dropout before ``embed`` is left out). Built by :meth:`EfficientNet1d.xnnpack_form`; module names are the
    source's (``stem.0``, ``blocks.3.expand.0``, ...) except ``conv_head``, now the folded linear.
    """

    # the int8 scheme (wearsdk.quant.int8_config_for): the two per-time-step / per-window linears dynamic, the
    # rest static. ECG student, 64 held-out simulated windows: embedding cosine 0.99929 vs 0.99929 with
    # conv_head in float (its previous scheme); the final linear's 256 outputs span ~100x in range, and one
    # static output scale cost the heads 0.02-0.04 of HR R^2 / AF AUROC.
    int8_dynamic = ("conv_head", "embed")
    int8_float: tuple[str, ...] = ()

    def __init__(self, source: EfficientNet1d) -> None:
        super().__init__()
        self.config, self.card = source.config, source.card
        self.stem, self.blocks = copy.deepcopy(source.stem), copy.deepcopy(source.blocks)
        _as_conv2d(self.stem)
        _as_conv2d(self.blocks)
        conv, norm = source.conv_head[0], source.conv_head[1]
        self.conv_head = nn.Linear(conv.in_channels, conv.out_channels)
        with torch.no_grad():
            scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
            self.conv_head.weight.copy_(conv.weight[..., 0] * scale[:, None])
            self.conv_head.bias.copy_(norm.bias - norm.running_mean * scale)
        self.head_act = copy.deepcopy(source.conv_head[2])
        self.embed = copy.deepcopy(source.embed)
        self.train(source.training)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_input(self.config, x)
        h = self.blocks(self.stem(x.unsqueeze(-1)))  # (batch, channels, steps, 1)
        h = self.head_act(self.conv_head(h.squeeze(-1).transpose(1, 2)))  # (batch, steps, head_chs)
        return self.embed(h.mean(dim=1))


class ProjectionHead(nn.Module):
    """Training-only MLP from the embedding to the contrastive projection.

    ``(batch, in_dim) -> (batch, out_dim)``; Linear -> BatchNorm -> SiLU -> Linear. Not part of the exported
    encoder: it is dropped after self-supervised training (Abbaspourazad et al., ICLR 2024: 256-d embedding,
    128-d projection).
    """

    def __init__(self, in_dim: int = 256, hidden_dim: int = 512, out_dim: int = 128) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_dim, hidden_dim, bias=False),
            nn.BatchNorm1d(hidden_dim),
            nn.SiLU(),
            nn.Linear(hidden_dim, out_dim),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def count_params(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


_PPG = dict(
    in_chans=4,
    channel_names=("ppg_green_1", "ppg_green_2", "ppg_red", "ppg_infrared"),
    sampling_rate_hz=64.0,
    window_samples=3840,
)
_ECG = dict(in_chans=1, channel_names=("I",), sampling_rate_hz=128.0, window_samples=3840)

# stages: (expand_ratio, kernel, stride, out_chs, repeats)
_FULL_LAYOUT = ((1, 5, 1, 1), (4, 7, 2, 2), (4, 7, 2, 2), (4, 5, 2, 3), (4, 5, 1, 3), (4, 5, 2, 3), (4, 3, 1, 1))


def _full_stages(widths: tuple[int, ...]) -> tuple[tuple[int, int, int, int, int], ...]:
    """The full encoders' stages: one layout, with ``widths`` as each stage's ``out_chs``."""
    return tuple((e, k, s, w, r) for (e, k, s, r), w in zip(_FULL_LAYOUT, widths, strict=True))


_PPG_FULL_STAGES = _full_stages((24, 40, 64, 112, 160, 208, 288))
_ECG_FULL_STAGES = _full_stages((24, 40, 64, 104, 144, 192, 256))
_COMPACT_STAGES = (
    (1, 5, 1, 16, 1),
    (3, 7, 2, 24, 1),
    (3, 7, 2, 32, 2),
    (3, 5, 2, 48, 2),
    (3, 5, 2, 64, 2),
)

_INT8_FRIENDLY = dict(act="relu", se_ratio=0.0)

_DEFAULTS: dict[str, dict[str, Any]] = {
    "ppg_encoder_full": dict(_PPG, stem_chs=32, stages=_PPG_FULL_STAGES, head_chs=512, embed_dim=256),
    "ecg_encoder_full": dict(_ECG, stem_chs=32, stages=_ECG_FULL_STAGES, head_chs=448, embed_dim=256),
    # compact: ReLU and no squeeze-excitation: ExecuTorch int8 (XNNPACK) 2.2-3.0x faster than SiLU + SE, whose
    # sigmoid gate and multiply leave the int8 chain (docs/reports/<modality>_encoder_arch_sweep.json)
    "ppg_encoder_compact": dict(
        _PPG, stem_chs=16, stages=_COMPACT_STAGES, head_chs=192, embed_dim=256, **_INT8_FRIENDLY
    ),
    "ecg_encoder_compact": dict(
        _ECG, stem_chs=16, stages=_COMPACT_STAGES, head_chs=160, embed_dim=256, **_INT8_FRIENDLY
    ),
}


_MODALITY = {"ppg_encoder_full": "ppg", "ecg_encoder_full": "ecg", "ppg_encoder_compact": "ppg",
             "ecg_encoder_compact": "ecg"}

_PREPROCESSING = {
    "ppg": Preprocessing(band_hz=(0.5, 8.0), filter_order=4, normalisation="zscore_per_channel"),
    "ecg": Preprocessing(band_hz=(0.5, 40.0), filter_order=4, normalisation="zscore_per_channel"),
}


def _create_encoder(variant: str, **overrides: Any) -> EfficientNet1d:
    config = replace_checked(EncoderConfig(**_DEFAULTS[variant]), overrides)
    model = EfficientNet1d(config)
    modality = _MODALITY[variant]
    model.card = ModelCard(
        name=variant,
        version="0.1.0",
        task="embedding",
        signal=SignalSpec(modality=modality, sampling_rate_hz=config.sampling_rate_hz,
                          channels=config.channel_names, units="z"),
        window_samples=config.window_samples,
        hop_samples=config.window_samples // 2,
        preprocessing=_PREPROCESSING[modality],
        embedding_dim=config.embed_dim,
        num_params=count_params(model),
        recipe=_RECIPE if variant.endswith("_full") else "distilled from the full encoder (distillation issue)",
        paper=_PAPER,
        config=to_plain_dict(config),
    )
    return model


@register_model
def ppg_encoder_full(**overrides: Any) -> EfficientNet1d:
    """PPG foundation encoder (teacher): 4 x 3840 (60 s at 64 Hz) -> 256-d, ~3M parameters."""
    return _create_encoder("ppg_encoder_full", **overrides)


@register_model
def ecg_encoder_full(**overrides: Any) -> EfficientNet1d:
    """ECG foundation encoder (teacher): 1 x 3840 (30 s at 128 Hz, lead I) -> 256-d, ~2.5M parameters."""
    return _create_encoder("ecg_encoder_full", **overrides)


@register_model
def ppg_encoder_compact(**overrides: Any) -> EfficientNet1d:
    """Compact PPG encoder (student, <= 10% of the teacher's parameters): 4 x 3840 -> 256-d."""
    return _create_encoder("ppg_encoder_compact", **overrides)


@register_model
def ecg_encoder_compact(**overrides: Any) -> EfficientNet1d:
    """Compact ECG encoder (student, <= 10% of the teacher's parameters): 1 x 3840 -> 256-d."""
    return _create_encoder("ecg_encoder_compact", **overrides)

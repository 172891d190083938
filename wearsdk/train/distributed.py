"""torchrun / DistributedDataParallel plumbing (NCCL on GPUs, gloo on CPU).

``torchrun --nproc_per_node N -m wearsdk train ...`` sets ``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE``;
:func:`setup` reads them and initialises the process group. Batch-coupled layers (BatchNorm, the contrastive
batch) are made global so that N processes compute what one process with the same global batch computes:
:class:`GlobalBatchNorm1d` all-reduces its statistics on any backend (torch's ``SyncBatchNorm`` is GPU-only)
and :func:`gather_with_grad` concatenates a tensor from all ranks with gradients flowing back to each.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

__all__ = [
    "DistInfo",
    "setup",
    "teardown",
    "is_distributed",
    "GlobalBatchNorm1d",
    "convert_batchnorm",
    "gather_with_grad",
    "gather_nograd",
    "all_reduce_mean",
]


@dataclass(frozen=True)
class DistInfo:
    """This process's place: ``rank`` of ``world`` processes, ``local_rank`` on its node, and its device."""

    rank: int
    world: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def setup(device: str = "auto") -> DistInfo:
    """Pick the device (``auto``: CUDA when present) and join the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() if device == "auto" else device == "cuda"
    if use_cuda and not torch.cuda.is_available():
        from wearsdk.errors import ConfigError

        raise ConfigError("device: 'cuda' was asked for but torch sees no CUDA device; use device=auto or cpu.")
    dev = torch.device("cuda", local_rank) if use_cuda else torch.device("cpu")
    if use_cuda:
        torch.cuda.set_device(dev)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo", rank=rank, world_size=world)
    return DistInfo(rank=rank, world=world, local_rank=local_rank, device=dev)


def teardown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


class _AllReduceSum(torch.autograd.Function):
    """Differentiable all-reduce (sum): the gradient of every rank's input is the sum of all ranks' gradients."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        y = x.clone()
        dist.all_reduce(y)
        return y

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        grad = grad.clone()
        dist.all_reduce(grad)
        return grad


class GlobalBatchNorm1d(nn.BatchNorm1d):
    """BatchNorm1d whose training statistics span all processes (any backend, differentiable).

    Single process: exactly ``nn.BatchNorm1d``. Under DDP in training mode, the per-channel sums of ``x`` and the
    counts are all-reduced, then the sums of squared deviations from the global mean (each a differentiable sum
    whose backward all-reduces the gradients), so forward and backward equal those of one process holding the
    global batch.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training and is_distributed()):
            return super().forward(x)
        dims = [0, 2] if x.ndim == 3 else [0]
        c = x.shape[1]
        shape = (1, c, 1) if x.ndim == 3 else (1, c)
        count = x.new_tensor([x.numel() / c])
        stats = _AllReduceSum.apply(torch.cat([x.sum(dims), count]))
        n = stats[-1]
        mean = stats[:c] / n
        # two passes, as one process computes it: E[x^2] - E[x]^2 loses the variance of channels whose mean is
        # large against their spread (ReLU outputs), and the runs then drift apart
        var = _AllReduceSum.apply((x - mean.view(shape)).square().sum(dims)) / n
        if self.track_running_stats and self.running_mean is not None:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                m = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
                self.running_mean.mul_(1 - m).add_(mean.detach(), alpha=m)
                self.running_var.mul_(1 - m).add_(var.detach() * n / (n - 1), alpha=m)
        y = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        if self.affine:
            y = y * self.weight.view(shape) + self.bias.view(shape)
        return y


def convert_batchnorm(module: nn.Module) -> nn.Module:
    """Replace every ``nn.BatchNorm1d`` by a :class:`GlobalBatchNorm1d` sharing its parameters and buffers
    (state-dict keys unchanged, so checkpoints load into plain models)."""
    for name, child in module.named_children():
        if type(child) is nn.BatchNorm1d:
            new = GlobalBatchNorm1d(
                child.num_features, child.eps, child.momentum, child.affine, child.track_running_stats
            )
            new.load_state_dict(child.state_dict())
            new.to(next(child.parameters(), child.running_mean).device)
            setattr(module, name, new)
        else:
            convert_batchnorm(child)
    return module


class _GatherWithGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        parts = [torch.empty_like(x) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, x.contiguous())
        ctx.rank, ctx.n = dist.get_rank(), x.shape[0]
        return torch.cat(parts)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        grad = grad.contiguous()
        dist.all_reduce(grad)
        return grad[ctx.rank * ctx.n : (ctx.rank + 1) * ctx.n]


def gather_with_grad(x: torch.Tensor) -> torch.Tensor:
    """Concatenate ``x (n, ...)`` of every rank (rank order) with gradients summed back to each rank's slice.
    Every rank then computes the same global loss; DDP's gradient averaging makes the update equal to the
    single-process one. Identity when not distributed."""
    return _GatherWithGrad.apply(x) if is_distributed() else x


@torch.no_grad()
def gather_nograd(x: torch.Tensor) -> torch.Tensor:
    """Concatenate ``x`` of every rank (no gradient). Identity when not distributed."""
    if not is_distributed():
        return x
    parts = [torch.empty_like(x) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, x.contiguous())
    return torch.cat(parts)


@torch.no_grad()
def all_reduce_mean(x: torch.Tensor) -> torch.Tensor:
    """Mean of ``x`` over ranks (a copy). Identity when not distributed."""
    if not is_distributed():
        return x.clone()
    y = x.clone()
    dist.all_reduce(y)
    return y / dist.get_world_size()

"""``wearsdk bench profile``: where an ExecuTorch program spends its time, op by op.

The program runs under ExecuTorch's devtools (the pybindings' ETDump, read back by
``executorch.devtools.Inspector``): each XNNPACK op inside a delegate call and each portable kernel outside one
gets its median time per call. The program's instruction list (read from the ``.pte`` itself) gives the
delegate split; the quantize/dequantize boundaries are the XNNPACK ``Convert`` ops and the portable
``quantize_*`` / ``dequantize_*`` kernels of one call. MACs and bytes per window come from the eager model of the
artifact's card (one pass with hooks on every convolution and linear layer), and the achieved GMAC/s from the
program's median call time: a roofline line.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from wearsdk.errors import ArtifactIntegrityError, ConfigError

__all__ = ["profile_program", "profile_artifact", "macs_and_bytes", "program_ops", "one_thread"]

_INSTANCE = re.compile(r"\s*#\d+$")  # XNNPACK names each op instance "Convolution (NHWC, QS8) IGEMM #3"
_QDQ = re.compile(r"^(Convert \(|\w+::(quantize_|dequantize_|choose_qparams))")


@contextmanager
def one_thread() -> Iterator[None]:
    """Torch and ExecuTorch's XNNPACK threadpool on one thread inside the block (the pybindings' pool otherwise
    takes every core), restored after."""
    from executorch.extension.pybindings import portable_lib

    torch_threads, et_threads = torch.get_num_threads(), portable_lib._threadpool_get_thread_count()
    torch.set_num_threads(1)
    portable_lib._unsafe_reset_threadpool(1)
    try:
        yield
    finally:
        torch.set_num_threads(torch_threads)
        portable_lib._unsafe_reset_threadpool(et_threads)


def program_ops(pte: str | Path) -> dict[str, Any]:
    """The static split of the ``.pte``'s ``forward``: ``delegate_calls`` (per backend),
    ``portable_calls`` (kernel name -> calls per run, outside any delegate), ``kernels`` (those kernel names in
    execution order) and ``instructions``."""
    from executorch.exir._serialize._program import deserialize_pte_binary
    from executorch.exir.schema import DelegateCall, KernelCall

    program = deserialize_pte_binary(Path(pte).read_bytes()).program
    plan = next(p for p in program.execution_plan if p.name == "forward")
    delegates: dict[str, int] = {}
    portable: dict[str, int] = {}
    kernels: list[str] = []
    instructions = plan.chains[0].instructions
    for ins in instructions:
        args = ins.instr_args
        if isinstance(args, DelegateCall):
            backend = plan.delegates[args.delegate_index].id
            delegates[backend] = delegates.get(backend, 0) + 1
        elif isinstance(args, KernelCall):
            op = plan.operators[args.op_index]
            name = f"{op.name}.{op.overload}" if op.overload else op.name
            portable[name] = portable.get(name, 0) + 1
            kernels.append(name)
    return {"delegate_calls": delegates, "portable_calls": portable, "kernels": kernels,
            "instructions": len(instructions)}


def macs_and_bytes(model: torch.nn.Module, x: torch.Tensor, *, bytes_per_element: int) -> dict[str, int]:
    """Multiply-accumulates of every ``Conv1d/Conv2d/Linear`` of one forward pass of ``model`` on ``x`` and the
    bytes those layers move if each reads its input and weights and writes its output once
    (``bytes_per_element``: 1 for int8, 4 for fp32). Other ops (activations, pooling, SE gates) are not counted."""
    totals = {"macs": 0, "bytes": 0, "weight_bytes": 0}

    def hook(module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        w = module.weight
        totals["macs"] += out.numel() * w[0].numel()  # one output: in_channels / groups * kernel MACs
        totals["weight_bytes"] += w.numel() * bytes_per_element
        totals["bytes"] += (inputs[0].numel() + w.numel() + out.numel()) * bytes_per_element

    layers = (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Linear)
    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, layers)]
    try:
        with torch.no_grad():
            model.eval()(x)
    finally:
        for h in handles:
            h.remove()
    return totals


def _events(pte: Path, inputs: list[torch.Tensor], runs: int) -> tuple[list[Any], float]:
    """The Inspector's events of ``runs`` calls of the program and the median ``Method::execute`` ms."""
    from executorch.devtools import Inspector
    from executorch.extension.pybindings import portable_lib

    from wearsdk._native import load_executorch_kernels

    load_executorch_kernels()
    module = portable_lib._load_for_executorch(str(pte), enable_etdump=True, debug_buffer_size=0)
    for _ in range(runs):
        module.forward(inputs)
    if not module.has_etdump():
        raise ConfigError("these ExecuTorch pybindings were built without ETDump (EXECUTORCH_ENABLE_EVENT_TRACER); "
                          "wearsdk bench profile needs them: install executorch with devtools.")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.etdp"
        module.write_etdump_result_to_file(str(path))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # no ETRecord / debug buffer: the Inspector warns about both
            inspector = Inspector(etdump_path=str(path))
    events = [e for block in inspector.event_blocks if block.name == "Execute" for e in block.events]
    total = next((e for e in events if e.name == "Method::execute"), None)
    if total is None or total.perf_data is None:
        raise ConfigError(f"the ETDump of {pte.name} holds no Method::execute timing; profiling needs an ETDump "
                          "with profiling events.")
    return events, statistics.median(total.perf_data.raw)


def _kind(event: Any, backend: str) -> str | None:
    """``backend`` (the program's delegate, e.g. ``XnnpackBackend``: the ETDump alone does not name it) for an
    op inside a delegate, ``portable`` for a kernel call outside one (``OPERATOR_CALL``: every kernel has one,
    custom ops included), ``delegate`` for a whole delegate call; ``None`` for what repeats those times
    (``native_call_*`` inside an operator call, ``Method::execute``)."""
    if event.name == "DELEGATE_CALL":
        return "delegate"
    if event.is_delegated_op:
        return event.delegate_backend_name or backend
    if event.name == "OPERATOR_CALL":
        return "portable"
    return None


def profile_program(pte: str | Path, inputs: list[torch.Tensor], *, runs: int = 30,
                    model: torch.nn.Module | None = None, model_input: torch.Tensor | None = None,
                    bytes_per_element: int = 4) -> dict[str, Any]:
    """Profiles ``runs`` calls of the ``.pte``'s ``forward`` on ``inputs``.

    Returns ``method_ms`` (median per call), ``ops``: one row per op kind (``name``, ``kind``: the delegate's
    backend such as ``XnnpackBackend``, or ``portable``; ``instances`` per call, ``ms`` summed medians per call,
    ``share`` of ``method_ms``), sorted by time; ``delegate_ms`` / ``portable_ms``, ``qdq_boundaries``
    (quantize/dequantize/convert ops per call), the static split of :func:`program_ops`, and with ``model``
    (the eager model fed ``model_input``, one window): ``macs``, ``bytes``, ``gmac_per_s``. Times are ETDump's,
    on one thread (:func:`one_thread`)."""
    pte = Path(pte)
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise ConfigError(f"profile_program: runs must be a positive number of calls, got {runs!r}.")
    split = program_ops(pte)
    backend = "+".join(split["delegate_calls"]) or "delegate"
    with one_thread():
        events, method_ms = _events(pte, [t.contiguous() for t in inputs], runs)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    by_kind = {"delegate": 0.0, "portable": 0.0}
    qdq = 0
    kernels = iter(split["kernels"])  # the OPERATOR_CALL events come in the program's kernel order
    for e in events:
        kind = _kind(e, backend)
        if kind is None or e.perf_data is None:
            continue
        ms = statistics.median(e.perf_data.raw)
        name = next(kernels, "unknown kernel") if kind == "portable" else _INSTANCE.sub("", e.name)
        if kind in by_kind:
            by_kind[kind] += ms
        if kind == "delegate":
            continue
        qdq += bool(_QDQ.match(name))
        row = rows.setdefault((name, kind), {"name": name, "kind": kind, "instances": 0, "ms": 0.0})
        row["instances"] += 1
        row["ms"] += ms
    ops = sorted(rows.values(), key=lambda r: -r["ms"])
    for row in ops:
        row["share"] = row["ms"] / method_ms
    result = {"pte": pte.name, "runs": runs, "method_ms": method_ms, "delegate_ms": by_kind["delegate"],
              "portable_ms": by_kind["portable"], "qdq_boundaries": qdq, "ops": ops, **split}
    if model is not None and model_input is not None:
        work = macs_and_bytes(model, model_input, bytes_per_element=bytes_per_element)
        result.update(work, gmac_per_s=work["macs"] / (method_ms * 1e6),
                      macs_per_byte=work["macs"] / work["bytes"])
    return result


def _model_for(artifact: Any) -> tuple[torch.nn.Module | None, torch.Tensor | None]:
    """The eager model of a registered card (its initial weights: MACs do not depend on them) and one window."""
    from wearsdk.models import create_model

    card = artifact.card
    if card is None:
        return None, None
    try:
        model = create_model(card.name)
    except ConfigError:  # a card of a model this registry does not build: no MAC count
        return None, None
    return model, torch.zeros(1, len(card.input_channels), card.window_samples)


def profile_artifact(folder: str | Path, *, runs: int = 30) -> dict[str, Any]:
    """:func:`profile_program` on the ExecuTorch artifact in ``folder`` (checked with
    :func:`wearsdk.runtime.load`) fed zeros shaped as its manifest's inputs (a streaming program: one hop per
    call), plus the artifact's model, precision and streaming flag. MACs are counted for registered models."""
    from wearsdk.runtime import load

    artifact = load(folder)
    if artifact.backend != "executorch":
        raise ArtifactIntegrityError(f"{folder} holds a {artifact.backend} artifact; wearsdk bench profile reads "
                                     "ExecuTorch programs (wearsdk export --backend executorch).")
    pte = artifact.folder / next(f for f in artifact.manifest["files"] if f.endswith(".pte"))
    inputs = [torch.zeros(spec["shape"]) for spec in artifact.inputs]
    model, window = _model_for(artifact)
    precision = artifact.manifest.get("precision", "fp32")
    result = profile_program(pte, inputs, runs=runs, model=model, model_input=window,
                             bytes_per_element=1 if precision == "int8" else 4)
    return {"model": None if artifact.card is None else artifact.card.name, "precision": precision, "threads": 1,
            "streaming": artifact.streaming, "input_shapes": [spec["shape"] for spec in artifact.inputs], **result}

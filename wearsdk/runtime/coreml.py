"""CoreML packages: read by inspection anywhere (``inspect``), predicted only on macOS (``verify_coreml``).

CoreML has no runtime off Apple platforms, so on Linux a package is checked by its spec: inputs, outputs,
states, MIL op types and weight dtypes. ``verify_coreml`` runs the package on the reference inputs written
at export (``reference.npz``) and compares with the eager fp32 outputs; elsewhere it raises
:class:`~wearsdk.errors.BackendUnavailableError` rather than pretend.
"""

from __future__ import annotations

import platform
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from wearsdk.errors import ArtifactIntegrityError, BackendUnavailableError

__all__ = ["describe", "inspect", "verify_coreml"]

_WEIGHT_OPS = {"conv", "conv_transpose", "linear", "matmul"}


def _dtype(name: str) -> str:
    """A proto enum name (``FLOAT16``, ``INT8``) as a numpy-style dtype name (``float16``, ``int8``)."""
    return name.lower()


def _features(features: Any) -> list[dict[str, Any]]:
    """``[{name, shape, dtype}]`` of multi-array feature descriptions (inputs or outputs)."""
    from coremltools.proto import FeatureTypes_pb2

    names = FeatureTypes_pb2.ArrayFeatureType.ArrayDataType
    return [{"name": f.name, "shape": list(f.type.multiArrayType.shape),
             "dtype": _dtype(names.Name(f.type.multiArrayType.dataType))} for f in features]


def _states(spec: Any) -> list[dict[str, Any]]:
    from coremltools.proto import FeatureTypes_pb2

    names = FeatureTypes_pb2.ArrayFeatureType.ArrayDataType
    return [{"name": s.name, "shape": list(s.type.stateType.arrayType.shape),
             "dtype": _dtype(names.Name(s.type.stateType.arrayType.dataType))} for s in spec.description.state]


def _operations(spec: Any) -> list[Any]:
    return [op for f in spec.mlProgram.functions.values() for block in f.block_specializations.values()
            for op in block.operations]


def _weight_dtypes(operations: list[Any]) -> dict[str, int]:
    """How many weights of ``conv`` / ``linear`` / ``matmul`` ops are stored in each dtype: a ``const``
    counts as its own dtype, a ``constexpr_*`` dequantizer as the dtype of its quantized data."""
    from coremltools.proto import MIL_pb2

    def stored(op: Any) -> str:
        if op.type == "const":
            return MIL_pb2.DataType.Name(op.outputs[0].type.tensorType.dataType)
        for key in ("data", "quantized_data", "indices"):
            source = op.inputs[key].arguments[0].value if key in op.inputs else op.attributes.get(key)
            if source is not None and source.type.HasField("tensorType"):
                return MIL_pb2.DataType.Name(source.type.tensorType.dataType)
        return op.type

    producers = {out.name: op for op in operations for out in op.outputs}
    counts: Counter[str] = Counter()
    for op in operations:
        if op.type in _WEIGHT_OPS:
            for key in ("weight", "y"):
                arguments = op.inputs[key].arguments if key in op.inputs else []
                if arguments and arguments[0].name in producers:
                    counts[_dtype(stored(producers[arguments[0].name]))] += 1
    return dict(sorted(counts.items()))


def describe(spec: Any) -> dict[str, Any]:
    """Inputs, outputs and states (``[{name, shape, dtype}]``), MIL op types (sorted) and weight dtypes
    (``{dtype: count}``) of an ``mlprogram`` spec (``MLModel.get_spec()``)."""
    operations = _operations(spec)
    return {"inputs": _features(spec.description.input), "outputs": _features(spec.description.output),
            "states": _states(spec), "mil_ops": sorted({op.type for op in operations}),
            "weight_dtypes": _weight_dtypes(operations)}


def _artifact(path: str | Path) -> tuple[Path, dict[str, Any], Path]:
    """The verified folder, its manifest and its ``.mlpackage``, from the folder, its ``manifest.json`` or
    the package inside it."""
    from wearsdk.runtime.artifact import load

    path = Path(path)
    art = load(path.parent if path.suffix == ".mlpackage" else path)
    if art.backend != "coreml":
        raise ArtifactIntegrityError(f"{art.folder} holds a {art.backend} artifact, not a CoreML package.")
    package = next(n.split("/")[0] for n in art.manifest["files"] if ".mlpackage/" in n)
    return art.folder, art.manifest, art.folder / package


def inspect(path: str | Path) -> dict[str, Any]:
    """Reads a CoreML artifact (its folder, ``manifest.json`` or ``.mlpackage``) after verifying every
    file against the manifest; returns :func:`describe` of the package plus ``package``,
    ``deployment_target`` and ``streaming``. Works on any platform: nothing is predicted."""
    import coremltools as ct

    folder, manifest, package = _artifact(path)
    spec = ct.models.MLModel(str(package), skip_model_load=True).get_spec()
    return {"package": str(package), "deployment_target": manifest["coreml"].get("deployment_target"),
            "streaming": bool(manifest.get("streaming")), **describe(spec)}


def _compare(got: np.ndarray, want: np.ndarray, tolerance: dict[str, float]) -> dict[str, Any]:
    g, w = got.reshape(len(got), -1).astype(np.float64), want.reshape(len(want), -1).astype(np.float64)
    cosine = np.sum(g * w, 1) / np.maximum(np.linalg.norm(g, axis=1) * np.linalg.norm(w, axis=1), 1e-30)
    rel = float(np.abs(g - w).max() / max(np.abs(w).max(), 1e-30))
    return {"cosine_min": float(cosine.min()), "max_abs_err_rel": rel,
            "passed": bool(cosine.min() >= tolerance["cosine_min"] and rel <= tolerance["max_abs_err_rel"])}


def verify_coreml(path: str | Path) -> dict[str, Any]:
    """Predicts the package on ``reference.npz``'s inputs, call by call (streaming packages: one state
    across the calls), and compares with its eager fp32 outputs: per output ``cosine_min``,
    ``max_abs_err_rel`` (to the reference's largest magnitude) and ``passed`` against the manifest's
    tolerance. Needs macOS 15+ (iOS 18 packages) or 14+; raises ``BackendUnavailableError`` elsewhere."""
    folder, manifest, package = _artifact(path)
    ref = manifest["coreml"]["reference"]
    data = np.load(folder / ref["file"])
    if sys.platform != "darwin":
        raise BackendUnavailableError(
            f"CoreML prediction needs macOS (this is {platform.system()}): {package.name} was verified by inspection "
            f"only (sha256, spec, MIL ops) and nothing was predicted. Run this on a Mac with coremltools to compare "
            f"with {ref['file']}."
        )
    import coremltools as ct

    model = ct.models.MLModel(str(package))
    state = model.make_state() if manifest.get("streaming") else None
    predictions = [model.predict({n: data[n][i] for n in ref["inputs"]}, state=state) for i in range(ref["calls"])]
    report = {n: _compare(np.stack([p[n] for p in predictions]), data[n], ref["tolerance"]) for n in ref["outputs"]}
    return {"package": package.name, "calls": ref["calls"], "outputs": report,
            "passed": all(r["passed"] for r in report.values()), "tolerance": ref["tolerance"],
            "precision": manifest["precision"]}

"""A quiet console: known harmless third-party messages are dropped by their exact text at the CLI entry.

Only the messages listed here are dropped, each matched in full (never a whole logger, category or module), so
every other warning and all of wearsdk's own errors still print; ``wearsdk -v COMMAND`` keeps these too.
"""

from __future__ import annotations

import logging
import re
import warnings

__all__ = ["KNOWN_LOG_MESSAGES", "KNOWN_WARNINGS", "silence_known_noise"]

# (logger, full message): torchao probes its CUDA-only extensions at import and logs each failure on a CPU
# build; torch's pytree logs a deprecation when torchao registers its KernelPreference enum.
KNOWN_LOG_MESSAGES: tuple[tuple[str, str], ...] = (
    ("torchao", r"Failed to load \S*/torchao/_C_(mxfp8|cutlass_90a)\.[\w.-]*\.so: Could not load this library: "
                r"\S*/torchao/_C_(mxfp8|cutlass_90a)\.[\w.-]*\.so"),
    ("torch.utils._pytree", r"<enum 'KernelPreference'> is an Enum subclass and is now natively supported by "
                            r"torch\.compile as an opaque value type\. Calling register_constant\(\) on Enum "
                            r"subclasses is deprecated and will be an error in a future release\."),
)
# (category, full message) of Python warnings raised inside torch while exporting.
KNOWN_WARNINGS: tuple[tuple[type[Warning], str], ...] = (
    (FutureWarning, r"`isinstance\(treespec, LeafSpec\)` is deprecated, use `isinstance\(treespec, TreeSpec\) "
                    r"and treespec\.is_leaf\(\)` instead\.\Z"),
)


class _DropMessage(logging.Filter):
    """Drops the records of one logger whose formatted message matches ``pattern`` in full."""

    def __init__(self, pattern: str) -> None:
        super().__init__()
        self.pattern = re.compile(pattern)

    def filter(self, record: logging.LogRecord) -> bool:
        return self.pattern.fullmatch(record.getMessage()) is None


def silence_known_noise() -> None:
    """Installs the filters of :data:`KNOWN_LOG_MESSAGES` and :data:`KNOWN_WARNINGS` (once per process)."""
    for name, pattern in KNOWN_LOG_MESSAGES:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropMessage) and f.pattern.pattern == pattern for f in logger.filters):
            logger.addFilter(_DropMessage(pattern))
    for category, pattern in KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", message=pattern, category=category)

"""Streaming: the ring-buffer :class:`Windower` and the :class:`StreamingSession` that turns
timestamped packets into timestamped model results, reporting every fault."""

from wearsdk.stream.session import StreamEvent, StreamingSession, StreamResult, StreamStats
from wearsdk.stream.windower import Windower

__all__ = ["Windower", "StreamingSession", "StreamResult", "StreamEvent", "StreamStats"]

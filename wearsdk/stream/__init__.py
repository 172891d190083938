"""Windowing, live and recorded: the ring-buffer :class:`Windower`, the :class:`StreamingSession` that turns
timestamped packets into timestamped model results (reporting every fault), and :func:`recording_windows`, a
whole recording's model windows."""

from wearsdk.stream.recording import RecordingWindows, bridge_short_gaps, recording_windows
from wearsdk.stream.session import StreamEvent, StreamingSession, StreamResult, StreamStats
from wearsdk.stream.windower import Windower

__all__ = ["Windower", "StreamingSession", "StreamResult", "StreamEvent", "StreamStats", "RecordingWindows",
           "recording_windows", "bridge_short_gaps"]

"""Stream a simulated 4-channel PPG through the C++ preprocessing core in 1-second packets and check
that the streamed output equals the offline output, sample for sample.

    .venv/bin/python examples/preprocess_stream.py
"""

import numpy as np

import wearsdk.signal as ws

fs_device, seconds = 256, 120
t = np.arange(fs_device * seconds) / fs_device
pulse = np.sin(2 * np.pi * 1.2 * t) + 0.3 * np.sin(2 * np.pi * 2.4 * t + 0.8)
ppg = np.stack([pulse * (1 + 0.1 * c) + 0.5 * np.sin(2 * np.pi * 0.05 * t) for c in range(4)]).astype(np.float32)

spec = ws.PreprocessSpec(sampling_rate=fs_device, target_rate=64, low=0.5, high=8.0, norm="none")
stream = ws.Preprocessor(spec, (4,))
packets = [stream.process(ppg[:, i : i + fs_device]) for i in range(0, ppg.shape[1], fs_device)]
streamed = np.concatenate(packets, axis=-1)
offline = ws.preprocess(ppg, spec)
print(f"{len(packets)} packets -> {streamed.shape} at {spec.output_rate:g} Hz; "
      f"identical to offline: {np.array_equal(streamed, offline)}")
print("quality of the raw input:", ws.quality(ppg, sampling_rate=fs_device).ok.tolist())

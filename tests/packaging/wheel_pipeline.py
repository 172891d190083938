"""Run by tests/packaging/test_wheel.py in the venv holding the built wheel, after ``wearsdk export`` wrote the
bundled PPG encoder as int8 ExecuTorch into ``argv[1]``: raw samples -> the card's preprocessing -> the bundled
encoder (eager fp32) and the exported int8 program through ``wearsdk.load``. Prints one JSON line."""

import json
import sys

import numpy as np
import torch

import wearsdk
import wearsdk.firmware

model = wearsdk.create_model("ppg_encoder_compact", pretrained=True).eval()
card = model.card
rate = 256.0  # a watch's raw PPG rate; the card says the model's own
raw = wearsdk.sim.raw_window(card, seconds=2 * card.window_samples / card.sampling_rate_hz, rate=rate)
filtered = card.preprocessing.filter(raw, sampling_rate=rate, target_rate=card.sampling_rate_hz)
x = torch.as_tensor(np.asarray(card.preprocessing.normalise(filtered[None, :, -card.window_samples:])),
                    dtype=torch.float32)
with torch.no_grad():
    eager = model(x)
artifact = wearsdk.load(sys.argv[1])
int8 = artifact(x)[0]
cos = torch.nn.functional.cosine_similarity(eager.flatten(), int8.flatten(), dim=0).item()
print(json.dumps({"wearsdk_file": wearsdk.__file__, "shape": list(int8.shape), "cosine_int8_vs_fp32": cos,
                  "card_matches": artifact.card == card, "include_dir": str(wearsdk.firmware.include_dir())}))

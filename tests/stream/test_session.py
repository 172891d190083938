"""StreamingSession: streaming equals offline, and every fault is reported, with every sample
accounted for."""

import numpy as np
import pytest
import torch

import wearsdk.signal as ws
from wearsdk.errors import ConfigError
from wearsdk.models import get_model_card
from wearsdk.stream import StreamingSession

FS, CH, WINDOW, HOP = 256, 2, 128, 32  # model side: 64 Hz, 2 s windows every 0.5 s
SPEC = ws.PreprocessSpec(sampling_rate=FS, target_rate=64, low=0.5, high=8.0)


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv1d(CH, 3, 9, stride=4)

    def forward(self, x):
        return self.conv(x).mean(-1)


def signal(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * FS)) / FS
    return np.stack([np.sin(2 * np.pi * 1.3 * t + c) + 0.1 * rng.standard_normal(t.size)
                     for c in range(CH)]).astype(np.float32)


def offline(model, x):
    pre = ws.preprocess(x, ws.PreprocessSpec(**{**SPEC.to_dict(), "norm": "none"}))
    outs = []
    for s in range(0, pre.shape[-1] - WINDOW + 1, HOP):
        win = ws.zscore(pre[:, s : s + WINDOW])
        with torch.inference_mode():
            outs.append(model(torch.from_numpy(win).unsqueeze(0)))
    return outs


def session(**kw):
    return StreamingSession(Model(), spec=SPEC, window=WINDOW, hop=HOP, channels=CH, **kw)


def feed(sess, x, sizes, t0=100.0):
    results, pos = [], 0
    for size in sizes:
        results += sess.push(x[:, pos : pos + size], t0 + pos / FS)
        pos += size
    return results


def test_streaming_equals_offline_for_any_packet_sizes():
    x = signal(20)
    rng = np.random.default_rng(1)
    sizes = []
    while sum(sizes) < x.shape[1]:
        sizes.append(int(rng.integers(1, 300)))
    sess = session()
    results = feed(sess, x, sizes)
    want = offline(Model(), x)
    assert len(results) == len(want) > 20
    for r, w in zip(results, want, strict=True):
        assert torch.equal(r.output, w)
        assert not r.events and not r.saturated
    assert sess.stats.received == sess.stats.processed == x.shape[1]
    assert sess.stats.dropped == sess.stats.missing == 0
    # window k ends at output sample WINDOW - 1 + k * HOP after the first input sample
    assert np.isclose(results[0].t_end, 100.0 + (WINDOW - 1) / 64)
    assert np.isclose(results[1].t_end - results[0].t_end, HOP / 64)
    assert all(r.latency_s >= HOP / 64 and r.latency_s == HOP / 64 + r.compute_s for r in results)


def test_gap_is_reported_and_no_window_spans_it():
    x = signal(30)
    a, b = x[:, : 10 * FS], x[:, 12 * FS :]  # 2 s lost
    sess = session()
    first = feed(sess, a, [64] * (a.shape[1] // 64), t0=0.0)
    second = feed(sess, b, [64] * (b.shape[1] // 64), t0=12.0)
    gap_events = [e for r in second for e in r.events if e.kind == "gap"]
    assert len(gap_events) == 1 and gap_events[0].samples == 2 * FS
    assert abs(gap_events[0].t - 10.0) < 1e-9
    assert sess.stats.missing == 2 * FS
    assert all(r.t_start >= 12.0 - 1e-9 for r in second)  # recovered on new data only
    assert first and second
    # after the gap the session is a fresh stream over b
    want = offline(Model(), b)
    assert all(torch.equal(r.output, w) for r, w in zip(second, want, strict=True))


def test_duplicates_and_late_packets_are_dropped_and_counted():
    x = signal(10)
    sess = session()
    clean = feed(session(), x, [100] * (x.shape[1] // 100))
    results, pos = [], 0
    while pos + 100 <= x.shape[1]:
        results += sess.push(x[:, pos : pos + 100], 100.0 + pos / FS)
        if pos == 500:
            results += sess.push(x[:, pos : pos + 100], 100.0 + pos / FS)  # a duplicate
        if pos == 900:
            results += sess.push(x[:, 720:770], 100.0 + 720 / FS)  # late, not a packet seen before
        pos += 100
    kinds = [e.kind for e in sess.stats.events]
    assert kinds == ["duplicate", "out_of_order"]
    assert sess.stats.dropped == 150
    assert sess.stats.received == sess.stats.processed + sess.stats.dropped
    assert all(torch.equal(a.output, b.output) for a, b in zip(results, clean, strict=True))


def test_jitter_within_tolerance_changes_nothing():
    x = signal(8)
    rng = np.random.default_rng(3)
    sess = session(jitter_s=4e-3)  # >= twice the timestamp jitter: the grid is anchored on the first packet
    results, pos = [], 0
    while pos < x.shape[1]:
        results += sess.push(x[:, pos : pos + 64], 5.0 + pos / FS + rng.uniform(-1.5e-3, 1.5e-3))
        pos += 64
    assert not sess.stats.events
    assert sess.stats.processed == sess.stats.received == x.shape[1]
    assert all(torch.equal(a.output, b) for a, b in zip(results, offline(Model(), x), strict=True))


def test_dropouts_clock_resets_and_saturation():
    x = signal(20)
    x[:, 5 * FS : 5 * FS + 10] = np.nan
    sess = session()
    feed(sess, x[:, : 10 * FS], [128] * 20, t0=0.0)
    assert [e.kind for e in sess.stats.events] == ["nonfinite"]
    assert sess.stats.events[0].samples == 10 and sess.stats.dropped == 10
    sess.push(x[:, 10 * FS : 11 * FS], timestamp=-50.0)
    assert sess.stats.events[-1].kind == "clock_reset"
    clipped = np.clip(signal(6, seed=5) * 2, -1.0, 1.0)
    res = feed(session(), clipped, [256] * 6)
    assert res and all(r.saturated for r in res)


def test_from_card_streams_the_cards_one_path():
    """A session built from a card emits, window by window, what the card's filter + normalise give offline."""
    card = get_model_card("ecg_encoder_compact")
    x = np.random.default_rng(5).standard_normal((1, 500 * 70)).astype(np.float32)
    sess = StreamingSession.from_card(lambda w: w.clone(), card, input_rate=500.0)
    assert (sess.window, sess.hop, sess.channels) == (card.window_samples, card.hop_samples, 1)
    results = [r for p in range(0, x.shape[1], 250) for r in sess.push(x[:, p : p + 250], p / 500.0)]
    y = card.preprocessing.filter(x, sampling_rate=500.0, target_rate=card.sampling_rate_hz)
    starts = range(0, y.shape[-1] - card.window_samples + 1, card.hop_samples)
    want = [card.preprocessing.normalise(y[:, s : s + card.window_samples]) for s in starts]
    assert len(results) == len(want) == 3
    assert all(np.array_equal(r.output[0].numpy(), w) for r, w in zip(results, want, strict=True))


def test_from_card_refuses_zero_phase_models_and_bad_models():
    with pytest.raises(ConfigError, match="streaming needs a causal model"):
        StreamingSession.from_card(lambda w: w, get_model_card("lead_vae_compact"), input_rate=500.0)
    with pytest.raises(ConfigError, match="expected a torch.nn.Module"):
        StreamingSession(42, spec=SPEC, window=WINDOW, hop=HOP, channels=CH)

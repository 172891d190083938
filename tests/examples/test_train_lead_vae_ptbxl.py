"""examples/train_lead_vae_ptbxl.py --bundle on the real PTB-XL subset."""

import pytest


@pytest.mark.slow
def test_lead_vae_ptbxl_example_bundles_every_published_figure(run_example, tmp_path, real_data_dir):
    """2 training steps on PTB-XL, then --bundle: the record in the weights folder carries the same metric names as
    the published one (its text and zero-phase input contract carried over) and loads with pretrained=True."""
    from wearsdk.models import create_model

    weights = tmp_path / "weights"
    run_example("train_lead_vae_ptbxl.py", "--steps", 2, "--out", tmp_path / "run", "--report",
                tmp_path / "report.json", "--bundle", "--weights-dir", weights)
    published = create_model("lead_vae_compact").card
    card = create_model("lead_vae_compact", pretrained=True, weights_dir=weights).card
    assert set(card.metrics) == set(published.metrics)
    assert (card.signal, card.preprocessing, card.limitations) == (published.signal, published.preprocessing,
                                                                   published.limitations)
    assert card.weights_sha256 != published.weights_sha256

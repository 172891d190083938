"""``wearsdk bench quant``: int8 vs fp32 of the bundled compact models, on held-out simulated data."""

import json

import pytest

from wearsdk.cli import main


@pytest.mark.parametrize("model", ["ecg_encoder_compact", "lead_vae_compact"])
def test_bench_quant_reports_int8_against_fp32(model, capsys) -> None:
    assert main(["bench", "quant", "--model", model, "--participants", "4", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["model"] == model and set(r["targets"]) >= {"embedding_cosine_min", "vae_r_abs_diff_max"}
    if model == "lead_vae_compact":
        assert r["per_lead_r_abs_diff_max"] < 0.05 and r["mean_r_reconstructed_int8"] > 0.5
    else:
        assert r["windows"] == 16 and r["embedding_cosine_mean"] > 0.98
        assert set(r["heads_fp32"]) == set(r["heads_int8"]) and "af_prob_auroc" in r["heads_fp32"]
        fp32, int8, floor = r["heads_fp32"], r["heads_int8"], r["skill"]
        scored = [k for k in fp32 if k.endswith(("_auroc", "_r2"))]
        skilled = [k for k in scored if fp32[k] >= floor["_auroc" if k.endswith("_auroc") else "_r2"]]
        assert sorted(r["heads_without_skill"]) == sorted(set(scored) - set(skilled))
        assert "age_years_r2" in r["heads_without_skill"]  # a real-data head on simulated participants
        assert r["head_score_abs_diff_max"] == max(abs(int8[k] - fp32[k]) for k in skilled)


def test_bench_quant_refuses_models_without_bundled_weights(capsys) -> None:
    with pytest.raises(SystemExit):  # argparse: not a choice
        main(["bench", "quant", "--model", "ppg_encoder_full"])
    assert "invalid choice" in capsys.readouterr().err

"""The quick Python examples run (the longer ones have a module each beside this one, so that parallel test
workers share them out; the firmware example is compiled in tests/firmware)."""

import pytest


@pytest.mark.parametrize(("script", "args", "expect"), [
    ("preprocess_stream.py", [], "identical to offline: True"),
    ("stream_session.py", ["--seconds", "40", "--drop-rate", "0.05"], "= processed"),
    ("lead_vae_sim_ceiling.py", ["--train-participants", "12", "--test-participants", "6", "--segments", "1"],
     "clean true_dipole_oracle: mean r"),
])
def test_example_runs(run_example, script, args, expect):
    assert expect in run_example(script, *args, timeout=300).stdout

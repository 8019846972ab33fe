"""The attack suite runs the real binary with the black-box harness."""


def test_harness_runs_the_binary_under_test(taper):
    r = taper("--version", store=False)
    assert r.returncode == 0, r
    assert r.stdout.startswith("taper "), r

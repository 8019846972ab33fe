"""Attack tests share the black-box harness of tests/cli.

Its conftest (the taper fixture, a store per test, the busybox rootfs) is
loaded into this module, and tests/cli is importable, so that a test here
uses the same fixtures and helpers (lifecycle_util, test_run's rootfs) as
one there.
"""
import os
import runpy
import sys

_CLI = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cli")
sys.path.insert(0, _CLI)
globals().update({k: v for k, v in runpy.run_path(os.path.join(_CLI, "conftest.py")).items()
                  if not k.startswith("__")})

"""libtaper from several threads of one process: starts, stops, states and
stats of several containers at once, and a foreground start, leave the
process as it was (include/taper.h, "Threads"). The program is
tests/threads/threads.c, built with each build (ASan included)."""
import os
import subprocess

from conftest import TAPER
from lifecycle_util import leftovers, make_container

BUILD = os.environ.get("TAPER_BUILD") or os.path.dirname(TAPER)


def test_calls_from_many_threads(sys_taper, busybox_rootfs):
    t = sys_taper
    names = [f"c{i}" for i in range(4)]
    for n in names:
        make_container(t.store, n, busybox_rootfs)
    make_container(t.store, "fg", busybox_rootfs, ['init.cmd = /bin/sh -c "sleep 1; exit 3"'])
    env = dict(os.environ, TAPER_MONITOR=os.path.join(BUILD, "taper-monitor"))
    r = subprocess.run([os.path.join(BUILD, "tests", "threads", "threads"), t.store, *names, "fg"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert leftovers(t.store) == {}

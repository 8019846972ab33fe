"""Black-box harness: runs the real taper binary as root.

Every test gets its own store (--path) under a temporary directory, so
nothing on the host store is touched; the run fails if the host changed
(host_guard.py). TAPER names the binary under test
(make check sets it to each build in turn).
"""
import os
import shutil
import subprocess
import tempfile

import pytest

import host_guard

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TAPER = os.environ.get("TAPER", os.path.join(ROOT, "build", "taper"))
BUSYBOX = shutil.which("busybox") or "/bin/busybox"


class Result:
    def __init__(self, proc):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def __repr__(self):
        return (f"<rc={self.returncode} stdout={self.stdout[-2000:]!r} "
                f"stderr={self.stderr[-2000:]!r}>")


class Taper:
    """Runs `taper --path STORE ARGS...` and returns a Result."""

    def __init__(self, store):
        self.store = store
        self.binary = TAPER

    def __call__(self, *args, input=None, env=None, timeout=120, store=True):
        argv = [self.binary]
        if store:
            argv += ["--path", self.store]
        argv += [str(a) for a in args]
        full_env = dict(os.environ)
        full_env.pop("TAPER_PATH", None)
        if env:
            full_env.update(env)
        proc = subprocess.run(argv, input=input, capture_output=True, text=True,
                              env=full_env, timeout=timeout)
        return Result(proc)

    def ok(self, *args, **kw):
        r = self(*args, **kw)
        assert r.returncode == 0, r
        return r


def store_id(store):
    """The store module's id of a store: FNV-1a-64 of its canonical path."""
    h = 0xcbf29ce484222325
    for b in os.path.realpath(store).encode():
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


# The veth prefixes of the containers of every store the run made
# (tmpdir_root), gathered before the store goes.
_RUN_VETHS = set()


@pytest.fixture(scope="session", autouse=True)
def host_left_alone():
    """The run fails, naming each change, if the host's hostname, mounts,
    links, nftables tables, network sysctls or taper's groups outside test
    stores differ after it from before it (host_guard.py)."""
    stores = ["/var/lib/taper"] + ([os.environ["TAPER_PATH"]] if os.environ.get("TAPER_PATH") else [])
    watched = {store_id(s) for s in stores}
    ours = set().union(*(host_guard.store_veth_prefixes(s) for s in stores))
    before = host_guard.snapshot(watched)
    yield
    after = host_guard.snapshot(watched)
    ours |= _RUN_VETHS.union(*(host_guard.store_veth_prefixes(s) for s in stores))
    changed = host_guard.differences(host_guard.ignore_veths(before, ours),
                                     host_guard.ignore_veths(after, ours))
    if changed:
        pytest.fail("the test run changed the host:\n  " + "\n  ".join(changed), pytrace=False)


@pytest.fixture
def tmpdir_root():
    d = tempfile.mkdtemp(prefix="taper-test-")
    yield d
    # A store's runtime directory (exit records, console logs) outlives its
    # containers by design; a test's stores are gone with d, so are they.
    for entry in os.listdir(d):
        _RUN_VETHS.update(host_guard.store_veth_prefixes(os.path.join(d, entry)))
        shutil.rmtree(f"/run/taper/{store_id(os.path.join(d, entry))}", ignore_errors=True)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def taper(tmpdir_root):
    store = os.path.join(tmpdir_root, "store")
    os.mkdir(store)
    return Taper(store)


def make_busybox_rootfs(path):
    """A minimal rootfs: a static busybox and its applet links."""
    for d in ("bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "root",
              "usr/bin", "usr/sbin", "var"):
        os.makedirs(os.path.join(path, d), exist_ok=True)
    os.chmod(os.path.join(path, "tmp"), 0o1777)
    shutil.copy2(BUSYBOX, os.path.join(path, "bin", "busybox"))
    applets = subprocess.run([BUSYBOX, "--list-full"], capture_output=True,
                             text=True, check=True).stdout.split()
    for a in applets:
        link = os.path.join(path, a)
        if not os.path.lexists(link):
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink("/bin/busybox", link)
    with open(os.path.join(path, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
    with open(os.path.join(path, "etc", "group"), "w") as f:
        f.write("root:x:0:\nnogroup:x:65534:\n")
    return path


@pytest.fixture(scope="session")
def busybox_rootfs():
    """A shared read-mostly busybox rootfs; tests that write use their own."""
    d = tempfile.mkdtemp(prefix="taper-rootfs-")
    make_busybox_rootfs(d)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def fresh_rootfs(tmpdir_root):
    return make_busybox_rootfs(os.path.join(tmpdir_root, "rootfs"))


@pytest.fixture
def sys_taper(taper):
    """The taper fixture, plus a teardown that stops every container of
    the store even when the test failed."""
    import lifecycle_util
    yield taper
    lifecycle_util.kill_all(taper)


def _build_prefix(build):
    import json
    out = subprocess.run(["meson", "introspect", "--buildoptions", build],
                         capture_output=True, text=True, check=True).stdout
    return next(o["value"] for o in json.loads(out) if o["name"] == "prefix")


@pytest.fixture(scope="session")
def installed(tmp_path_factory):
    """taper as `make install PREFIX=/usr DESTDIR=D` installs it from the
    build under test, in D (the build's own prefix is put back after):
    the binary a user gets, with its man pages and completion."""
    build = os.environ.get("TAPER_BUILD") or os.path.dirname(TAPER)
    dest = tmp_path_factory.mktemp("destdir")
    prefix = _build_prefix(build)
    try:
        r = subprocess.run(["make", "-C", ROOT, "install", f"BUILD={build}", "PREFIX=/usr",
                            f"DESTDIR={dest}"], capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        subprocess.run(["meson", "configure", build, f"-Dprefix={prefix}"],
                       capture_output=True, check=True)
    yield str(dest)
    shutil.rmtree(dest, ignore_errors=True)

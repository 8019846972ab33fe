"""taper-oci against runtime-spec 1.1, and runc beside it for comparison.

The harness of tests/cli is loaded here (a store per test, the busybox
rootfs, the host guard). Each test gets a runtime root of its own (--root)
and bundles under its temporary directory; whatever a test leaves is
deleted with --force at teardown, so no cgroup outlives it.
"""
import copy
import glob
import json
import os
import runpy
import shutil
import subprocess
import sys
import tempfile

import pytest

_CLI = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "cli")
sys.path.insert(0, _CLI)
globals().update({k: v for k, v in runpy.run_path(os.path.join(_CLI, "conftest.py")).items()
                  if not k.startswith("__")})

TAPER_OCI = os.path.join(os.path.dirname(TAPER), "taper-oci")  # noqa: F821 (from tests/cli)
RUNC = shutil.which("runc")

# runc's `spec`, less the ambient capabilities runc drops without a word.
BASE = {
    "ociVersion": "1.1.0",
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": ["true"],
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        "cwd": "/",
        "capabilities": {k: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
                         for k in ("bounding", "effective", "permitted")},
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": True},
    "hostname": "oci",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
         "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
    ],
    "linux": {
        "resources": {"devices": [{"allow": False, "access": "rwm"}]},
        "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
        "maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/sys/firmware"],
        "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
}


def remove_cgroups(sid):
    """Every group under taper/<sid> in every hierarchy, deepest first."""
    for top in glob.glob(f"/sys/fs/cgroup/*/taper/{sid}"):
        for d in sorted((p for p, _, _ in os.walk(top)), key=len, reverse=True):
            try:
                os.rmdir(d)
            except OSError:
                pass


class Runtime:
    """`<binary> --root ROOT ARGS...`: taper-oci or runc.

    runc makes its groups where cgroupsPath says, or at /<id> without one:
    each container it creates from a config without one gets a copy of
    its bundle's config with cgroupsPath under taper/<sid of the test>/,
    removed at teardown with the rest (taper-oci's own groups are under
    its root's id there too). A test that sets cgroupsPath keeps it there."""

    def __init__(self, binary, root, name):
        self.binary, self.root, self.name = binary, root, name
        self.sid = store_id(os.path.dirname(root))  # noqa: F821 (from tests/cli)

    def _runc_bundle(self, args):
        args = list(args)
        if self.name != "runc" or not args or args[0] not in ("create", "run") or "--bundle" not in args:
            return args
        i = args.index("--bundle") + 1
        with open(os.path.join(args[i], "config.json")) as f:
            cfg = json.load(f)
        cid = args[-1]
        cfg.setdefault("linux", {}).setdefault("cgroupsPath", f"/taper/{self.sid}/runc/{cid}")
        copy_dir = f"{args[i]}-runc-{cid}"
        os.makedirs(copy_dir, exist_ok=True)
        with open(os.path.join(copy_dir, "config.json"), "w") as f:
            json.dump(cfg, f)
        args[i] = copy_dir
        return args

    def __call__(self, *args, input=None, timeout=60, check=False):
        args = self._runc_bundle(args)
        # Files, not pipes: a detached container keeps the stdio it was
        # created with (runc's and taper's alike), and a pipe would not
        # reach EOF before it exits.
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            proc = subprocess.run([self.binary, "--root", self.root] + [str(a) for a in args],
                                  input=input, stdout=out, stderr=err, text=True, timeout=timeout)
            out.seek(0)
            err.seek(0)
            proc.stdout, proc.stderr = out.read(), err.read()
        if check:
            assert proc.returncode == 0, (self.name, args, proc.stdout, proc.stderr)
        return proc

    def ok(self, *args, **kw):
        return self(*args, check=True, **kw)

    def state(self, cid):
        return json.loads(self.ok("state", cid).stdout)

    def cleanup(self):
        if not os.path.isdir(self.root):
            return
        out = self("list", "-q").stdout.split()
        for cid in out:
            self("delete", "--force", cid)
        remove_cgroups(self.sid)


@pytest.fixture(params=["taper-oci"] + (["runc"] if RUNC else []))
def runtime(request, tmpdir_root):
    """Each test once with taper-oci and once with runc (when installed)."""
    binary = TAPER_OCI if request.param == "taper-oci" else RUNC
    rt = Runtime(binary, os.path.join(tmpdir_root, "root-" + request.param), request.param)
    yield rt
    rt.cleanup()


@pytest.fixture
def oci(tmpdir_root):
    """taper-oci alone, for what runc does not do or does otherwise."""
    rt = Runtime(TAPER_OCI, os.path.join(tmpdir_root, "root-taper-oci"), "taper-oci")
    yield rt
    rt.cleanup()


@pytest.fixture
def bundle(tmpdir_root, busybox_rootfs):  # noqa: F811 (from tests/cli)
    """make(config_changes...) -> a bundle dir whose config.json is BASE
    with each change applied (a function of the config dict)."""
    n = [0]

    def make(*changes, args=None):
        n[0] += 1
        d = os.path.join(tmpdir_root, f"bundle{n[0]}")
        os.makedirs(d)
        cfg = copy.deepcopy(BASE)
        cfg["root"]["path"] = busybox_rootfs
        os.chmod(busybox_rootfs, 0o755)  # mkdtemp's 0700 would keep other users out
        if args is not None:
            cfg["process"]["args"] = args
        for change in changes:
            change(cfg)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f)
        return d
    return make

"""config.md "POSIX-platform Hooks" and runtime.md's lifecycle: each hook
phase at its moment, in its namespaces, with the state on its stdin; a
failing or timed-out hook of create or start undoes it, one of poststart
or poststop is a warning. Each test with taper-oci and with runc."""
import json
import os
import stat
import time

import pytest

from conftest import remove_cgroups  # noqa: F401

# One script for every phase: argv, env, the namespaces it runs in, the
# state on its stdin, a line each in <dir>/<phase>.json; the phase's name
# appended to <dir>/order. $1 is the directory as the hook sees it (the
# host's path, or /hooks inside the container), $2 the phase.
HOOK = r"""#!/bin/sh
d="$1"; phase="$2"
state=$(cat)
{
  printf '{"argv": "%s", ' "$*"
  printf '"env": "%s", ' "$(env | grep -v '^PWD=\|^SHLVL=\|^_=' | sort | tr '\n' ' ')"
  printf '"mnt": "%s", "net": "%s", "pid_ns": "%s", ' "$(readlink /proc/self/ns/mnt)" \
    "$(readlink /proc/self/ns/net)" "$(readlink /proc/self/ns/pid)"
  if [ -e /hooks/.inside ]; then printf '"root": "container", '; else printf '"root": "host", '; fi
  printf '"state": %s}\n' "$state"
} > "$d/$phase.json"
echo "$phase" >> "$d/order"
"""

PHASES = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]


def hook_dir(tmpdir_root):
    d = os.path.join(tmpdir_root, "hooks")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "hook.sh")
    with open(path, "w") as f:
        f.write(HOOK)
    os.chmod(path, 0o755)
    open(os.path.join(d, ".inside"), "w").close()
    os.chmod(d, 0o777)
    return d


def with_hooks(d, hooks):
    """A config change: the hook dir bound at /hooks, and the hooks."""
    def change(c):
        c["mounts"].append({"destination": "/hooks", "type": "bind", "source": d, "options": ["rbind", "rw"]})
        c["hooks"] = hooks
    return change


def host_hook(d, phase, **kw):
    return dict({"path": os.path.join(d, "hook.sh"), "args": ["hook.sh", d, phase],
                 "env": [f"HOOK_PHASE={phase}"]}, **kw)


def ns(what, pid="self"):
    return os.readlink(f"/proc/{pid}/ns/{what}")


def read(d, phase):
    with open(os.path.join(d, f"{phase}.json")) as f:
        return json.loads(f.read())


def order(d):
    p = os.path.join(d, "order")
    return open(p).read().split() if os.path.exists(p) else []


def cgroups_of(sid_dirs):
    return [p for top in sid_dirs for p, _, _ in os.walk(top)]


def test_every_phase_in_order_with_its_state_and_namespaces(runtime, bundle, tmpdir_root):
    d = hook_dir(tmpdir_root)
    hooks = {p: [host_hook(d, p)] for p in PHASES}
    # startContainer's path is the container's.
    hooks["startContainer"] = [{"path": "/hooks/hook.sh", "args": ["hook.sh", "/hooks", "startContainer"],
                                "env": ["HOOK_PHASE=startContainer"]}]
    b = bundle(with_hooks(d, hooks), lambda c: c.update(annotations={"org.example": "yes"}),
               args=["sleep", "100"])
    runtime.ok("create", "--bundle", b, "h1")
    # runc 1.1 runs poststart at create, and startContainer after it.
    if runtime.name == "taper-oci":
        assert order(d) == ["prestart", "createRuntime", "createContainer"]
    pid = runtime.state("h1")["pid"]
    runtime.ok("start", "h1")
    assert sorted(order(d)) == sorted(PHASES[:5])
    if runtime.name == "taper-oci":
        assert order(d) == PHASES[:5]
    runtime.ok("kill", "h1", "KILL")
    for _ in range(200):
        if runtime.state("h1")["status"] == "stopped":
            break
        time.sleep(0.05)
    runtime.ok("delete", "h1")
    assert order(d)[-1] == "poststop"
    if runtime.name == "taper-oci":
        assert order(d) == PHASES

    for p in PHASES:
        h = read(d, p)
        assert h["argv"] == f"{'/hooks' if p == 'startContainer' else d} {p}", (runtime.name, p)
        # Its own environment, nothing of the runtime's (busybox's sh
        # exports a PATH of its own when there is none).
        env = [e for e in h["env"].split() if not e.startswith("PATH=")]
        assert env == [f"HOOK_PHASE={p}"], (runtime.name, p, h["env"])
        st = h["state"]
        assert st["id"] == "h1"
        assert st["bundle"] in (b, f"{b}-runc-h1")
        assert st["annotations"] == {"org.example": "yes"}
        assert st["ociVersion"].startswith("1.")
    want_status = {"prestart": "creating", "createRuntime": "creating", "createContainer": "creating",
                   "startContainer": "created", "poststart": "running", "poststop": "stopped"}
    for p, s in want_status.items():
        if runtime.name == "runc" and p == "poststart":
            continue  # runc 1.1 runs it at create: "created"
        assert read(d, p)["state"]["status"] == s, (runtime.name, p)
    # The runtime's namespaces, the container's init by its host pid.
    for p in ("prestart", "createRuntime", "poststart"):
        h = read(d, p)
        assert (h["mnt"], h["net"], h["root"]) == (ns("mnt"), ns("net"), "host"), (runtime.name, p)
        assert h["state"]["pid"] == pid
    assert read(d, "poststop")["mnt"] == ns("mnt")
    # createContainer: the container's mount (and net) namespace, still
    # the host's root; startContainer: inside, its root entered.
    cc, sc = read(d, "createContainer"), read(d, "startContainer")
    assert cc["mnt"] != ns("mnt") and cc["net"] != ns("net") and cc["root"] == "host"
    assert sc["mnt"] == cc["mnt"] and sc["net"] == cc["net"] and sc["root"] == "container"
    assert sc["pid_ns"] == cc["pid_ns"] != ns("pid")


def test_run_runs_every_phase(runtime, bundle, tmpdir_root):
    d = hook_dir(tmpdir_root)
    hooks = {p: [host_hook(d, p)] for p in PHASES if p != "startContainer"}
    b = bundle(with_hooks(d, hooks), args=["true"])
    runtime.ok("run", "--bundle", b, "h2")
    assert order(d) == ["prestart", "createRuntime", "createContainer", "poststart", "poststop"]


def our_mounts(*paths):
    """The mount table's lines under any of paths (the host's table moves
    with what else runs on the machine)."""
    return [line for line in open("/proc/self/mountinfo") if any(p in line for p in paths)]


def assert_nothing_left(runtime, cid, mountinfo_before):
    assert not os.path.exists(os.path.join(runtime.root, cid)), runtime.name
    assert runtime("state", cid).returncode != 0
    if runtime.name == "taper-oci":
        sid = os.path.basename(runtime.root)
        from conftest import store_id
        assert not any(cid in p for p in cgroups_of(
            __import__("glob").glob(f"/sys/fs/cgroup/*/taper/{store_id(runtime.root)}")))
    assert our_mounts(*mountinfo_before[0]) == mountinfo_before[1]


@pytest.mark.parametrize("phase", ["prestart", "createRuntime", "createContainer"])
def test_failing_create_hook_undoes_the_create(runtime, bundle, tmpdir_root, busybox_rootfs, phase):
    d = hook_dir(tmpdir_root)
    hooks = {phase: [host_hook(d, phase), {"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]},
                     host_hook(d, "never")]}
    b = bundle(with_hooks(d, hooks), args=["sleep", "100"])
    paths = (tmpdir_root, busybox_rootfs)
    before = (paths, our_mounts(*paths))
    r = runtime("create", "--bundle", b, "f1")
    assert r.returncode != 0
    if runtime.name == "taper-oci":
        assert f"{phase} hook 1 (/bin/sh): exited with status 3" in r.stderr, r.stderr
    # The first ran, the one after the failure did not.
    assert order(d) == [phase]
    assert_nothing_left(runtime, "f1", before)


def sleepers(marker):
    found = []
    for p in os.listdir("/proc"):
        try:
            if p.isdigit() and marker.encode() in open(f"/proc/{p}/cmdline", "rb").read():
                found.append(int(p))
        except OSError:
            pass
    return found


def test_timed_out_hook_is_killed_and_undoes_the_create(runtime, bundle, tmpdir_root, busybox_rootfs):
    d = hook_dir(tmpdir_root)
    # A duration no other sleep has, to find it by; the shell stays its parent.
    marker = f"1000.{os.getpid()}{len(runtime.name)}"
    # runc waits for the hook's stdout to close, which a child of the
    # killed hook keeps open: with runc the hook is the sleep itself.
    script = f"sleep {marker}; exit 0" if runtime.name == "taper-oci" else f"exec sleep {marker}"
    hooks = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", script], "timeout": 1}]}
    b = bundle(with_hooks(d, hooks), args=["sleep", "100"])
    paths = (tmpdir_root, busybox_rootfs)
    before = (paths, our_mounts(*paths))
    r = runtime("create", "--bundle", b, "t1", timeout=60)
    left = sleepers(marker)
    for p in left:
        os.kill(p, 9)
    assert r.returncode != 0
    if runtime.name == "taper-oci":
        assert "createRuntime hook 0 (/bin/sh): killed after its timeout of 1 s" in r.stderr, r.stderr
        # What the hook started went with it (runc kills the hook alone).
        assert left == []
    assert_nothing_left(runtime, "t1", before)


def test_failing_start_container_hook_fails_the_start(runtime, bundle, tmpdir_root):
    d = hook_dir(tmpdir_root)
    hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 4"]}]}
    b = bundle(with_hooks(d, hooks), args=["sleep", "100"])
    runtime.ok("create", "--bundle", b, "s1")
    pid = runtime.state("s1")["pid"]
    r = runtime("start", "s1")
    # runc 1.1's start returns once the init is told to go on, before
    # the hook ran: only the container's end says it failed.
    if runtime.name == "taper-oci":
        assert r.returncode != 0
        assert "startContainer hook 0 (/bin/sh): exited with status 4" in r.stderr, r.stderr
    # Stopped: the command never ran; delete takes what is left.
    for _ in range(200):
        if runtime.state("s1")["status"] == "stopped":
            break
        time.sleep(0.05)
    assert runtime.state("s1")["status"] == "stopped"
    assert not os.path.exists(f"/proc/{pid}") or "Z" in open(f"/proc/{pid}/stat").read().split(")")[1][:3]
    runtime.ok("delete", "s1")


def test_failing_poststart_and_poststop_hooks_are_warnings(oci, bundle, tmpdir_root):
    """taper-oci alone: runc 1.1 runs poststart at create, and fails the
    create with it."""
    runtime = oci
    d = hook_dir(tmpdir_root)
    fail = {"path": "/bin/sh", "args": ["sh", "-c", "exit 5"]}
    hooks = {"poststart": [fail, host_hook(d, "poststart")], "poststop": [fail, host_hook(d, "poststop")]}
    b = bundle(with_hooks(d, hooks), args=["sleep", "100"])
    runtime.ok("create", "--bundle", b, "w1")
    r = runtime.ok("start", "w1")
    if runtime.name == "taper-oci":
        assert "warning: poststart hook 0 (/bin/sh): exited with status 5" in r.stderr, r.stderr
    assert runtime.state("w1")["status"] == "running"
    r = runtime.ok("delete", "--force", "w1")
    if runtime.name == "taper-oci":
        assert "warning: container \"w1\": poststop hook 0 (/bin/sh): exited with status 5" in r.stderr
    # The hooks after the failing one still ran.
    assert order(d) == ["poststart", "poststop"]
    assert runtime("state", "w1").returncode != 0


def test_poststop_runs_from_the_kept_config(oci, bundle, tmpdir_root):
    """The bundle may be gone by delete (containerd removes it): create
    keeps the config in its state directory."""
    d = hook_dir(tmpdir_root)
    b = bundle(with_hooks(d, {"poststop": [host_hook(d, "poststop")]}), args=["sleep", "100"])
    oci.ok("create", "--bundle", b, "k1")
    os.rename(os.path.join(b, "config.json"), os.path.join(b, "gone.json"))
    oci.ok("delete", "--force", "k1")
    assert order(d) == ["poststop"]
    assert read(d, "poststop")["state"]["status"] == "stopped"


def test_features_names_every_hook(oci):
    assert json.loads(oci.ok("features").stdout)["hooks"] == PHASES

#!/usr/bin/python3
"""taper against crun, runc, LXC and bubblewrap: the table `make bench` writes.

Run by bench/table.sh (in a network namespace of its own: every bridge,
veth and NAT rule made here dies with it). Writes
bench/results/<date>-<host>.md and prints it.

Every figure is the median of runs of all commands of a row interleaved in
a random order per round (a load change on a busy host hits them all
alike), and a ratio to the best peer of the row (crun, runc, LXC,
bubblewrap: the fastest of them = 1.00; taper below 1 is faster). Quick by
default (a few minutes on 2 cores); FULL=1 for the real table (N=500
idle containers, 1000 listed ones). ROUNDS, DENSITY_N, LIST_N override;
ONLY=run,oci (of run, oci, system, density, listing, web) runs those
sections alone, for a look at one row.
"""
import json
import os
import platform
import random
import re
import shutil
import statistics as st
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FULL = os.environ.get("FULL") == "1"
ROUNDS = int(os.environ.get("ROUNDS", 60 if FULL else 30))
SYS_ROUNDS = int(os.environ.get("SYS_ROUNDS", 30 if FULL else 15))
DENSITY_N = int(os.environ.get("DENSITY_N", 500 if FULL else 20))
BATCH = int(os.environ.get("BATCH", 10 if FULL else 5))
LIST_N = int(os.environ.get("LIST_N", 1000 if FULL else 100))
LIST_RUNNING = int(os.environ.get("LIST_RUNNING", LIST_N // 5))
WEB_N = int(os.environ.get("WEB_N", 1000 if FULL else 100))
WORK = os.environ["BENCH_WORK"]
TAPER = os.environ["BENCH_TAPER"]
TAPER_OCI = os.environ.get("BENCH_TAPER_OCI", "")
FLOOR = os.environ["BENCH_FLOOR"]
PEERS = ("crun", "runc", "lxc", "bwrap")
MEM = str(256 << 20)
SETTLE = float(os.environ.get("SETTLE", 0.3))
SECTIONS = ("run", "oci", "system", "density", "listing", "web")
ONLY = [x for x in os.environ.get("ONLY", ",".join(SECTIONS)).split(",") if x]
if set(ONLY) - set(SECTIONS):
    sys.exit(f"ONLY: {','.join(sorted(set(ONLY) - set(SECTIONS)))}: not one of {','.join(SECTIONS)}")

out = []  # markdown lines of the results file
summary = []  # (what, taper, best peer, ratio) for bench/README.md


def say(line=""):
    print(line, flush=True)
    out.append(line)


def sh(*argv, check=True, **kw):
    return subprocess.run(argv, check=check, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


# ---- timing ---------------------------------------------------------------

# One OCI lifecycle as containerd's runc shim drives it: create (with a
# pid file), start, the state until "stopped" (the shim learns it from
# SIGCHLD as the subreaper; polling `state` costs each runtime alike),
# delete. Run here and in the Worker, so both sides time the same code.
CYCLE = r"""
def cycle(rt, root, bundle, cid, pid_file):
    import json, subprocess, time
    def run(*args, out=subprocess.DEVNULL):
        # create's stdio becomes the container's: no pipe that would wait for it.
        p = subprocess.run([rt, "--root", root, *args], stdout=out, stderr=subprocess.DEVNULL)
        if p.returncode:
            raise RuntimeError(f"{rt} {args[0]} {cid}: exit {p.returncode}")
        return p.stdout
    t = time.perf_counter_ns()
    run("create", "--bundle", bundle, "--pid-file", pid_file, cid)
    run("start", cid)
    while json.loads(run("state", cid, out=subprocess.PIPE))["status"] != "stopped":
        pass
    run("delete", cid)
    return time.perf_counter_ns() - t
"""
_CYCLE_NS = {}
exec(CYCLE, _CYCLE_NS)
cycle = _CYCLE_NS["cycle"]


class Worker:
    """Runs and times commands in another mount namespace: crun 1.8 refuses
    this host's hybrid cgroups, so it runs where /sys/fs/cgroup/unified is
    unmounted (that namespace only). The same timing code as timed() below,
    so both sides pay the same spawn cost."""

    CODE = CYCLE + r"""
import json, subprocess, sys, time
for line in sys.stdin:
    argv = json.loads(line)
    if isinstance(argv, dict):
        try:
            print(json.dumps([cycle(*argv["cycle"]), 0, ""]), flush=True)
        except Exception as e:
            print(json.dumps([0, 1, str(e)]), flush=True)
        continue
    t = time.perf_counter_ns()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t = time.perf_counter_ns() - t
    print(json.dumps([t, p.returncode, p.stderr.decode(errors="replace")[-300:]]), flush=True)
"""

    def __init__(self):
        self.p = subprocess.Popen(
            ["unshare", "-m", "sh", "-c", 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"', "worker",
             sys.executable, "-c", self.CODE],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, argv):
        self.p.stdin.write(json.dumps(argv) + "\n")
        self.p.stdin.flush()
        t, rc, err = json.loads(self.p.stdout.readline())
        return t, rc, err

    def close(self):
        self.p.stdin.close()
        self.p.wait()


WORKER = None


def timed_cycle(args, where="host"):
    """ns of one cycle() of args (runtime, root, bundle, id, pid file)."""
    if where != "crun-ns":
        return cycle(*args)
    t, rc, err = WORKER.run({"cycle": args})
    if rc != 0:
        raise RuntimeError(err)
    return t


def timed(argv, where="host"):
    """ns of one run of argv; raises on a non-zero exit."""
    if where == "crun-ns":
        t, rc, err = WORKER.run(argv)
    else:
        t = time.perf_counter_ns()
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        t = time.perf_counter_ns() - t
        rc, err = p.returncode, p.stderr.decode(errors="replace")[-300:]
    if rc != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {rc}: {err.strip()}")
    return t


class Cmd:
    def __init__(self, name, argv=None, where="host", before=None, after=None, fn=None):
        self.name, self.argv, self.where = name, argv, where
        self.before, self.after, self.fn = before, after, fn
        self.times = []
        self.error = None

    def once(self):
        if self.error:
            return
        try:
            if self.before:
                self.before()
            self.times.append(self.fn() if self.fn else timed(self.argv, self.where))
            if self.after:
                self.after()
        except Exception as e:  # a peer that fails is reported, not fatal
            self.error = str(e).splitlines()[0][:200]


def interleave(cmds, rounds, warmup=2):
    for c in cmds:
        for _ in range(warmup):
            c.once()
        c.times.clear()
    for _ in range(rounds):
        order = list(cmds)
        random.shuffle(order)
        for c in order:
            c.once()


def ms(ns):
    return f"{ns / 1e6:.2f} ms" if ns >= 1e5 else f"{ns / 1e3:.0f} us"


def row(title, cmds, unit=ms):
    """One markdown table row group: each command's median and its ratio
    to the best peer's median."""
    meds = {c.name: st.median(c.times) for c in cmds if c.times and not c.error}
    peers = [v for k, v in meds.items() if k.startswith(PEERS)]
    best = min(peers) if peers else None
    say(f"| {title} | " + " | ".join(
        (f"{unit(meds[c.name])} ({meds[c.name] / best:.2f}x)" if best and c.name in meds
         else unit(meds[c.name]) if c.name in meds else f"failed: {c.error}" if c.error else "n/a")
        for c in cmds) + f" | {len(cmds[0].times)} |")
    for ours in ("taper", "taper-oci"):
        if best and ours in meds:
            peer = min((k for k in meds if k.startswith(PEERS)), key=meds.get)
            summary.append((f"{SECTION}: {title}" + (" (taper-oci)" if ours != "taper" else ""),
                            unit(meds[ours]), f"{peer} {unit(best)}", f"{meds[ours] / best:.2f}"))


SECTION = ""


def header(names):
    say("| | " + " | ".join(names) + " | runs |")
    say("|---|" + "---|" * (len(names) + 1))


# ---- the machine ----------------------------------------------------------

def machine():
    def first(argv):
        try:
            return sh(*argv, check=False).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "not installed"

    mounts = open("/proc/self/mounts").read()
    if re.search(r" /sys/fs/cgroup cgroup2 ", mounts):
        mode = "unified (cgroup2 only)"
    elif " cgroup2 " in mounts:
        mode = "hybrid (v1 controllers, cgroup2 at /sys/fs/cgroup/unified)"
    else:
        mode = "legacy (v1 only)"
    mem = {l.split(":")[0]: l.split()[1] for l in open("/proc/meminfo")}
    model = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")]
    say(f"# taper against the field, {time.strftime('%Y-%m-%d %H:%M')} on {platform.node()}")
    say()
    say(f"- mode: {'FULL' if FULL else 'quick (FULL=1 for the real table)'}"
        f"{'' if ONLY == list(SECTIONS) else '; sections ' + ','.join(ONLY)}, {ROUNDS} rounds")
    say(f"- CPU: {os.cpu_count()} cores, {model[0] if model else '?'}; memory {int(mem['MemTotal']) >> 10} MiB")
    say(f"- kernel {platform.release()}; cgroups {mode}")
    say(f"- load average at the start: {open('/proc/loadavg').read().split()[:3]}")
    say(f"- taper: `{first([TAPER, 'version'])}` (stripped release build, `meson install --strip`)")
    for name, argv in (("crun", ["crun", "--version"]), ("runc", ["runc", "--version"]),
                       ("LXC", ["lxc-start", "--version"]), ("bubblewrap", ["bwrap", "--version"]),
                       ("busybox", ["busybox"])):
        say(f"- {name}: `{first(argv)}`")
    say()


# ---- the rootfs and bundles -----------------------------------------------

ROOTFS = os.path.join(WORK, "rootfs")
LXCPATH = os.path.join(WORK, "lxc")
STORE = os.path.join(WORK, "store")


def make_rootfs():
    for d in ("bin", "sbin", "proc", "sys", "dev", "tmp", "etc", "root"):
        os.makedirs(os.path.join(ROOTFS, d), exist_ok=True)
    shutil.copy(shutil.which("busybox"), os.path.join(ROOTFS, "bin/busybox"))
    for a in ("sh", "true", "sleep", "cat", "ls"):
        os.symlink("busybox", os.path.join(ROOTFS, "bin", a))
    os.makedirs(LXCPATH)
    os.makedirs(STORE)


def bundle(name, net, mem):
    """An OCI bundle (config.json from `crun spec`) around the shared rootfs."""
    b = os.path.join(WORK, "bundles", name)
    os.makedirs(b)
    sh("crun", "spec", cwd=b)
    with open(os.path.join(b, "config.json")) as f:
        c = json.load(f)
    c["process"]["terminal"] = False
    c["process"]["args"] = ["/bin/true"]
    # `crun spec` lists ambient capabilities that are not inheritable, which
    # the kernel cannot raise: crun and runc drop them without a word,
    # taper-oci refuses the config (docs/oci.md). Without them all three
    # run the same container.
    c["process"]["capabilities"].pop("ambient", None)
    c["root"] = {"path": ROOTFS, "readonly": False}
    ns = c["linux"]["namespaces"]
    if not net:
        c["linux"]["namespaces"] = [n for n in ns if n["type"] != "network"]
    if mem:
        c["linux"].setdefault("resources", {})["memory"] = {"limit": int(MEM)}
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(c, f, indent=1)
    return b


def lxc_config(name, lines):
    d = os.path.join(LXCPATH, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config"), "w") as f:
        f.write(f"lxc.uts.name = {name}\nlxc.rootfs.path = dir:{ROOTFS}\n"
                "lxc.mount.auto = proc:mixed sys:mixed\n" + "".join(l + "\n" for l in lines))


def taper_config(name, lines):
    d = os.path.join(STORE, name)
    os.makedirs(os.path.join(d, "rootfs"), exist_ok=True)
    with open(os.path.join(d, "config"), "w") as f:
        f.write(f"rootfs.path = {ROOTFS}\n" + "".join(l + "\n" for l in lines))


def T(*args):
    return [TAPER, "--path", STORE, *args]


def L(verb, name, *args):
    return [f"lxc-{verb}", "-P", LXCPATH, "-n", name, *args]


# ---- (a) run to exit --------------------------------------------------------

def run_to_exit():
    say("## Run to exit: `/bin/true` in a fresh container")
    global SECTION
    SECTION = "run to exit"
    say()
    say("Wall time from spawn to exit, busybox rootfs. Namespaces mount, pid, uts, ipc (and net where")
    say("said); the memory limit is 256 MiB. crun runs in a mount namespace without the cgroup2 mount")
    say("(crun 1.8 refuses hybrid hosts); everything else on the host as it is. bwrap has no memory")
    say("limit. The floor (bench/floor.c) clones, pivots, mounts /proc and execs, nothing more.")
    say()
    names = ["taper", "crun", "runc", "lxc-execute", "bwrap", "floor"]
    if TAPER_OCI:
        names.insert(1, "taper-oci")
    header(names)
    n = 0
    for net in (True, False):
        for mem in (False, True):
            n += 1
            b = bundle(f"b{n}", net, mem)
            ex = f"ex{n}"
            lxc_config(ex, ["lxc.net.0.type = " + ("empty" if net else "none")] +
                       ([f"lxc.cgroup.memory.limit_in_bytes = {MEM}"] if mem else []))
            tf = ([] if net else ["--net", "host"]) + (["--memory", MEM] if mem else [])
            cmds = [Cmd("taper", [TAPER, "run", "--rootfs", ROOTFS, *tf, "--", "/bin/true"])]
            if TAPER_OCI:
                cmds.append(Cmd("taper-oci", [TAPER_OCI, "--root", f"{WORK}/oci-state", "run", "--bundle", b,
                                              f"bench-oci-{n}"]))
            cmds += [
                Cmd("crun", ["crun", "--root", f"{WORK}/crun-state", "run", "--bundle", b, f"bench-{n}"],
                    where="crun-ns"),
                Cmd("runc", ["runc", "--root", f"{WORK}/runc-state", "run", "--bundle", b, f"bench-{n}"]),
                Cmd("lxc-execute", L("execute", ex, "--", "/bin/true")),
                Cmd("bwrap", ["bwrap", "--unshare-all", *([] if net else ["--share-net"]), "--bind", ROOTFS, "/",
                              "--proc", "/proc", "--dev", "/dev", "/bin/true"]) if not mem else Cmd("bwrap"),
                Cmd("floor", [FLOOR, *([] if net else ["-N"]), *(["-m", MEM] if mem else []), ROOTFS,
                              "/bin/true"]),
            ]
            run = [c for c in cmds if c.argv]
            interleave(run, ROUNDS)
            row(("netns" if net else "no netns") + (", memory limit" if mem else ""), cmds)
    host = Cmd("host", ["/bin/true"])
    interleave([host], ROUNDS)
    say()
    say(f"Plain `/bin/true` on the host, same timing: {ms(st.median(host.times))}.")
    say()


# ---- (a') the OCI lifecycle ---------------------------------------------------

def oci_cycle():
    global SECTION
    SECTION = "OCI lifecycle"
    say("## OCI lifecycle: create, start, wait, delete of `/bin/true`")
    say()
    say("As containerd's runc shim drives a runtime: `create --pid-file`, `start`, `state` until")
    say("\"stopped\", `delete`; one wall time for the four, the same bundle for each runtime (netns, no")
    say("memory limit). `run` of the same bundle, attached, is the first row of the table above.")
    say()
    names = ["taper-oci", "crun", "runc"]
    header(names)
    b = os.path.join(WORK, "bundles", "b1")
    if not os.path.isdir(b):
        b = bundle("b1", True, False)
    seq = [0]

    def cmd(name, rt, where="host"):
        root = f"{WORK}/{name}-cycle-state"

        def fn():
            seq[0] += 1
            return timed_cycle([rt, root, b, f"cycle-{seq[0]}", f"{WORK}/{name}-cycle.pid"], where)
        return Cmd(name, fn=fn)

    cmds = [cmd("taper-oci", TAPER_OCI), cmd("crun", "crun", "crun-ns"), cmd("runc", "runc")]
    interleave(cmds, ROUNDS)
    row("create + start + wait + delete", cmds)
    say()


# ---- (b) system containers --------------------------------------------------

def system_containers(bridge):
    say("## System containers: create, start, attach, stop")
    global SECTION
    SECTION = "system"
    say()
    say("create: each tool's busybox template (`taper create -t busybox`, `lxc-create -t busybox`),")
    say("destroyed after each run (not timed). start: `taper start` / `lxc-start -d` (both return")
    say("once the container is RUNNING), attach: `true` inside, stop: `taper stop -k` / `lxc-stop -k`")
    say("to STOPPED (a kill: a graceful stop times busybox's own shutdown). start/attach/stop run on")
    say("the shared rootfs with `sleep` as init, privileged, no user namespace, on both sides;")
    say(f"{SETTLE} s pause after each stop before the next start (the kernel's teardown of a network")
    say("namespace runs after the stop returns and would land in the next start).")
    say(f"veth: on bridge {bridge} (10.99.0.1/24) in the bench's own network namespace; taper leases")
    say("an address from the bridge's subnet, LXC is given a static one and the same gateway.")
    say("`taper, own network` is taper's managed network (its bridge, NAT rules, leases).")
    say()
    header(["taper", "lxc"])

    def create_cmds():
        i = [0]

        def tc():
            i[0] += 1
            t = timed(T("create", f"cr{i[0]}", "-t", "busybox"))
            sh(*T("destroy", f"cr{i[0]}"))
            return t

        def lc():
            i[0] += 1
            t = timed(L("create", f"cr{i[0]}", "-t", "busybox"))
            sh(*L("destroy", f"cr{i[0]}"))
            return t
        return [Cmd("taper", fn=tc), Cmd("lxc", fn=lc)]

    c = create_cmds()
    interleave(c, max(3, SYS_ROUNDS // 2), warmup=1)
    row("create (busybox template)", c)

    variants = [("empty", ["net.0.type = empty"], ["lxc.net.0.type = empty"], "sy-e"),
                ("veth on a bridge", ["net.0.type = veth", f"net.0.link = {bridge}"],
                 ["lxc.net.0.type = veth", f"lxc.net.0.link = {bridge}", "lxc.net.0.flags = up",
                  "lxc.net.0.ipv4.address = 10.99.0.50/24", "lxc.net.0.ipv4.gateway = 10.99.0.1"], "sy-v")]
    for label, tl, ll, name in variants:
        taper_config(name, ["init.cmd = /bin/sleep 100001", *tl])
        lxc_config(name, ["lxc.init.cmd = /bin/sleep 100002", *ll])
        # The pause: the kernel tears a network namespace down after the
        # stop returns, on a workqueue; a start right after pays for it.
        ts = [Cmd("taper", T("start", name), after=lambda n=name: (sh(*T("stop", "-k", n)), time.sleep(SETTLE))),
              Cmd("lxc", L("start", name, "-d"), after=lambda n=name: (sh(*L("stop", n, "-k")), time.sleep(SETTLE)))]
        interleave(ts, SYS_ROUNDS)
        row(f"start to RUNNING, {label}", ts)
        sh(*T("start", name))
        sh(*L("start", name, "-d"))
        ta = [Cmd("taper", T("attach", name, "--", "/bin/true")), Cmd("lxc", L("attach", name, "--", "/bin/true"))]
        interleave(ta, SYS_ROUNDS)
        row(f"attach `true`, {label}", ta)
        tst = [Cmd("taper", T("stop", "-k", name), before=lambda n=name: sh(*T("start", n))),
               Cmd("lxc", L("stop", name, "-k"), before=lambda n=name: sh(*L("start", n, "-d")))]
        sh(*T("stop", "-k", name))
        sh(*L("stop", name, "-k"))
        interleave(tst, SYS_ROUNDS)
        row(f"stop to STOPPED, {label}", tst)
    taper_config("sy-n", ["init.cmd = /bin/sleep 100001", "net.0.type = veth"])
    tn = Cmd("taper, own network", T("start", "sy-n"),
             after=lambda: (sh(*T("stop", "-k", "sy-n")), time.sleep(SETTLE)))
    interleave([tn], SYS_ROUNDS)
    say(f"| start to RUNNING, taper's own network (NAT) | {ms(st.median(tn.times))} | | {len(tn.times)} |")
    say()


# ---- (c) density ------------------------------------------------------------

def pss_kib(pid):
    try:
        for l in open(f"/proc/{pid}/smaps_rollup"):
            if l.startswith("Pss:"):
                return int(l.split()[1])
    except OSError:
        pass
    return 0


def helpers(marker):
    """PIDs of the parents of the containers' inits (`sleep MARKER`): the
    per-container monitors."""
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            cmd = open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")
            if len(cmd) >= 2 and cmd[0].endswith(b"sleep") and cmd[1] == marker.encode():
                stat = open(f"/proc/{p}/stat").read()
                out.append(int(stat.rsplit(")", 1)[1].split()[1]))
        except OSError:
            pass
    return out


def mem_available():
    for l in open("/proc/meminfo"):
        if l.startswith("MemAvailable:"):
            return int(l.split()[1])


def density():
    n = DENSITY_N
    say(f"## Density: {n} idle containers (`sleep`)")
    say()
    say(f"Started one after the other, then in parallel batches of {BATCH}; no network interfaces")
    say("(loopback only). Memory: the PSS of the per-container helper (taper's monitor, LXC's")
    say("`lxc-start` monitor), and the drop of MemAvailable over the start divided by N (noisy on a")
    say("shared host). Then all stopped (`stop -k`), timed the same way.")
    say()
    header(["taper", "lxc"])
    for i in range(n):
        taper_config(f"d{i}", ["init.cmd = /bin/sleep 100003", "net.0.type = empty"])
        lxc_config(f"d{i}", ["lxc.init.cmd = /bin/sleep 100004", "lxc.net.0.type = empty"])
    res = {}
    for mode in ("sequence", f"batches of {BATCH}"):
        for tool, start, stop, marker in (
                ("taper", lambda i: T("start", f"d{i}"), lambda i: T("stop", "-k", f"d{i}"), "100003"),
                ("lxc", lambda i: L("start", f"d{i}", "-d"), lambda i: L("stop", f"d{i}", "-k"), "100004")):
            def all_of(make):
                t = time.perf_counter_ns()
                step = 1 if mode == "sequence" else BATCH
                for b in range(0, n, step):
                    ps = [subprocess.Popen(make(i), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                          for i in range(b, min(n, b + step))]
                    for p in ps:
                        p.wait()
                return time.perf_counter_ns() - t
            before = mem_available()
            t_start = all_of(start)
            time.sleep(1)
            hs = helpers(marker)
            pss = sum(pss_kib(p) for p in hs) / max(1, len(hs))
            drop = (before - mem_available()) / n
            t_stop = all_of(stop)
            res[(mode, tool)] = (t_start, t_stop, pss, drop, len(hs))
    for mode in ("sequence", f"batches of {BATCH}"):
        for what, k, unit in (("start all", 0, lambda v: f"{v / 1e9:.2f} s"),
                              ("stop all", 1, lambda v: f"{v / 1e9:.2f} s")):
            t, l = res[(mode, "taper")][k], res[(mode, "lxc")][k]
            say(f"| {what}, {mode} | {unit(t)} ({t / l:.2f}x) | {unit(l)} (1.00x) | 1 |")
            summary.append((f"{n} idle: {what}, {mode}", unit(t), f"lxc {unit(l)}", f"{t / l:.2f}"))
    for what, k in (("helper PSS per container", 2), ("MemAvailable drop / N", 3)):
        t, l = res[("sequence", "taper")][k], res[("sequence", "lxc")][k]
        ratio = f" ({t / l:.2f}x)" if l > 0 else ""
        summary.append((f"{n} idle: {what}", f"{t:.0f} KiB", f"lxc {l:.0f} KiB", ratio.strip(" ()x")))
        say(f"| {what} | {t:.0f} KiB{ratio} | {l:.0f} KiB{' (1.00x)' if l > 0 else ''} | "
            f"{res[('sequence', 'taper')][4]}/{res[('sequence', 'lxc')][4]} helpers |")
    say()


# ---- (d) listing --------------------------------------------------------------

def listing():
    n, k = LIST_N, LIST_RUNNING
    say(f"## Listing: {n} defined containers, {k} running")
    say()
    header(["taper ls", "taper ls --format json", "lxc-ls -f"])
    for i in range(n):
        taper_config(f"l{i}", ["init.cmd = /bin/sleep 100005", "net.0.type = empty"])
        lxc_config(f"l{i}", ["lxc.init.cmd = /bin/sleep 100006", "lxc.net.0.type = empty"])
    for i in range(k):
        sh(*T("start", f"l{i}"))
        sh(*L("start", f"l{i}", "-d"))
    cmds = [Cmd("taper ls", T("ls")), Cmd("taper ls --format json", T("ls", "--format", "json")),
            Cmd("lxc-ls -f", ["lxc-ls", "-P", LXCPATH, "-f"])]
    interleave(cmds, ROUNDS)
    meds = [st.median(c.times) for c in cmds]
    say(f"| list | " + " | ".join(f"{ms(m)} ({m / meds[2]:.2f}x)" for m in meds) + f" | {ROUNDS} |")
    summary.append((f"list {n}, {k} running (table / json)", f"{ms(meds[0])} / {ms(meds[1])}",
                    f"lxc-ls -f {ms(meds[2])}", f"{meds[0] / meds[2]:.2f} / {meds[1] / meds[2]:.2f}"))
    say()
    for i in range(k):
        sh(*T("stop", "-k", f"l{i}"), check=False)
        sh(*L("stop", f"l{i}", "-k"), check=False)


# ---- (e) the web API ----------------------------------------------------------

def web():
    say(f"## Web API: `GET /api/v1/containers` over {WEB_N} containers")
    say()
    r = sh(os.path.join(HERE, "web-list.sh"), TAPER, str(WEB_N), check=False)
    m = re.search(r"median ([0-9.]+ ms), worst ([0-9.]+ ms)", r.stdout)
    if m:
        summary.append((f"web API list, {WEB_N} containers", f"{m[1]} (worst {m[2]})", "no peer", ""))
    say("`bench/web-list.sh` (10 running, the rest stopped; median and worst of 20 requests; no peer")
    say("has such an API): " + (r.stdout.strip() or f"failed: {r.stderr.strip()[-200:]}"))
    say()


def main():
    global WORKER
    make_rootfs()
    machine()
    WORKER = Worker()
    bridge = "benchbr0"
    sh("ip", "link", "add", bridge, "type", "bridge")
    sh("ip", "addr", "add", "10.99.0.1/24", "dev", bridge)
    sh("ip", "link", "set", bridge, "up")
    try:
        for name, fn in (("run", run_to_exit), ("oci", oci_cycle), ("system", lambda: system_containers(bridge)),
                         ("density", density), ("listing", listing), ("web", web)):
            if name in ONLY and (name != "oci" or TAPER_OCI):
                fn()
    finally:
        WORKER.close()
        # Inside the bench's namespaces, where the veths and rules are.
        for name in os.listdir(STORE):
            sh(*T("stop", "-k", name), check=False)
        for name in sh("lxc-ls", "-P", LXCPATH, "--running", check=False).stdout.split():
            sh(*L("stop", name, "-k"), check=False)
        # The store's runtime directory keeps each stopped container's exit
        # record; the store goes with the bench directory, so does it.
        h = 0xcbf29ce484222325  # the store id: FNV-1a-64 of the canonical path
        for b in os.path.realpath(STORE).encode():
            h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
        shutil.rmtree(f"/run/taper/{h:016x}", ignore_errors=True)
    say(f"Load average at the end: {open('/proc/loadavg').read().split()[:3]}.")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    partial = "" if ONLY == list(SECTIONS) else "-" + "-".join(ONLY)
    path = os.path.join(HERE, "results", f"{time.strftime('%Y-%m-%d')}-{platform.node()}"
                        f"{'' if FULL else '-quick'}{partial}.md")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"wrote {os.path.relpath(path, REPO)}")
    if FULL and not partial:
        write_summary(os.path.relpath(path, HERE))


BEGIN, END = "<!-- make bench: summary of the last FULL run -->", "<!-- end of summary -->"


def write_summary(result):
    """The last FULL run's rows, between the markers of bench/README.md."""
    readme = os.path.join(HERE, "README.md")
    text = open(readme).read()
    if BEGIN not in text or END not in text:
        return
    load = open("/proc/loadavg").read().split()[:3]
    lines = [BEGIN, "", f"`{result}` ({os.cpu_count()} cores, kernel {platform.release()}, "
             f"load at the end {' '.join(load)}):", "",
             "| | taper | best peer | taper / best |", "| --- | --- | --- | --- |"]
    lines += [f"| {w} | {t} | {p} | {r} |" for w, t, p, r in summary]
    lines += ["", END]
    head, rest = text.split(BEGIN, 1)
    with open(readme, "w") as f:
        f.write(head + "\n".join(lines) + rest.split(END, 1)[1])
    print("updated the summary in bench/README.md")


if __name__ == "__main__":
    main()

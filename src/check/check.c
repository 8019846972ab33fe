/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The probe table, the facts shared by the probes, and running them. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check/check-internal.h"
#include "util/child.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/time.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* A probe child that has not answered by then is killed. */
#define CHILD_TIMEOUT_MS 5000

/* Row macros: initializers laid out by hand. */
/* clang-format off */
#define NS(n, fl, req, kc, purpose_, fix_)                                                             \
	{ .name = "ns." n, .category = CHECK_CAT_NAMESPACES, .required = req, .probe = probe_namespace,  \
	  .flag = fl, .purpose = purpose_, .fix = fix_, .kconfig = kc }

#define CG(n, v2n, kc, purpose_)                                                                       \
	{ .name = "cgroup." n, .category = CHECK_CAT_CGROUPS, .probe = probe_cgroup_controller, .word = n,  \
	  .purpose = purpose_, .kconfig = kc,                                                             \
	  .fix = "mount it read-write (v1: mount -t cgroup -o " n " cgroup /sys/fs/cgroup/" n              \
		 "; v2: echo +" v2n " > cgroup.subtree_control of the parent)",                           \
	  .fix_absent = "build the kernel with " kc "=y" }

/* Controllers that exist on v1 only. */
#define CG1(n, kc, purpose_)                                                                           \
	{ .name = "cgroup." n, .category = CHECK_CAT_CGROUPS, .probe = probe_cgroup_controller, .word = n,  \
	  .purpose = purpose_, .kconfig = kc,                                                             \
	  .fix = "v1 only: mount -t cgroup -o " n " cgroup /sys/fs/cgroup/" n " (on cgroup2, match "      \
		 "sockets by cgroup in nftables instead)",                                                \
	  .fix_absent = "build the kernel with " kc "=y, or on cgroup2 match sockets by cgroup in "      \
			"nftables instead" }

#define ROW(cat, n, req, fn, word_, kc, purpose_, fix_)                                                \
	{ .name = n, .category = cat, .required = req, .probe = fn, .word = word_, .purpose = purpose_,  \
	  .fix = fix_, .kconfig = kc }
/* clang-format on */

static const struct check_probe probes[] = {
	NS("user", CLONE_NEWUSER, false, "CONFIG_USER_NS", "map container root to an unprivileged uid",
	   "build the kernel with CONFIG_USER_NS=y and set user.max_user_namespaces above 0"),
	NS("pid", CLONE_NEWPID, true, "CONFIG_PID_NS", "own process tree, init as pid 1",
	   "build the kernel with CONFIG_PID_NS=y; run taper as root"),
	NS("mount", CLONE_NEWNS, true, NULL, "own mount table and root filesystem",
	   "mount namespaces are always built in: run taper as root (CAP_SYS_ADMIN)"),
	NS("uts", CLONE_NEWUTS, true, "CONFIG_UTS_NS", "own hostname and domain name",
	   "build the kernel with CONFIG_UTS_NS=y; run taper as root"),
	NS("ipc", CLONE_NEWIPC, true, "CONFIG_IPC_NS", "own SysV IPC and POSIX message queues",
	   "build the kernel with CONFIG_IPC_NS=y; run taper as root"),
	NS("net", CLONE_NEWNET, true, "CONFIG_NET_NS", "own network stack and interfaces",
	   "build the kernel with CONFIG_NET_NS=y; run taper as root"),
	NS("cgroup", CLONE_NEWCGROUP, true, "CONFIG_CGROUPS", "hide the host's cgroup paths",
	   "needs Linux >= 4.6 with CONFIG_CGROUPS=y; run taper as root"),
	NS("time", CLONE_NEWTIME, false, "CONFIG_TIME_NS", "own boot and monotonic clocks (restore)",
	   "needs Linux >= 5.6 with CONFIG_TIME_NS=y"),

	ROW(CHECK_CAT_CGROUPS, "cgroup.hierarchy", true, probe_cgroup_hierarchy, NULL, "CONFIG_CGROUPS",
	    "limits, accounting and killing a whole container",
	    "mount cgroup2 read-write (mount -t cgroup2 none /sys/fs/cgroup), or v1 hierarchies"),
	CG("cpu", "cpu", "CONFIG_CGROUP_SCHED", "CPU weight and quota"),
	CG("cpuacct", "cpu", "CONFIG_CGROUP_CPUACCT", "CPU usage accounting"),
	CG("cpuset", "cpuset", "CONFIG_CPUSETS", "pinning to CPUs and memory nodes"),
	CG("memory", "memory", "CONFIG_MEMCG", "memory limit and usage"),
	CG("pids", "pids", "CONFIG_CGROUP_PIDS", "process count limit (fork bombs)"),
	CG("blkio", "io", "CONFIG_BLK_CGROUP", "block I/O weight, throttling, usage"),
	CG("devices", "devices", "CONFIG_CGROUP_DEVICE", "device node access control"),
	CG("hugetlb", "hugetlb", "CONFIG_CGROUP_HUGETLB", "huge page limits"),
	CG1("net_cls", "CONFIG_CGROUP_NET_CLASSID", "traffic classification (v1)"),
	CG1("net_prio", "CONFIG_CGROUP_NET_PRIO", "traffic priority (v1)"),
	CG("perf_event", "perf_event", "CONFIG_CGROUP_PERF", "perf monitoring per container"),
	CG("rdma", "rdma", "CONFIG_CGROUP_RDMA", "RDMA resource limits"),
	CG("misc", "misc", "CONFIG_CGROUP_MISC", "misc scalar resources (SEV ASIDs)"),
	ROW(CHECK_CAT_CGROUPS, "cgroup.device_rules", true, probe_cgroup_device_rules, NULL,
	    "CONFIG_CGROUP_BPF CONFIG_CGROUP_DEVICE",
	    "keep a container's root from the host's devices (every container has device rules)",
	    "mount cgroup2 read-write (mount -t cgroup2 none /sys/fs/cgroup, or /sys/fs/cgroup/unified "
	    "beside v1), or the v1 devices controller"),
	ROW(CHECK_CAT_CGROUPS, "cgroup.freezer", false, probe_cgroup_freezer, NULL, "CONFIG_CGROUP_FREEZER",
	    "freeze and thaw a container",
	    "mount the v1 freezer (mount -t cgroup -o freezer cgroup /sys/fs/cgroup/freezer) or use "
	    "cgroup2 on Linux >= 5.2"),
	ROW(CHECK_CAT_CGROUPS, "cgroup.v2", false, probe_cgroup_v2, NULL, NULL,
	    "unified hierarchy: controllers and delegation",
	    "mount cgroup2 (mount -t cgroup2 none /sys/fs/cgroup/unified beside v1)"),

	ROW(CHECK_CAT_NETWORK, "net.veth", true, probe_net_link, "veth", "CONFIG_VETH",
	    "link a container to the host or a bridge", "build the kernel with CONFIG_VETH=y or =m"),
	ROW(CHECK_CAT_NETWORK, "net.bridge", true, probe_net_link, "bridge", "CONFIG_BRIDGE",
	    "switch the containers of a network together", "build the kernel with CONFIG_BRIDGE=y or =m"),
	ROW(CHECK_CAT_NETWORK, "net.macvlan", false, probe_net_link, "macvlan", "CONFIG_MACVLAN",
	    "containers directly on a host interface", "build the kernel with CONFIG_MACVLAN=y or =m"),
	ROW(CHECK_CAT_NETWORK, "net.nftables", false, probe_net_nftables, NULL,
	    "CONFIG_NF_TABLES CONFIG_NF_TABLES_INET CONFIG_NFT_NAT CONFIG_NFT_MASQ",
	    "NAT and port forwarding for bridged networks",
	    "build the kernel with CONFIG_NF_TABLES=y or =m (and CONFIG_NF_TABLES_INET, CONFIG_NFT_NAT)"),
	ROW(CHECK_CAT_NETWORK, "net.ip_forward", false, probe_net_ip_forward, NULL, NULL,
	    "route container traffic off the host",
	    "sysctl -w net.ipv4.ip_forward=1 (persist it in /etc/sysctl.d/)"),

	ROW(CHECK_CAT_SECURITY, "seccomp", true, probe_seccomp, NULL, "CONFIG_SECCOMP CONFIG_SECCOMP_FILTER",
	    "system call filtering", "build the kernel with CONFIG_SECCOMP=y and CONFIG_SECCOMP_FILTER=y"),
	ROW(CHECK_CAT_SECURITY, "seccomp.notify", false, probe_seccomp_notify, NULL, "CONFIG_SECCOMP_FILTER",
	    "supervise system calls from outside", "needs Linux >= 5.0 (SECCOMP_FILTER_FLAG_NEW_LISTENER)"),
	ROW(CHECK_CAT_SECURITY, "no_new_privs", true, probe_no_new_privs, NULL, NULL,
	    "setuid binaries cannot gain privileges", "needs Linux >= 3.5 (PR_SET_NO_NEW_PRIVS)"),

	ROW(CHECK_CAT_MOUNTS, "pivot_root", true, probe_pivot_root, NULL, NULL,
	    "enter the container root, detach the host's",
	    "run taper as root; pivot_root fails when / is the initramfs (boot with a real root)"),
	ROW(CHECK_CAT_MOUNTS, "overlayfs", false, probe_overlayfs, NULL, "CONFIG_OVERLAY_FS",
	    "copy-on-write snapshots and clones",
	    "modprobe overlay, or build the kernel with CONFIG_OVERLAY_FS"),

	ROW(CHECK_CAT_SYSCALLS, "clone3", true, probe_clone3, NULL, NULL,
	    "spawn into namespaces with a pidfd", "needs Linux >= 5.3"),
	ROW(CHECK_CAT_SYSCALLS, "openat2", true, probe_openat2, NULL, NULL,
	    "resolve container paths safely (RESOLVE_IN_ROOT)", "needs Linux >= 5.6"),
	ROW(CHECK_CAT_SYSCALLS, "pidfd_open", false, probe_pidfd_open, NULL, NULL,
	    "race-free signalling of running containers", "needs Linux >= 5.3"),
	ROW(CHECK_CAT_SYSCALLS, "close_range", false, probe_close_range, NULL, NULL,
	    "close inherited descriptors before exec", "needs Linux >= 5.9"),

	ROW(CHECK_CAT_ROOTLESS, "userns.max", false, probe_userns_max, NULL, "CONFIG_USER_NS",
	    "room for user namespaces", "sysctl -w user.max_user_namespaces=15000"),
	ROW(CHECK_CAT_ROOTLESS, "userns.unprivileged", false, probe_userns_unprivileged, NULL, NULL,
	    "users may create user namespaces",
	    "sysctl -w kernel.unprivileged_userns_clone=1 (and kernel.apparmor_restrict_unprivileged_userns=0)"),
	ROW(CHECK_CAT_ROOTLESS, "newuidmap", false, probe_idmap_binary, "newuidmap", NULL,
	    "map subordinate uids for users", "apt-get install uidmap"),
	ROW(CHECK_CAT_ROOTLESS, "newgidmap", false, probe_idmap_binary, "newgidmap", NULL,
	    "map subordinate gids for users", "apt-get install uidmap"),
	ROW(CHECK_CAT_ROOTLESS, "subuid", false, probe_subid_file, "/etc/subuid", NULL,
	    "subordinate uid ranges per user", "usermod --add-subuids 100000-165535 USER"),
	ROW(CHECK_CAT_ROOTLESS, "subgid", false, probe_subid_file, "/etc/subgid", NULL,
	    "subordinate gid ranges per user", "usermod --add-subgids 100000-165535 USER"),
};

static const struct {
	const char *name;
	const char *title;
} categories[CHECK_CAT_MAX] = {
	[CHECK_CAT_NAMESPACES] = { "namespaces", "Namespaces" },
	[CHECK_CAT_CGROUPS] = { "cgroups", "Control groups" },
	[CHECK_CAT_NETWORK] = { "network", "Networking" },
	[CHECK_CAT_SECURITY] = { "security", "Security" },
	[CHECK_CAT_MOUNTS] = { "mounts", "Mounts" },
	[CHECK_CAT_SYSCALLS] = { "syscalls", "System calls" },
	[CHECK_CAT_ROOTLESS] = { "rootless", "Rootless containers" },
};

const struct check_probe *check_probes(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(probes);
	return probes;
}

const char *check_category_name(enum check_category c)
{
	return c < CHECK_CAT_MAX ? categories[c].name : NULL;
}

const char *check_category_title(enum check_category c)
{
	return c < CHECK_CAT_MAX ? categories[c].title : NULL;
}

bool check_kernel_at_least(const struct check_env *env, unsigned major, unsigned minor)
{
	unsigned a = 0, b = 0;

	if (sscanf(env->release, "%u.%u", &a, &b) != 2)
		return false;
	return a > major || (a == major && b >= minor);
}

/* --- the child runner --- */

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000L;
}

static void reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

struct probe_call {
	check_child_fn fn;
	const void *arg;
};

/* The probe's msg goes back as its output, or as its error's message. */
static int probe_child(void *arg, int report_fd, struct taper_err *err)
{
	const struct probe_call *c = arg;
	char msg[CHECK_DETAIL_MAX] = "";
	int r = c->fn(c->arg, msg, sizeof(msg));

	if (r < 0)
		return err_plain(err, r, "%s", msg[0] ? msg : strerror(-r));
	return child_report_output(report_fd, msg, strnlen(msg, sizeof(msg)));
}

int check_in_child(check_child_fn fn, const void *arg, char *msg, size_t len)
{
	struct probe_call c = { fn, arg };
	_cleanup_free_ char *out = NULL;
	struct taper_err err = { 0 };
	int r;

	r = child_run(
		probe_child, &c,
		&(struct child_opts){ .what = "probe", .timeout_ms = CHILD_TIMEOUT_MS, .ret_out = &out },
		&err);
	snprintf(msg, len, "%s", r < 0 ? err.msg : out);
	return r;
}

/* --- gathering the shared facts --- */

static void env_free(struct check_env *env)
{
	if (!env)
		return;
	cgroup_mounts_clear(&env->cg);
	free(env->subsys);
	free(env->v2_controllers);
	free(env->v2_subtree);
	kconfig_clear(&env->kconfig);
	free(env);
}
DEFINE_CLEANUP_FUNC(struct check_env, env_free)

static int env_gather(struct check_env *env, struct taper_err *err)
{
	_cleanup_free_ char *mountinfo = NULL, *cgroups = NULL;
	const struct cgroup_mount *v2;
	struct utsname uts;
	struct taper_err kerr = {};
	int r;

	if (uname(&uts) == 0)
		snprintf(env->release, sizeof(env->release), "%s", uts.release);
	r = read_file("/proc/self/mountinfo", 4u << 20, &mountinfo);
	if (r < 0)
		return err_set(err, r, "read /proc/self/mountinfo");
	r = cgroup_mounts_parse(mountinfo, &env->cg);
	if (r < 0)
		return err_set(err, r, "parse /proc/self/mountinfo");
	/* No /proc/cgroups at all is a kernel without cgroups: every
	 * controller probe then says so. */
	r = read_file("/proc/cgroups", 64 * 1024, &cgroups);
	if (r < 0 && r != -ENOENT)
		return err_set(err, r, "read /proc/cgroups");
	if (r == 0) {
		r = cg_subsys_parse(cgroups, &env->subsys, &env->n_subsys);
		if (r < 0)
			return err_set(err, r, "parse /proc/cgroups");
	}
	v2 = cgroup_mounts_v2(&env->cg);
	if (v2) {
		_cleanup_free_ char *p1 = NULL, *p2 = NULL;

		if (asprintf(&p1, "%s/cgroup.controllers", v2->path) < 0 ||
		    asprintf(&p2, "%s/cgroup.subtree_control", v2->path) < 0)
			return err_set(err, ENOMEM, "cgroup2 paths");
		/* Unreadable files leave NULL: "none" in the report. */
		(void)read_file(p1, 4096, &env->v2_controllers);
		(void)read_file(p2, 4096, &env->v2_subtree);
	}
	r = kconfig_load(env->release, &env->kconfig, env->kconfig_source, sizeof(env->kconfig_source),
			 &kerr);
	env->have_kconfig = r == 0;
	/* A kernel config is extra information: never fatal. */
	if (r < 0)
		env->kconfig_source[0] = '\0';
	return 0;
}

/* Mark the probes named in a comma-separated list as failed. */
static int apply_force_fail(const char *list, struct check_result *res, size_t n, struct taper_err *err)
{
	if (!list)
		return 0;
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		size_t i;

		for (i = 0; i < n; i++)
			if (len && strlen(res[i].probe->name) == len &&
			    memcmp(res[i].probe->name, p, len) == 0)
				break;
		if (len && i == n)
			return err_set(err, 0, "force-fail: unknown check \"%.*s\"", (int)len, p);
		if (len) {
			char probe_said[CHECK_DETAIL_MAX];

			snprintf(probe_said, sizeof(probe_said), "%s", res[i].detail);
			snprintf(res[i].detail, sizeof(res[i].detail),
				 "forced to fail (test hook); probe: %.250s", probe_said);
			res[i].ok = false;
			res[i].forced = true;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* One worker process per probe, all at once: most probes wait on the
 * kernel (RCU grace periods when links go away, namespace set-up), not on
 * a CPU, so running them side by side bounds the run by the slowest probe
 * rather than the sum. A worker also keeps a crashing probe from taking
 * the report with it. */
struct worker {
	pid_t pid;
	size_t got;
	long start_us;
	struct {
		int32_t ok;
		char detail[CHECK_DETAIL_MAX];
	} answer;
};

static void worker_main(struct check_env *env, const struct check_probe *p, int fd)
{
	struct worker w = {};
	const char *b = (const char *)&w.answer;
	size_t off = 0;

	w.answer.ok = p->probe(env, p, w.answer.detail, sizeof(w.answer.detail));
	while (off < sizeof(w.answer)) {
		ssize_t n = write(fd, b + off, sizeof(w.answer) - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1);
		off += (size_t)n;
	}
	_exit(0);
}

static void run_probes(struct check_env *env, struct check_result *res, size_t n)
{
	_cleanup_free_ struct worker *w = calloc(n, sizeof(*w));
	_cleanup_free_ struct pollfd *pfd = calloc(n, sizeof(*pfd));
	long deadline = now_ms() + CHILD_TIMEOUT_MS + 1000;
	size_t open_fds = 0;

	for (size_t i = 0; i < n; i++) {
		res[i].probe = &probes[i];
		pfd[i].fd = -1;
	}
	if (!w || !pfd) {
		/* No memory for the workers: probe one after the other. */
		for (size_t i = 0; i < n; i++)
			res[i].ok = probes[i].probe(env, &probes[i], res[i].detail, sizeof(res[i].detail));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int fds[2];

		w[i].start_us = now_us();
		if (pipe2(fds, O_CLOEXEC) < 0) {
			snprintf(res[i].detail, sizeof(res[i].detail), "pipe: %s", strerror(errno));
			continue;
		}
		w[i].pid = fork();
		if (w[i].pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(fds[0]);
			worker_main(env, &probes[i], fds[1]);
		}
		close(fds[1]);
		if (w[i].pid < 0) {
			snprintf(res[i].detail, sizeof(res[i].detail), "fork: %s", strerror(errno));
			close(fds[0]);
			continue;
		}
		pfd[i] = (struct pollfd){ .fd = fds[0], .events = POLLIN };
		open_fds++;
	}
	while (open_fds > 0) {
		long left = deadline - now_ms();
		int pr = left > 0 ? poll(pfd, n, (int)left) : 0;

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			break;
		for (size_t i = 0; i < n; i++) {
			ssize_t got;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			got = read(pfd[i].fd, (char *)&w[i].answer + w[i].got,
				   sizeof(w[i].answer) - w[i].got);
			if (got < 0 && errno == EINTR)
				continue;
			if (got > 0) {
				w[i].got += (size_t)got;
				continue;
			}
			pfd[i].fd = safe_close(pfd[i].fd);
			open_fds--;
			log_debug("check %s: answered in %ld us", probes[i].name, now_us() - w[i].start_us);
		}
	}
	for (size_t i = 0; i < n; i++) {
		int status = 0;

		if (w[i].pid <= 0)
			continue;
		if (pfd[i].fd >= 0) {
			kill(w[i].pid, SIGKILL);
			pfd[i].fd = safe_close(pfd[i].fd);
		}
		reap(w[i].pid, &status);
		if (w[i].got == sizeof(w[i].answer)) {
			res[i].ok = w[i].answer.ok;
			w[i].answer.detail[sizeof(w[i].answer.detail) - 1] = '\0';
			memcpy(res[i].detail, w[i].answer.detail, sizeof(res[i].detail));
		} else if (WIFSIGNALED(status)) {
			snprintf(res[i].detail, sizeof(res[i].detail), "probe %s",
				 strsignal(WTERMSIG(status)));
		} else {
			snprintf(res[i].detail, sizeof(res[i].detail), "probe gave no answer");
		}
	}
}

int check_run(const struct check_options *opts, struct check_report *ret, struct taper_err *err)
{
	_cleanup_(env_freep) struct check_env *env = calloc(1, sizeof(*env));
	_cleanup_free_ struct check_result *res = calloc(ARRAY_SIZE(probes), sizeof(*res));
	int r;

	if (!env || !res)
		return err_set(err, ENOMEM, "check");
	r = env_gather(env, err);
	if (r < 0)
		return r;
	run_probes(env, res, ARRAY_SIZE(probes));
	r = apply_force_fail(opts ? opts->force_fail : NULL, res, ARRAY_SIZE(probes), err);
	if (r < 0)
		return r;
	*ret = (struct check_report){
		.cgroup_mode = cgroup_mounts_mode(&env->cg),
		.results = TAKE_PTR(res),
		.n_results = ARRAY_SIZE(probes),
		.kconfig_source = env->have_kconfig ? env->kconfig_source : NULL,
		.env = TAKE_PTR(env),
	};
	return 0;
}

void check_report_clear(struct check_report *r)
{
	if (!r)
		return;
	free(r->results);
	env_free(r->env);
	*r = (struct check_report){};
}

bool check_report_ok(const struct check_report *r)
{
	for (size_t i = 0; i < r->n_results; i++)
		if (r->results[i].probe->required && !r->results[i].ok)
			return false;
	return true;
}

const char *check_result_fix(const struct check_report *rep, const struct check_result *r)
{
	const struct check_probe *p = r->probe;

	if (!p->fix_absent || !rep->env)
		return p->fix;
	for (size_t i = 0; i < rep->env->n_subsys; i++)
		if (strcmp(rep->env->subsys[i].name, p->word) == 0)
			return p->fix;
	return p->fix_absent;
}

const char *check_report_kconfig(const struct check_report *r, const char *option)
{
	if (!r->env || !r->env->have_kconfig)
		return NULL;
	return kconfig_get(&r->env->kconfig, option);
}

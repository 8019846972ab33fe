/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/capability.h>
#include <sys/resource.h>

#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/parse.h"
#include "util/strv.h"

static const struct {
	const char *name;
	unsigned long clone_flag;
} ns_table[TAPER_NS_COUNT] = {
	{ "user", CLONE_NEWUSER },     { "pid", CLONE_NEWPID },
	{ "mnt", CLONE_NEWNS },        { "uts", CLONE_NEWUTS },
	{ "ipc", CLONE_NEWIPC },       { "net", CLONE_NEWNET },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", 0x00000080 /* CLONE_NEWTIME */ },
};

static int ns_index(unsigned ns_bit)
{
	for (int i = 0; i < TAPER_NS_COUNT; i++)
		if (ns_bit == 1u << i)
			return i;
	return -1;
}

const char *spec_ns_name(unsigned ns_bit)
{
	int i = ns_index(ns_bit);
	return i < 0 ? NULL : ns_table[i].name;
}

unsigned long spec_ns_clone_flag(unsigned ns_bit)
{
	int i = ns_index(ns_bit);
	return i < 0 ? 0 : ns_table[i].clone_flag;
}

/* The OCI runtime-spec's default masked and read-only paths (as runc's
 * `spec` and docker write them). */
static const char *const default_masked[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/interrupts",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
	NULL,
};
static const char *const default_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

/* docker's and podman's default set. */
static const int default_caps[] = {
	CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
	CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
	CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
	CAP_KILL,    CAP_AUDIT_WRITE,
};

uint64_t spec_caps_default(void)
{
	uint64_t m = 0;

	for (size_t i = 0; i < ARRAY_SIZE(default_caps); i++)
		m |= UINT64_C(1) << default_caps[i];
	return m;
}

/* Left out even in a user namespace: these act on the host whatever the
 * namespace (module loading, raw I/O ports, the clock) or belong to a
 * host's security module. */
static const int userns_excluded_caps[] = {
	CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_TIME, CAP_MAC_ADMIN, CAP_MAC_OVERRIDE,
};

uint64_t spec_caps_userns(void)
{
	int last = spec_cap_last();
	uint64_t m = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;

	for (size_t i = 0; i < ARRAY_SIZE(userns_excluded_caps); i++)
		m &= ~(UINT64_C(1) << userns_excluded_caps[i]);
	return m;
}

void spec_subid_range(const char *file, uint32_t *ret_base, uint32_t *ret_count)
{
	_cleanup_free_ char *s = NULL;
	char *save = NULL;

	*ret_base = TAPER_USERNS_BASE;
	*ret_count = TAPER_USERNS_COUNT;
	if (read_file(file, 1 << 20, &s) < 0)
		return;
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *b = strchr(line, ':'), *c;
		uint32_t vb, vc;

		if (!b || !(c = strchr(b + 1, ':')))
			continue;
		*b++ = '\0';
		*c++ = '\0';
		if ((strcmp(line, "root") == 0 || strcmp(line, "0") == 0) && parse_u32(b, &vb) == 0 &&
		    parse_u32(c, &vc) == 0 && vc > 0 && (uint64_t)vb + vc <= UINT32_MAX) {
			*ret_base = vb;
			*ret_count = vc;
			return;
		}
	}
}

int spec_cap_from_name(const char *name)
{
	const char *n;

	if (!name)
		return -EINVAL;
	if (strncasecmp(name, "cap_", 4) == 0)
		name += 4;
	/* By name only, as the table spells it after "CAP_", in any case. */
	for (int cap = 0; (n = spec_cap_to_name(cap)); cap++)
		if (strcasecmp(name, n + 4) == 0)
			return cap;
	return -EINVAL;
}

const char *spec_cap_to_name(int cap)
{
	/* Upper-case names as the OCI spec and /proc/PID/status readers use. */
	static const char *const names[] = {
		"CAP_CHOWN",
		"CAP_DAC_OVERRIDE",
		"CAP_DAC_READ_SEARCH",
		"CAP_FOWNER",
		"CAP_FSETID",
		"CAP_KILL",
		"CAP_SETGID",
		"CAP_SETUID",
		"CAP_SETPCAP",
		"CAP_LINUX_IMMUTABLE",
		"CAP_NET_BIND_SERVICE",
		"CAP_NET_BROADCAST",
		"CAP_NET_ADMIN",
		"CAP_NET_RAW",
		"CAP_IPC_LOCK",
		"CAP_IPC_OWNER",
		"CAP_SYS_MODULE",
		"CAP_SYS_RAWIO",
		"CAP_SYS_CHROOT",
		"CAP_SYS_PTRACE",
		"CAP_SYS_PACCT",
		"CAP_SYS_ADMIN",
		"CAP_SYS_BOOT",
		"CAP_SYS_NICE",
		"CAP_SYS_RESOURCE",
		"CAP_SYS_TIME",
		"CAP_SYS_TTY_CONFIG",
		"CAP_MKNOD",
		"CAP_LEASE",
		"CAP_AUDIT_WRITE",
		"CAP_AUDIT_CONTROL",
		"CAP_SETFCAP",
		"CAP_MAC_OVERRIDE",
		"CAP_MAC_ADMIN",
		"CAP_SYSLOG",
		"CAP_WAKE_ALARM",
		"CAP_BLOCK_SUSPEND",
		"CAP_AUDIT_READ",
		"CAP_PERFMON",
		"CAP_BPF",
		"CAP_CHECKPOINT_RESTORE",
	};
	if (cap < 0 || (size_t)cap >= ARRAY_SIZE(names))
		return NULL;
	return names[cap];
}

int spec_cap_last(void)
{
	_cleanup_free_ char *s = NULL;
	int last = CAP_LAST_CAP;

	if (read_file("/proc/sys/kernel/cap_last_cap", 32, &s) == 0)
		last = atoi(s);
	return last > 63 ? 63 : last;
}

void spec_caps_add(struct taper_caps *caps, uint64_t mask)
{
	caps->bounding |= mask;
	caps->effective |= mask;
	caps->permitted |= mask;
}

void spec_caps_drop(struct taper_caps *caps, uint64_t mask)
{
	caps->bounding &= ~mask;
	caps->effective &= ~mask;
	caps->permitted &= ~mask;
	caps->inheritable &= ~mask;
	caps->ambient &= ~mask;
}

void limits_init(struct taper_limits *l)
{
	*l = (struct taper_limits){
		.memory_max = TAPER_UNSET,
		.memory_high = TAPER_UNSET,
		.swap_max = TAPER_UNSET,
		.pids_max = TAPER_UNSET,
		.cpu_weight = TAPER_UNSET,
		.cpu_shares = TAPER_UNSET,
		.cpu_quota_us = TAPER_UNSET,
		.cpu_period_us = TAPER_UNSET,
		.io_weight = TAPER_UNSET,
	};
}

void limits_clear(struct taper_limits *l)
{
	free(l->cpuset_cpus);
	free(l->cpuset_mems);
	for (size_t i = 0; i < l->n_raw; i++) {
		free(l->raw[i].file);
		free(l->raw[i].value);
	}
	free(l->raw);
	free(l->devices);
	limits_init(l);
}

int spec_add_device_rule(struct taper_limits *l, const struct taper_device_rule *r)
{
	struct taper_device_rule *n = realloc(l->devices, (l->n_devices + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	n[l->n_devices++] = *r;
	l->devices = n;
	return 0;
}

int spec_add_cgroup_raw(struct taper_limits *l, int version, const char *file, const char *value)
{
	_cleanup_free_ char *f = strdup(file), *v = strdup(value);
	struct taper_cgroup_raw *n;

	if (!f || !v)
		return -ENOMEM;
	n = realloc(l->raw, (l->n_raw + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	l->raw = n;
	n[l->n_raw++] =
		(struct taper_cgroup_raw){ .version = version, .file = TAKE_PTR(f), .value = TAKE_PTR(v) };
	return 0;
}

int spec_default_devices(struct taper_limits *l)
{
	static const struct taper_device_rule defaults[] = {
		{ true, 'a', TAPER_DEV_ANY, TAPER_DEV_ANY, TAPER_DEV_MKNOD }, /* mknod, char or block */
		{ true, 'c', 1, 3, TAPER_DEV_RWM },                           /* null */
		{ true, 'c', 1, 5, TAPER_DEV_RWM },                           /* zero */
		{ true, 'c', 1, 7, TAPER_DEV_RWM },                           /* full */
		{ true, 'c', 1, 8, TAPER_DEV_RWM },                           /* random */
		{ true, 'c', 1, 9, TAPER_DEV_RWM },                           /* urandom */
		{ true, 'c', 5, 0, TAPER_DEV_RWM },                           /* tty */
		{ true, 'c', 5, 1, TAPER_DEV_RWM },                           /* console */
		{ true, 'c', 5, 2, TAPER_DEV_RWM },                           /* ptmx */
		{ true, 'c', 136, TAPER_DEV_ANY, TAPER_DEV_RWM },             /* pts slaves */
		{ true, 'c', 10, 200, TAPER_DEV_RWM },                        /* net/tun */
		{ true, 'c', 10, 229, TAPER_DEV_RWM },                        /* fuse */
	};

	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
		if (spec_add_device_rule(l, &defaults[i]) < 0)
			return -ENOMEM;
	return 0;
}

static int parse_dev_number(const char *s, size_t len, int64_t *ret)
{
	char buf[16];
	uint64_t v;

	if (len == 1 && s[0] == '*') {
		*ret = TAPER_DEV_ANY;
		return 0;
	}
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_u64_range(buf, 0, UINT32_MAX, &v) < 0)
		return -EINVAL;
	*ret = (int64_t)v;
	return 0;
}

int spec_parse_device_rule(const char *text, bool allow, struct taper_device_rule *ret)
{
	const char *colon, *space, *acc;
	struct taper_device_rule r = { .allow = allow, .major = TAPER_DEV_ANY, .minor = TAPER_DEV_ANY };

	if (strcmp(text, "a") == 0) {
		r.type = 'a';
		r.access = TAPER_DEV_RWM;
		*ret = r;
		return 0;
	}
	/* TYPE SP MAJOR:MINOR SP ACCESS */
	if (!strchr("abc", text[0]) || !text[0] || text[1] != ' ')
		return -EINVAL;
	r.type = text[0];
	colon = strchr(text + 2, ':');
	space = colon ? strchr(colon, ' ') : NULL;
	if (!colon || !space || parse_dev_number(text + 2, (size_t)(colon - text - 2), &r.major) < 0 ||
	    parse_dev_number(colon + 1, (size_t)(space - colon - 1), &r.minor) < 0)
		return -EINVAL;
	if (r.type == 'a' && (r.major != TAPER_DEV_ANY || r.minor != TAPER_DEV_ANY))
		return -EINVAL;
	for (acc = space + 1; *acc; acc++) {
		unsigned bit = *acc == 'r'   ? TAPER_DEV_READ
			       : *acc == 'w' ? TAPER_DEV_WRITE
			       : *acc == 'm' ? TAPER_DEV_MKNOD
					     : 0;

		if (!bit || (r.access & bit))
			return -EINVAL;
		r.access |= bit;
	}
	if (!r.access)
		return -EINVAL;
	*ret = r;
	return 0;
}

void spec_format_device_rule(const struct taper_device_rule *r, char *buf, size_t n)
{
	char major[16] = "*", minor[16] = "*";

	if (r->major != TAPER_DEV_ANY)
		snprintf(major, sizeof(major), "%lld", (long long)r->major);
	if (r->minor != TAPER_DEV_ANY)
		snprintf(minor, sizeof(minor), "%lld", (long long)r->minor);
	snprintf(buf, n, "%c %s:%s %s%s%s", r->type, major, minor, r->access & TAPER_DEV_READ ? "r" : "",
		 r->access & TAPER_DEV_WRITE ? "w" : "", r->access & TAPER_DEV_MKNOD ? "m" : "");
}

struct taper_spec *spec_new(void)
{
	struct taper_spec *s = calloc(1, sizeof(*s));
	uint64_t caps = spec_caps_default();

	if (!s)
		return NULL;
	s->namespaces = TAPER_NS_DEFAULT;
	s->process.no_new_privs = true;
	s->process.caps = (struct taper_caps){
		.bounding = caps,
		.effective = caps,
		.permitted = caps,
	};
	s->process.oom_score_adj = TAPER_UNSET;
	s->process.umask = TAPER_UNSET;
	s->process.io_priority = TAPER_UNSET;
	s->process.sched.policy = TAPER_UNSET;
	s->personality = TAPER_UNSET;
	limits_init(&s->limits);
	if (spec_default_devices(&s->limits) < 0) {
		spec_free(s);
		return NULL;
	}
	s->masked_paths = strv_copy((char *const *)default_masked);
	s->readonly_paths = strv_copy((char *const *)default_readonly);
	s->process.seccomp = strdup("default");
	s->process.cwd = strdup("/");
	if (!s->masked_paths || !s->readonly_paths || !s->process.seccomp || !s->process.cwd ||
	    strv_extend(&s->process.env,
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0 ||
	    spec_set_rlimit(s, RLIMIT_NOFILE, 1024, 1024) < 0) {
		spec_free(s);
		return NULL;
	}
	return s;
}

void spec_free(struct taper_spec *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->rootfs);
	free(s->overlay_lower);
	free(s->overlay_dir);
	free(s->hostname);
	for (int i = 0; i < TAPER_NS_COUNT; i++)
		free(s->ns_path[i]);
	free(s->uid_map);
	free(s->gid_map);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].source);
		free(s->mounts[i].target);
		free(s->mounts[i].fstype);
		free(s->mounts[i].data);
		free(s->mounts[i].uid_map);
		free(s->mounts[i].gid_map);
	}
	free(s->mounts);
	strv_free(s->masked_paths);
	strv_free(s->readonly_paths);
	strv_free(s->process.argv);
	strv_free(s->process.env);
	free(s->process.cwd);
	free(s->process.additional_gids);
	free(s->process.rlimits);
	free(s->process.seccomp);
	limits_clear(&s->limits);
	for (size_t i = 0; i < s->n_netifs; i++) {
		free(s->netifs[i].name);
		free(s->netifs[i].link);
		free(s->netifs[i].host_name);
		free(s->netifs[i].hwaddr);
		free(s->netifs[i].ipv4);
		free(s->netifs[i].ipv4_gateway);
	}
	free(s->netifs);
	free(s->process.seccomp_json);
	free(s->process.seccomp_label);
	free(s->domainname);
	strv_free(s->sysctl);
	for (size_t i = 0; i < s->n_dev_nodes; i++)
		free(s->dev_nodes[i].path);
	free(s->dev_nodes);
	strv_free(s->annotations);
	free(s->cgroup_path);
	for (int p = 0; p < TAPER_HOOK_COUNT; p++) {
		for (size_t i = 0; i < s->n_hooks[p]; i++) {
			free(s->hooks[p][i].path);
			strv_free(s->hooks[p][i].args);
			strv_free(s->hooks[p][i].env);
		}
		free(s->hooks[p]);
	}
	free(s->bundle);
	free(s);
}

static char *strdup_or_null(const char *s, bool *oom)
{
	char *c;

	if (!s)
		return NULL;
	c = strdup(s);
	if (!c)
		*oom = true;
	return c;
}

int spec_add_mount(struct taper_spec *spec, const char *source, const char *target, const char *fstype,
		   const char *data, unsigned flags)
{
	struct taper_mount *m = realloc(spec->mounts, (spec->n_mounts + 1) * sizeof(*m));
	bool oom = false;

	if (!m)
		return -ENOMEM;
	spec->mounts = m;
	m = &spec->mounts[spec->n_mounts];
	*m = (struct taper_mount){
		.source = strdup_or_null(source, &oom),
		.target = strdup_or_null(target, &oom),
		.fstype = strdup_or_null(fstype, &oom),
		.data = strdup_or_null(data, &oom),
		.flags = flags,
	};
	spec->n_mounts++;
	return oom ? -ENOMEM : 0;
}

int spec_add_idmap(struct taper_idmap **map, size_t *n, uint32_t container_id, uint32_t host_id,
		   uint32_t count)
{
	struct taper_idmap *m = realloc(*map, (*n + 1) * sizeof(*m));

	if (!m)
		return -ENOMEM;
	m[*n] = (struct taper_idmap){ container_id, host_id, count };
	*map = m;
	(*n)++;
	return 0;
}

bool spec_idmap_has_host_id(const struct taper_idmap *map, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= map[i].host_id && id - map[i].host_id < map[i].count)
			return true;
	return false;
}

int spec_set_rlimit(struct taper_spec *spec, int resource, uint64_t soft, uint64_t hard)
{
	struct taper_process *p = &spec->process;
	struct taper_rlimit *r;

	for (size_t i = 0; i < p->n_rlimits; i++) {
		if (p->rlimits[i].resource == resource) {
			p->rlimits[i].soft = soft;
			p->rlimits[i].hard = hard;
			return 0;
		}
	}
	r = realloc(p->rlimits, (p->n_rlimits + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	r[p->n_rlimits++] = (struct taper_rlimit){ resource, soft, hard };
	p->rlimits = r;
	return 0;
}

int spec_add_netif(struct taper_spec *spec, enum taper_netif_type type, struct taper_netif **ret)
{
	struct taper_netif *n = realloc(spec->netifs, (spec->n_netifs + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	spec->netifs = n;
	n = &spec->netifs[spec->n_netifs++];
	*n = (struct taper_netif){ .type = type };
	if (ret)
		*ret = n;
	return 0;
}

int spec_add_dev_node(struct taper_spec *spec, const struct taper_dev_node *node)
{
	struct taper_dev_node *n = realloc(spec->dev_nodes, (spec->n_dev_nodes + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	spec->dev_nodes = n;
	n = &spec->dev_nodes[spec->n_dev_nodes];
	*n = *node;
	n->path = strdup(node->path);
	if (!n->path)
		return -ENOMEM;
	spec->n_dev_nodes++;
	return 0;
}

int spec_add_hook(struct taper_spec *spec, enum taper_hook_phase phase, const char *path, char *const *args,
		  char *const *env, unsigned timeout)
{
	struct taper_hook *h;

	if ((unsigned)phase >= TAPER_HOOK_COUNT)
		return -EINVAL;
	h = realloc(spec->hooks[phase], (spec->n_hooks[phase] + 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	spec->hooks[phase] = h;
	h = &h[spec->n_hooks[phase]];
	*h = (struct taper_hook){ .path = strdup(path),
				  .args = args ? strv_copy(args) : NULL,
				  .env = env ? strv_copy(env) : NULL,
				  .timeout = timeout };
	if (!h->path || (args && !h->args) || (env && !h->env)) {
		free(h->path);
		strv_free(h->args);
		strv_free(h->env);
		return -ENOMEM;
	}
	spec->n_hooks[phase]++;
	return 0;
}

bool spec_has_run_hooks(const struct taper_spec *spec)
{
	return spec->n_hooks[TAPER_HOOK_PRESTART] || spec->n_hooks[TAPER_HOOK_CREATE_RUNTIME] ||
	       spec->n_hooks[TAPER_HOOK_CREATE_CONTAINER] || spec->n_hooks[TAPER_HOOK_START_CONTAINER];
}

bool spec_sysctl_is_namespaced(const char *key, unsigned *ret_ns_bit)
{
	static const struct {
		const char *key;
		bool prefix;
		unsigned ns;
	} table[] = {
		{ "kernel.msgmax", false, TAPER_NS_IPC },   { "kernel.msgmnb", false, TAPER_NS_IPC },
		{ "kernel.msgmni", false, TAPER_NS_IPC },   { "kernel.sem", false, TAPER_NS_IPC },
		{ "kernel.shmall", false, TAPER_NS_IPC },   { "kernel.shmmax", false, TAPER_NS_IPC },
		{ "kernel.shmmni", false, TAPER_NS_IPC },   { "kernel.shm_rmid_forced", false, TAPER_NS_IPC },
		{ "fs.mqueue.", true, TAPER_NS_IPC },       { "net.", true, TAPER_NS_NET },
		{ "kernel.hostname", false, TAPER_NS_UTS }, { "kernel.domainname", false, TAPER_NS_UTS },
	};

	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		size_t n = strlen(table[i].key);

		if (table[i].prefix ? strncmp(key, table[i].key, n) == 0 && key[n]
				    : strcmp(key, table[i].key) == 0) {
			if (ret_ns_bit)
				*ret_ns_bit = table[i].ns;
			return true;
		}
	}
	return false;
}

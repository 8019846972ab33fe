/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spec.h — the one in-memory description of a container.
 *
 * Every front end compiles to a struct taper_spec: `taper run` flags, a
 * system container's config file, an OCI config.json, a charm unit. The
 * executor (src/run/) turns a spec into a running process tree and never
 * parses a file; front ends never touch namespaces, mounts or cgroups.
 *
 * Ownership: a spec owns every string and array it points to; spec_free()
 * releases it all. Unset numeric limits are TAPER_UNSET (-1) so that 0 can
 * be a real value. spec_new() fills the secure defaults (namespaces, the
 * default capability set, masked and read-only paths, seccomp "default",
 * no_new_privs); front ends then override.
 */
#ifndef TAPER_SPEC_SPEC_H
#define TAPER_SPEC_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <taper.h>

#include "util/cleanup.h"

#define TAPER_UNSET (-1)

/* enum taper_ns, TAPER_NS_COUNT, TAPER_NS_DEFAULT and enum taper_mount_flag
 * are public: include/taper.h. */

/* Name as in /proc/self/ns/<name> and CLONE_NEW* flag of one namespace bit. */
const char *spec_ns_name(unsigned ns_bit);
unsigned long spec_ns_clone_flag(unsigned ns_bit);

struct taper_idmap {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t count;
};

/* One extra mount, applied after the default /proc, /sys and /dev. The
 * source is a host path for binds; the target is inside the rootfs and is
 * resolved safely against it. */
struct taper_mount {
	char *source;
	char *target;
	char *fstype;   /* NULL for binds */
	char *data;     /* fs options, e.g. "size=64m,mode=1777" */
	unsigned flags; /* enum taper_mount_flag */
	/* More mount(2) flags than the TAPER_MOUNT_* ones (OCI's options):
	 * MS_NOATIME, MS_RELATIME, MS_STRICTATIME, MS_NODIRATIME,
	 * MS_NOSYMFOLLOW for any mount; MS_SYNCHRONOUS, MS_DIRSYNC,
	 * MS_LAZYTIME, MS_SILENT, MS_MANDLOCK for a filesystem, not a bind
	 * (no mount attribute says them). */
	unsigned long ms_flags;
	/* 0, or MS_SHARED, MS_SLAVE, MS_PRIVATE or MS_UNBINDABLE, with
	 * MS_REC for the whole subtree: set once the mount is in place. */
	unsigned long propagation;
	/* A bind shown through an id mapping (OCI's idmap and ridmap):
	 * TAPER_IDMAP_NONE, TAPER_IDMAP_TOP (the bind's own mount) or
	 * TAPER_IDMAP_RECURSIVE (every mount of an rbind). On-disk id H
	 * appears as the container id these maps give host id H; with no
	 * maps, as the container's user namespace maps it. */
	unsigned idmap;
	struct taper_idmap *uid_map;
	size_t n_uid_map;
	struct taper_idmap *gid_map;
	size_t n_gid_map;
};

enum {
	TAPER_IDMAP_NONE = 0,
	TAPER_IDMAP_TOP,
	TAPER_IDMAP_RECURSIVE,
};

/* What a container sees at /sys/fs/cgroup (with its own cgroup namespace,
 * every cgroup mount shows the container's cgroup as its root). */
enum taper_cgroup_mount {
	TAPER_CGROUP_MOUNT_NONE = 0, /* whatever /sys shows: an empty directory */
	TAPER_CGROUP_MOUNT_RO,       /* the host's layout, every hierarchy read-only */
	TAPER_CGROUP_MOUNT_MIXED,    /* as RO, but the hierarchies an init manages itself
				      * (v1 name=systemd; cgroup2 in a user namespace) writable */
};

struct taper_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft;
	uint64_t hard;
};

/* Capability sets as bit masks of CAP_* numbers (bit n = capability n). */
struct taper_caps {
	uint64_t bounding;
	uint64_t effective;
	uint64_t permitted;
	uint64_t inheritable;
	uint64_t ambient;
};

/* A raw cgroup file write: "cgroup.v1.memory.swappiness = 10". */
struct taper_cgroup_raw {
	int version; /* 1 or 2 */
	char *file;  /* e.g. "memory.swappiness" */
	char *value;
};

/* One device cgroup rule, as OCI's linux.resources.devices and LXC's
 * lxc.cgroup.devices.allow/deny lines. Rules apply in order and the last
 * one matching a request decides; a request no rule matches is denied. A
 * request matches an allow rule when its access is within the rule's, a
 * deny rule when they share any access. */
enum {
	TAPER_DEV_MKNOD = 1u << 0,
	TAPER_DEV_READ = 1u << 1,
	TAPER_DEV_WRITE = 1u << 2,
};
#define TAPER_DEV_RWM (TAPER_DEV_MKNOD | TAPER_DEV_READ | TAPER_DEV_WRITE)
#define TAPER_DEV_ANY (-1) /* a major or minor wildcard */
struct taper_device_rule {
	bool allow;
	char type;       /* 'a' (any, major/minor are wildcards), 'c' or 'b' */
	int64_t major;   /* TAPER_DEV_ANY or 0..2^32-1 */
	int64_t minor;   /* TAPER_DEV_ANY or 0..2^32-1 */
	unsigned access; /* TAPER_DEV_* bits, at least one */
};

/* Resource limits with one set of names for cgroup v1 and v2. Every
 * field is TAPER_UNSET (or NULL) when not asked for. */
struct taper_limits {
	int64_t memory_max;  /* bytes; v1 memory.limit_in_bytes */
	int64_t memory_high; /* bytes; v1 memory.soft_limit_in_bytes */
	int64_t swap_max;    /* bytes of swap on top of memory_max */
	int64_t pids_max;
	int64_t cpu_weight;   /* 1..10000; v1 shares = 2 + (w-1)*262142/9999 */
	int64_t cpu_shares;   /* v1 name, 2..262144; converted for v2 */
	int64_t cpu_quota_us; /* with cpu_period_us: --cpus */
	int64_t cpu_period_us;
	int64_t io_weight; /* 1..10000 */
	char *cpuset_cpus;
	char *cpuset_mems;
	struct taper_cgroup_raw *raw;
	size_t n_raw;
	/* Device access, applied when the group is made (not by a live
	 * limit change): spec_new() puts the default allowlist here. */
	struct taper_device_rule *devices;
	size_t n_devices;
};

enum taper_netif_type {
	TAPER_NETIF_EMPTY = 0, /* private netns, lo only */
	TAPER_NETIF_VETH,
	TAPER_NETIF_MACVLAN,
	TAPER_NETIF_HOST, /* share the host's network namespace */
};

struct taper_netif {
	enum taper_netif_type type;
	char *name;      /* inside the container, e.g. "eth0" */
	char *link;      /* bridge (veth) or parent device (macvlan) */
	char *host_name; /* host end of a veth; generated when NULL */
	char *hwaddr;
	char *ipv4; /* "10.0.3.5/24"; NULL: allocated from the bridge */
	char *ipv4_gateway;
	int mtu; /* 0: the link's */
};

/* sched_setattr(2) of the command, as OCI's process.scheduler. */
struct taper_sched {
	int policy; /* SCHED_*; TAPER_UNSET: the caller's */
	int nice;
	int priority;
	uint64_t flags; /* SCHED_FLAG_* */
	uint64_t runtime, deadline, period;
};

/* A device node the container's /dev gets besides the standard ones, as
 * OCI's linux.devices: made with mknod, or bound from the host's node of
 * the same path in a user namespace. */
struct taper_dev_node {
	char *path; /* absolute, under /dev */
	char type;  /* 'c', 'b', 'u' (unbuffered char) or 'p' (fifo) */
	uint32_t major, minor;
	mode_t mode; /* permission bits */
	uid_t uid;
	gid_t gid;
};

struct taper_process {
	char **argv;
	char **env;
	char *cwd; /* inside the container; "/" when NULL */
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool terminal; /* allocate a pty and relay it */
	bool no_new_privs;
	struct taper_caps caps;
	struct taper_rlimit *rlimits;
	size_t n_rlimits;
	char *seccomp;     /* "default", "unconfined" or a profile path */
	int oom_score_adj; /* TAPER_UNSET when not set */
	/* A seccomp profile's JSON text (OCI's linux.seccomp), used instead
	 * of seccomp when set; errors name it by seccomp_label. */
	char *seccomp_json;
	char *seccomp_label;
	int umask;       /* TAPER_UNSET: 022 */
	int io_priority; /* ioprio_set(2) value (class << 13 | level); TAPER_UNSET */
	struct taper_sched sched;
	/* The pty's initial size when terminal and the run's options give
	 * none (0: the kernel's). */
	unsigned short console_rows, console_cols;
};

/* One OCI hook: a program the runtime runs at a point of the lifecycle
 * (enum taper_hook_phase), the container's state JSON on its stdin. */
struct taper_hook {
	char *path;       /* absolute */
	char **args;      /* argv, args[0] included; NULL: { path } */
	char **env;       /* its whole environment; NULL: empty */
	unsigned timeout; /* seconds before it is killed; 0: none */
};

struct taper_spec {
	char *name;   /* for messages and the cgroup leaf */
	char *rootfs; /* host path of the root filesystem */
	bool rootfs_readonly;
	char *hostname;

	/* enum taper_ns bits the container has apart from the caller's;
	 * each is created, or joined when its ns_path (by bit index) is set. */
	unsigned namespaces;
	char *ns_path[TAPER_NS_COUNT];

	struct taper_idmap *uid_map;
	size_t n_uid_map;
	struct taper_idmap *gid_map;
	size_t n_gid_map;
	/* Show the rootfs through a mount idmapped with the user namespace:
	 * on-disk id N appears as container id N, so a tree owned by host
	 * root appears owned by root inside and stays so on disk. */
	bool rootfs_idmap;
	/* With rootfs_idmap, a snapshot's rootfs: an overlay of the tree at
	 * overlay_lower under the upper/ and work/ of overlay_dir, which the
	 * runtime builds from idmapped layers (an overlay mount itself cannot
	 * be idmapped). NULL: the rootfs is the tree at rootfs. */
	char *overlay_lower;
	char *overlay_dir;
	enum taper_cgroup_mount cgroup_mount;

	struct taper_mount *mounts;
	size_t n_mounts;
	char **masked_paths;
	char **readonly_paths;

	struct taper_process process;
	struct taper_limits limits;

	struct taper_netif *netifs;
	size_t n_netifs;

	bool init; /* a built-in PID 1 that reaps and forwards */

	char *domainname; /* needs a UTS namespace of the container's, as hostname */
	/* "net.ipv4.ip_forward=1": written under /proc/sys of the container's
	 * namespaces before /proc/sys is made read-only. The front end checks
	 * that each is namespaced (spec_sysctl_is_namespaced()). */
	char **sysctl;
	/* Propagation of the container's "/" once it is the root: 0 (leave
	 * it a slave of the host's), or MS_SHARED, MS_SLAVE, MS_PRIVATE or
	 * MS_UNBINDABLE, with MS_REC. */
	unsigned long rootfs_propagation;
	int64_t personality; /* personality(2) persona; TAPER_UNSET: the caller's */
	struct taper_dev_node *dev_nodes;
	size_t n_dev_nodes;
	/* Carried for the front end, not read by the executor: OCI's
	 * annotations ("key=value", in order), which hooks' state carries. */
	char **annotations;
	/* The group the run is made in, OCI's cgroupsPath: NULL, the run's
	 * name under the store's group; "/a/b", that group from the root of
	 * every hierarchy; "a/b", under the store's group (src/container/run.c). */
	char *cgroup_path;
	/* Hooks by enum taper_hook_phase, in order, and the bundle their state
	 * names (NULL: ""). The executor runs those of createRuntime, prestart,
	 * createContainer and startContainer; the front end the others
	 * (taper_spec_run_hooks()). */
	struct taper_hook *hooks[TAPER_HOOK_COUNT];
	size_t n_hooks[TAPER_HOOK_COUNT];
	char *bundle;
};

/* The index of one namespace bit in ns_path[] (and in tables like it). */
static inline unsigned spec_ns_index(unsigned ns_bit)
{
	return (unsigned)__builtin_ctz(ns_bit);
}

/* Does the container get a new namespace of that bit (neither the
 * caller's nor one joined by path)? */
static inline bool spec_ns_new(const struct taper_spec *s, unsigned ns_bit)
{
	return (s->namespaces & ns_bit) && !s->ns_path[spec_ns_index(ns_bit)];
}

/* Has the container that namespace apart from the caller's, one that its
 * root may mount the matching filesystem for (proc, sysfs, mqueue)? A new
 * one, or one joined when the container has no user namespace of its own
 * (one made after the join cannot own what was joined). */
static inline bool spec_ns_ours(const struct taper_spec *s, unsigned ns_bit)
{
	return (s->namespaces & ns_bit) && (spec_ns_new(s, ns_bit) || !(s->namespaces & TAPER_NS_USER));
}

/* A spec with the secure defaults; NULL on ENOMEM. */
struct taper_spec *spec_new(void);
void spec_free(struct taper_spec *spec);
DEFINE_CLEANUP_FUNC(struct taper_spec, spec_free)

void limits_init(struct taper_limits *l);
void limits_clear(struct taper_limits *l);

/* Append a rule; -ENOMEM. */
int spec_add_device_rule(struct taper_limits *l, const struct taper_device_rule *r);
/* Append a raw write of value to file (copies of both); -ENOMEM. What
 * file and value may be is the cgroup layer's to check (cgroup_validate). */
int spec_add_cgroup_raw(struct taper_limits *l, int version, const char *file, const char *value);
/* The default device rules (docker's, runc's): mknod of any node; read,
 * write and mknod of null, zero, full, random, urandom, tty, console,
 * ptmx, the pts slaves, tun and fuse; nothing else. */
int spec_default_devices(struct taper_limits *l);
/* "a", or "TYPE MAJOR:MINOR ACCESS" as in LXC's lxc.cgroup.devices.allow and
 * the v1 devices.allow file ("c 1:3 rwm", "b *:* m"). -EINVAL. */
int spec_parse_device_rule(const char *text, bool allow, struct taper_device_rule *ret);
/* The inverse, into buf of at least 48 bytes (no allow/deny word). */
void spec_format_device_rule(const struct taper_device_rule *r, char *buf, size_t n);

/* The default capability set (docker's and podman's). */
uint64_t spec_caps_default(void);
/* The set for a container in a user namespace of its own: every
 * capability but those that act on the host even there, or that no
 * container needs (sys_module, sys_rawio, sys_time, mac_admin,
 * mac_override), as LXC keeps for unprivileged containers. Capabilities
 * held in a child user namespace only reach resources that namespace owns. */
uint64_t spec_caps_userns(void);

/* The unprivileged id range root's user namespaces take: root's line of
 * file (/etc/subuid or /etc/subgid, "root:BASE:COUNT" or "0:..."), else
 * TAPER_USERNS_BASE:TAPER_USERNS_COUNT. */
#define TAPER_USERNS_BASE 100000u
#define TAPER_USERNS_COUNT 65536u
void spec_subid_range(const char *file, uint32_t *ret_base, uint32_t *ret_count);
/* "CAP_NET_ADMIN", "net_admin", "NET_ADMIN" -> 12; -EINVAL when unknown. */
int spec_cap_from_name(const char *name);
const char *spec_cap_to_name(int cap);
/* Highest capability number the running kernel knows. */
int spec_cap_last(void);
/* --cap-add / cap.add: the capabilities of mask into the bounding,
 * effective and permitted sets. --cap-drop / cap.drop: out of all five,
 * so that none comes back through the inheritable or ambient set. */
void spec_caps_add(struct taper_caps *caps, uint64_t mask);
void spec_caps_drop(struct taper_caps *caps, uint64_t mask);

/* Appending helpers; the spec takes ownership of nothing passed by value
 * (strings are copied). -ENOMEM. */
int spec_add_mount(struct taper_spec *spec, const char *source, const char *target, const char *fstype,
		   const char *data, unsigned flags);
int spec_add_idmap(struct taper_idmap **map, size_t *n, uint32_t container_id, uint32_t host_id,
		   uint32_t count);
/* Does the map cover host id `id`? */
bool spec_idmap_has_host_id(const struct taper_idmap *map, size_t n, uint32_t id);
int spec_set_rlimit(struct taper_spec *spec, int resource, uint64_t soft, uint64_t hard);
int spec_add_netif(struct taper_spec *spec, enum taper_netif_type type, struct taper_netif **ret);
int spec_add_dev_node(struct taper_spec *spec, const struct taper_dev_node *node);
/* A hook at the end of phase's list (copied). */
int spec_add_hook(struct taper_spec *spec, enum taper_hook_phase phase, const char *path, char *const *args,
		  char *const *env, unsigned timeout);
/* Any hook of a phase the executor runs (createRuntime, prestart,
 * createContainer, startContainer)? */
bool spec_has_run_hooks(const struct taper_spec *spec);

/* Is sysctl key ("net.ipv4.ip_forward") one whose value belongs to a
 * namespace (ipc, uts or net, with ns_bit set to it) rather than to the
 * whole host? runc's list: kernel.msgmax, msgmnb, msgmni, sem, shmall,
 * shmmax, shmmni, shm_rmid_forced, fs.mqueue.*, net.*, and
 * kernel.hostname/domainname. */
bool spec_sysctl_is_namespaced(const char *key, unsigned *ret_ns_bit);

#endif

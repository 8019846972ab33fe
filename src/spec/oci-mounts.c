/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oci-mounts.c — config.json's "mounts": binds (relative sources are the
 * bundle's), filesystems, every option of mount(8) that says a flag, the
 * recursive forms of runtime-spec 1.1, and propagation. The executor's own
 * /proc, /sys, /dev (with devpts, shm, mqueue) and /sys/fs/cgroup stand
 * for the config's mounts of them; one of those with options the
 * executor's does not have is mounted over it, as listed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "spec/oci-internal.h"
#include "spec/oci.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/strv.h"

/* ---- mounts -------------------------------------------------------- */

/* One mount option: TAPER_MOUNT_* bits set (set) or cleared (clear), or
 * MS_* flags into ms_flags (ms) or out of it (ms_clear), or a propagation. */
static const struct mount_opt {
	const char *name;
	unsigned set, clear;
	unsigned long ms, ms_clear;
	unsigned long propagation;
} mount_opts[] = {
	{ "defaults", 0, 0, 0, 0, 0 },
	{ "ro", TAPER_MOUNT_READONLY, 0, 0, 0, 0 },
	{ "rw", 0, TAPER_MOUNT_READONLY, 0, 0, 0 },
	{ "nosuid", TAPER_MOUNT_NOSUID, 0, 0, 0, 0 },
	{ "suid", 0, TAPER_MOUNT_NOSUID, 0, 0, 0 },
	{ "nodev", TAPER_MOUNT_NODEV, 0, 0, 0, 0 },
	{ "dev", 0, TAPER_MOUNT_NODEV, 0, 0, 0 },
	{ "noexec", TAPER_MOUNT_NOEXEC, 0, 0, 0, 0 },
	{ "exec", 0, TAPER_MOUNT_NOEXEC, 0, 0, 0 },
	{ "bind", TAPER_MOUNT_BIND, 0, 0, 0, 0 },
	{ "rbind", TAPER_MOUNT_BIND | TAPER_MOUNT_RECURSIVE, 0, 0, 0, 0 },
	{ "noatime", 0, 0, MS_NOATIME, MS_RELATIME | MS_STRICTATIME, 0 },
	{ "atime", 0, 0, 0, MS_NOATIME, 0 },
	{ "relatime", 0, 0, MS_RELATIME, MS_NOATIME | MS_STRICTATIME, 0 },
	{ "norelatime", 0, 0, 0, MS_RELATIME, 0 },
	{ "strictatime", 0, 0, MS_STRICTATIME, MS_NOATIME | MS_RELATIME, 0 },
	{ "nostrictatime", 0, 0, 0, MS_STRICTATIME, 0 },
	{ "nodiratime", 0, 0, MS_NODIRATIME, 0, 0 },
	{ "diratime", 0, 0, 0, MS_NODIRATIME, 0 },
	{ "nosymfollow", 0, 0, MS_NOSYMFOLLOW, 0, 0 },
	{ "symfollow", 0, 0, 0, MS_NOSYMFOLLOW, 0 },
	{ "sync", 0, 0, MS_SYNCHRONOUS, 0, 0 },
	{ "async", 0, 0, 0, MS_SYNCHRONOUS, 0 },
	{ "dirsync", 0, 0, MS_DIRSYNC, 0, 0 },
	{ "lazytime", 0, 0, MS_LAZYTIME, 0, 0 },
	{ "nolazytime", 0, 0, 0, MS_LAZYTIME, 0 },
	{ "mand", 0, 0, MS_MANDLOCK, 0, 0 },
	{ "nomand", 0, 0, 0, MS_MANDLOCK, 0 },
	{ "silent", 0, 0, MS_SILENT, 0, 0 },
	{ "loud", 0, 0, 0, MS_SILENT, 0 },
	{ "shared", 0, 0, 0, 0, MS_SHARED },
	{ "rshared", 0, 0, 0, 0, MS_SHARED | MS_REC },
	{ "slave", 0, 0, 0, 0, MS_SLAVE },
	{ "rslave", 0, 0, 0, 0, MS_SLAVE | MS_REC },
	{ "private", 0, 0, 0, 0, MS_PRIVATE },
	{ "rprivate", 0, 0, 0, 0, MS_PRIVATE | MS_REC },
	{ "unbindable", 0, 0, 0, 0, MS_UNBINDABLE },
	{ "runbindable", 0, 0, 0, 0, MS_UNBINDABLE | MS_REC },
};

/* Flags a bind cannot take: no mount attribute says them. */
#define MS_FS_ONLY (MS_SYNCHRONOUS | MS_DIRSYNC | MS_LAZYTIME | MS_MANDLOCK | MS_SILENT)

static const struct mount_opt *find_mount_opt(const char *name)
{
	/* The recursive forms of runtime-spec 1.1 ("rro", "rnosuid"): a
	 * bind's attributes are set on its whole subtree already, and a
	 * filesystem mount has no subtree. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ARRAY_SIZE(mount_opts); i++)
			if (strcmp(mount_opts[i].name, name) == 0 &&
			    (pass == 0 || !mount_opts[i].propagation))
				return &mount_opts[i];
		if (name[0] != 'r' || !name[1] || strcmp(name, "rbind") == 0)
			return NULL;
		name++;
		if (strcmp(name, "bind") == 0 || strcmp(name, "defaults") == 0)
			return NULL;
	}
	return NULL;
}

struct mount_in {
	const char *dest, *type, *source;
	unsigned flags;
	unsigned long ms, propagation;
	char *data; /* the options no row knows: the filesystem's own */
	bool bind;
	unsigned idmap; /* TAPER_IDMAP_* */
	char **opts;
};

/* The executor's own mounts, which stand for the config's as long as the
 * config asks for nothing they do not have. */
static const struct std_mount {
	const char *type, *dest;
	const char *const *opts; /* options the executor's mount has */
	bool stackable;          /* another one may go on top of it */
} std_mounts[] = {
	{ "proc", "/proc", (const char *const[]){ "nosuid", "noexec", "nodev", "rw", "defaults", NULL },
	  true },
	{ "sysfs", "/sys", (const char *const[]){ "nosuid", "noexec", "nodev", "ro", "rro", NULL }, true },
	{ "tmpfs", "/dev",
	  (const char *const[]){ "nosuid", "strictatime", "noexec", "mode=755", "mode=0755", "size=65536k",
				 "rw", NULL },
	  false },
	{ "devpts", "/dev/pts",
	  (const char *const[]){ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "mode=620",
				 "gid=5", "rw", NULL },
	  true },
	{ "tmpfs", "/dev/shm",
	  (const char *const[]){ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", "rw", NULL },
	  true },
	{ "mqueue", "/dev/mqueue", (const char *const[]){ "nosuid", "noexec", "nodev", "rw", NULL }, true },
};

static bool path_eq(const char *a, const char *b)
{
	size_t n = strlen(b);

	return strncmp(a, b, n) == 0 && a[n + strspn(a + n, "/")] == '\0';
}

/* 1: the executor's own mount stands for it; 0: mount it; <0: refused. */
static int std_mount(struct oci_ctx *c, const char *path, const struct mount_in *m)
{
	if ((strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0) &&
	    path_eq(m->dest, "/sys/fs/cgroup")) {
		for (char **o = m->opts; *o; o++)
			if (!strv_contains((char *const[]){ "nosuid", "noexec", "nodev", "relatime", "ro",
							    "rw", "rro", "rrw", "private", "rprivate", NULL },
					   *o))
				return oci_fail(c, path, "option \"%s\" of the cgroup mount is not supported",
						*o);
		c->spec->cgroup_mount =
			(m->flags & TAPER_MOUNT_READONLY) ? TAPER_CGROUP_MOUNT_RO : TAPER_CGROUP_MOUNT_MIXED;
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(std_mounts); i++) {
		const struct std_mount *s = &std_mounts[i];
		bool same = true;

		if (strcmp(s->type, m->type) != 0 || !path_eq(m->dest, s->dest))
			continue;
		/* The executor's fresh mounts are private (their parent, the
		 * container's "/", is a slave, not shared): (r)private asks
		 * for what they are. */
		for (char **o = m->opts; *o && same; o++)
			same = strv_contains((char *const *)s->opts, *o) || strcmp(*o, "private") == 0 ||
			       strcmp(*o, "rprivate") == 0;
		if (same)
			return 1;
		if (!s->stackable)
			return oci_fail(c, path,
					"the container's %s is the runtime's own (%s): options other than %s "
					"are not supported",
					s->dest, s->type, "mode=755,size=65536k,nosuid,noexec,strictatime");
		return 0;
	}
	return 0;
}

static int mount_options(struct oci_ctx *c, const char *path, struct mount_in *m)
{
	for (size_t i = 0; m->opts[i]; i++) {
		char sub[OCI_PATH_MAX];
		const char *o = m->opts[i];
		const struct mount_opt *row = find_mount_opt(o);

		oci_idx(sub, path, i);
		/* Not mount(2) options: mount_setattr(MOUNT_ATTR_IDMAP) on
		 * the bind's mount, or on each mount of it (ridmap). */
		if (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0) {
			m->idmap = o[0] == 'r' ? TAPER_IDMAP_RECURSIVE : TAPER_IDMAP_TOP;
			continue;
		}
		if (strcmp(o, "remount") == 0 || strcmp(o, "tmpcopyup") == 0 ||
		    strcmp(o, "copy-symlink") == 0)
			return oci_fail(c, sub, "option \"%s\" is not supported", o);
		if (!row) {
			size_t n = m->data ? strlen(m->data) : 0;
			char *d;

			if (!*o || strchr(o, ','))
				return oci_fail(c, sub, "invalid option \"%s\"", o);
			d = realloc(m->data, n + strlen(o) + 2);
			if (!d)
				return -ENOMEM;
			snprintf(d + n, strlen(o) + 2, "%s%s", n ? "," : "", o);
			m->data = d;
			continue;
		}
		m->flags = (m->flags | row->set) & ~row->clear;
		m->ms = (m->ms | row->ms) & ~row->ms_clear;
		if (row->propagation)
			m->propagation = row->propagation;
	}
	m->bind = (m->flags & TAPER_MOUNT_BIND) || strcmp(m->type, "bind") == 0;
	if (m->bind) {
		if (m->data)
			return oci_fail(c, path, "\"%s\" is not an option of a bind mount", m->data);
		if (m->ms & MS_FS_ONLY)
			return oci_fail(c, path,
					"sync, dirsync, lazytime, mand and silent are not supported on a "
					"bind mount");
		m->flags |= TAPER_MOUNT_BIND;
	}
	return 0;
}

struct mount_maps {
	struct taper_idmap *uid, *gid;
	size_t n_uid, n_gid;
};

static void mount_maps_clear(struct mount_maps *m)
{
	free(m->uid);
	free(m->gid);
}

/* A mount's uidMappings and gidMappings (runtime-spec 1.2): both, or
 * neither and the container's user namespace's (checked once the
 * namespaces are read). Maps without an idmap or ridmap option are an
 * idmap, as runtime-spec 1.1's configs, which had no such option, meant
 * them. Only a bind can be idmapped here, as with runc: a filesystem
 * mount would have to be made by the runtime as host root and idmapped
 * before the container's root sees it. */
static int mount_idmap(struct oci_ctx *c, const char *path, json_t *e, struct mount_in *m,
		       struct mount_maps *maps)
{
	char sub[OCI_PATH_MAX];
	json_t *val;
	int r;

	if ((val = oci_member(e, path, "uidMappings", sub)) && !json_is_null(val) &&
	    (r = oci_idmaps(c, sub, val, &maps->uid, &maps->n_uid)) < 0)
		return r;
	if ((val = oci_member(e, path, "gidMappings", sub)) && !json_is_null(val) &&
	    (r = oci_idmaps(c, sub, val, &maps->gid, &maps->n_gid)) < 0)
		return r;
	if (!maps->n_uid != !maps->n_gid)
		return oci_fail(c, oci_key(sub, path, maps->n_uid ? "gidMappings" : "uidMappings"),
				"missing: an idmapped mount maps both uids and gids (or takes the user "
				"namespace's maps when neither is given)");
	if (maps->n_uid && !m->idmap)
		m->idmap = TAPER_IDMAP_TOP;
	if (!m->idmap)
		return 0;
	if (!m->bind)
		return oci_fail(c, oci_key(sub, path, "options"),
				"idmap on a %s mount: only a bind mount can be idmapped", m->type);
	if (!maps->n_uid && !c->idmap_default[0])
		snprintf(c->idmap_default, sizeof(c->idmap_default), "%s", path);
	return 0;
}

static int one_mount(struct oci_ctx *c, const char *path, json_t *e)
{
	static const char *const known[] = { "destination", "type",        "source", "options",
					     "uidMappings", "gidMappings", NULL };
	struct mount_in m = { .type = "" };
	_cleanup_(mount_maps_clear) struct mount_maps maps = { 0 };
	_cleanup_strv_free_ char **opts = NULL;
	_cleanup_free_ char *data = NULL, *source = NULL;
	struct taper_mount *last;
	char sub[OCI_PATH_MAX];
	json_t *val;
	int r;

	if ((r = oci_check_keys(c, path, e, known)) < 0)
		return r;
	if ((r = oci_required(c, path, e, "destination", sub, &val)) < 0 ||
	    (r = oci_abs_path(c, sub, val, &m.dest)) < 0)
		return r;
	if ((val = oci_member(e, path, "type", sub)) && (r = oci_string(c, sub, val, &m.type)) < 0)
		return r;
	if ((val = oci_member(e, path, "source", sub)) && (r = oci_string(c, sub, val, &m.source)) < 0)
		return r;
	if ((val = oci_member(e, path, "options", sub)) && (r = oci_strv(c, sub, val, &opts)) < 0)
		return r;
	if (!opts && !(opts = calloc(1, sizeof(char *))))
		return -ENOMEM;
	m.opts = opts;
	r = mount_options(c, oci_key(sub, path, "options"), &m);
	data = m.data;
	if (r < 0)
		return r;
	if ((r = mount_idmap(c, path, e, &m, &maps)) < 0)
		return r;
	if (!m.bind) {
		if (!*m.type || strcmp(m.type, "none") == 0)
			return oci_fail(c, oci_key(sub, path, "type"),
					"missing, and no bind or rbind option");
		if ((r = std_mount(c, path, &m)) != 0)
			return r < 0 ? r : 0;
		if (m.source && m.source[0] == '/')
			return oci_fail(c, oci_key(sub, path, "source"),
					"a %s filesystem from a host path is not supported", m.type);
		if (m.flags & TAPER_MOUNT_RECURSIVE)
			return oci_fail(c, oci_key(sub, path, "options"), "rbind on a %s mount", m.type);
		if ((r = spec_add_mount(c->spec, m.source, m.dest, m.type, data, m.flags)) < 0)
			return r;
	} else {
		if (!m.source || !*m.source)
			return oci_fail(c, oci_key(sub, path, "source"), "missing for a bind mount");
		/* A relative source is the bundle's. */
		if (m.source[0] != '/' && asprintf(&source, "%s/%s", c->bundle, m.source) < 0)
			return -ENOMEM;
		if ((r = spec_add_mount(c->spec, source ? source : m.source, m.dest, NULL, NULL, m.flags)) <
		    0)
			return r;
	}
	last = &c->spec->mounts[c->spec->n_mounts - 1];
	last->ms_flags = m.ms;
	last->propagation = m.propagation;
	last->idmap = m.idmap;
	last->uid_map = TAKE_PTR(maps.uid);
	last->n_uid_map = maps.n_uid;
	last->gid_map = TAKE_PTR(maps.gid);
	last->n_gid_map = maps.n_gid;
	return 0;
}

int oci_mounts(struct oci_ctx *c, const char *path, json_t *v)
{
	json_t *e;
	size_t i;
	int r;

	if ((r = oci_array(c, path, v)) < 0)
		return r;
	c->has_mounts = json_array_size(v) > 0;
	json_array_foreach (v, i, e) {
		char sub[OCI_PATH_MAX];

		if ((r = one_mount(c, oci_idx(sub, path, i), e)) < 0)
			return r;
	}
	return 0;
}

const char *const *spec_oci_mount_options(void)
{
	static const char *names[ARRAY_SIZE(mount_opts) + 3];

	/* Filled once, the same each time: no lock needed for a race that
	 * writes what is already there. idmap and ridmap are no row's:
	 * mount_options() reads them. */
	for (size_t i = 0; i < ARRAY_SIZE(mount_opts); i++)
		names[i] = mount_opts[i].name;
	names[ARRAY_SIZE(mount_opts)] = "idmap";
	names[ARRAY_SIZE(mount_opts) + 1] = "ridmap";
	return names;
}

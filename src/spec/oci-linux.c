/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oci-linux.c — config.json's "linux" object: namespaces (read first, as
 * later properties are checked against them), id maps, device nodes,
 * cgroupsPath, the root's propagation, masked and read-only paths,
 * sysctls, personality; resources and seccomp have files of their own.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>

#include "spec/oci-internal.h"
#include "spec/oci.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/parse.h"
#include "util/strv.h"

/* ---- namespaces and id maps ------------------------------------------ */

static const struct {
	const char *name;
	unsigned bit;
} ns_types[] = {
	{ "pid", TAPER_NS_PID },       { "network", TAPER_NS_NET }, { "mount", TAPER_NS_MNT },
	{ "ipc", TAPER_NS_IPC },       { "uts", TAPER_NS_UTS },     { "user", TAPER_NS_USER },
	{ "cgroup", TAPER_NS_CGROUP }, { "time", TAPER_NS_TIME },
};

static int f_namespaces(struct oci_ctx *c, const char *path, json_t *v)
{
	static const char *const known[] = { "type", "path", NULL };
	json_t *e;
	size_t i;
	int r;

	if ((r = oci_array(c, path, v)) < 0)
		return r;
	c->spec->namespaces = 0;
	json_array_foreach (v, i, e) {
		char at[OCI_PATH_MAX], sub[OCI_PATH_MAX];
		const char *type, *nspath = NULL;
		json_t *p;
		size_t k;

		oci_idx(at, path, i);
		if ((r = oci_check_keys(c, at, e, known)) < 0)
			return r;
		if ((r = oci_get_string(c, at, e, "type", sub, &type)) < 0)
			return r;
		for (k = 0; k < ARRAY_SIZE(ns_types) && strcmp(ns_types[k].name, type) != 0; k++)
			;
		if (k == ARRAY_SIZE(ns_types))
			return oci_fail(c, sub, "unknown namespace type \"%s\"", type);
		if (c->spec->namespaces & ns_types[k].bit)
			return oci_fail(c, sub, "namespace \"%s\" listed twice", type);
		if ((p = oci_member(e, at, "path", sub))) {
			if ((r = oci_string(c, sub, p, &nspath)) < 0)
				return r;
			if (!*nspath)
				nspath = NULL;
			else if (nspath[0] != '/')
				return oci_fail(c, sub, "\"%s\" is not an absolute path", nspath);
		}
		c->spec->namespaces |= ns_types[k].bit;
		if (nspath && !(c->spec->ns_path[spec_ns_index(ns_types[k].bit)] = strdup(nspath)))
			return -ENOMEM;
	}
	return 0;
}

int oci_idmaps(struct oci_ctx *c, const char *path, json_t *v, struct taper_idmap **map, size_t *n)
{
	static const char *const known[] = { "containerID", "hostID", "size", NULL };
	json_t *e;
	size_t i;
	int r;

	if ((r = oci_array(c, path, v)) < 0)
		return r;
	json_array_foreach (v, i, e) {
		char at[OCI_PATH_MAX], sub[OCI_PATH_MAX];
		uint32_t cid, hid, size;

		oci_idx(at, path, i);
		if ((r = oci_check_keys(c, at, e, known)) < 0 ||
		    (r = oci_get_u32(c, at, e, "containerID", sub, &cid)) < 0 ||
		    (r = oci_get_u32(c, at, e, "hostID", sub, &hid)) < 0 ||
		    (r = oci_get_u32(c, at, e, "size", sub, &size)) < 0)
			return r;
		if (!size || (uint64_t)cid + size > UINT32_MAX + 1ULL ||
		    (uint64_t)hid + size > UINT32_MAX + 1ULL)
			return oci_fail(c, oci_key(sub, at, "size"), "%u ids do not fit", size);
		if ((r = spec_add_idmap(map, n, cid, hid, size)) < 0)
			return r;
	}
	return 0;
}

static int f_uid_mappings(struct oci_ctx *c, const char *path, json_t *v)
{
	return oci_idmaps(c, path, v, &c->spec->uid_map, &c->spec->n_uid_map);
}

static int f_gid_mappings(struct oci_ctx *c, const char *path, json_t *v)
{
	return oci_idmaps(c, path, v, &c->spec->gid_map, &c->spec->n_gid_map);
}

/* ---- devices --------------------------------------------------------- */

static int f_devices(struct oci_ctx *c, const char *path, json_t *v)
{
	static const char *const known[] = {
		"type", "path", "major", "minor", "fileMode", "uid", "gid", NULL
	};
	json_t *e, *x;
	size_t i;
	int r;

	if ((r = oci_array(c, path, v)) < 0)
		return r;
	json_array_foreach (v, i, e) {
		char at[OCI_PATH_MAX], sub[OCI_PATH_MAX];
		struct taper_dev_node d = { .mode = 0666 };
		const char *type, *p;
		int64_t num = 0;

		oci_idx(at, path, i);
		if ((r = oci_check_keys(c, at, e, known)) < 0 ||
		    (r = oci_get_string(c, at, e, "type", sub, &type)) < 0)
			return r;
		if (strlen(type) != 1 || !strchr("cbup", type[0]))
			return oci_fail(c, sub, "\"%s\" is not c, b, u or p", type);
		d.type = type[0] == 'u' ? 'c' : type[0];
		if ((r = oci_get_string(c, at, e, "path", sub, &p)) < 0)
			return r;
		if (strncmp(p, "/dev/", 5) != 0 || !p[5] || strstr(p, "/../") || strstr(p, "/./") ||
		    p[strlen(p) - 1] == '/' || strcmp(p + strlen(p) - 3, "/..") == 0)
			return oci_fail(c, sub, "\"%s\" is not a path under /dev", p);
		d.path = (char *)p;
		if (d.type != 'p') {
			if ((r = oci_get_u32(c, at, e, "major", sub, &d.major)) < 0 ||
			    (r = oci_get_u32(c, at, e, "minor", sub, &d.minor)) < 0)
				return r;
		}
		if ((x = oci_member(e, at, "fileMode", sub))) {
			if ((r = oci_int(c, sub, x, 0, 07777, &num)) < 0)
				return r;
			d.mode = (mode_t)num;
		}
		if ((x = oci_member(e, at, "uid", sub)) && (r = oci_u32(c, sub, x, &d.uid)) < 0)
			return r;
		if ((x = oci_member(e, at, "gid", sub)) && (r = oci_u32(c, sub, x, &d.gid)) < 0)
			return r;
		if ((r = spec_add_dev_node(c->spec, &d)) < 0)
			return r;
	}
	return 0;
}

/* ---- the rest of "linux" --------------------------------------------- */

static bool is_systemd_form(const char *s)
{
	const char *a = strchr(s, ':'), *b = a ? strchr(a + 1, ':') : NULL;

	return a && b && !strchr(b + 1, ':') && !strchr(s, '/') && !strstr(s, "..") && !strchr(s, '\n');
}

static int f_cgroups_path(struct oci_ctx *c, const char *path, json_t *v)
{
	const char *s;
	int r = oci_string(c, path, v, &s);

	if (r < 0)
		return r;
	if (!*s)
		return 0;
	/* A path of names, or systemd's "slice:prefix:name" (the front end
	 * decides what that needs: --systemd-cgroup). */
	if (!cgroup_path_is_valid(s) && !is_systemd_form(s))
		return oci_fail(c, path, "\"%s\" is not a cgroup path", s);
	free(c->spec->cgroup_path);
	c->spec->cgroup_path = strdup(s);
	return c->spec->cgroup_path ? 0 : -ENOMEM;
}

static const struct {
	const char *name;
	unsigned long flags;
} propagations[] = {
	{ "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
	{ "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

static int f_rootfs_propagation(struct oci_ctx *c, const char *path, json_t *v)
{
	const char *s;
	int r = oci_string(c, path, v, &s);

	if (r < 0)
		return r;
	if (!*s)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(propagations); i++)
		if (strcmp(propagations[i].name, s) == 0) {
			c->spec->rootfs_propagation = propagations[i].flags;
			return 0;
		}
	return oci_fail(c, path, "unknown propagation \"%s\"", s);
}

static int paths(struct oci_ctx *c, const char *path, json_t *v, char ***dst)
{
	char **l = NULL;
	int r = oci_strv(c, path, v, &l);

	if (r < 0)
		return r;
	for (size_t i = 0; l[i]; i++)
		if (l[i][0] != '/') {
			char sub[OCI_PATH_MAX];

			r = oci_fail(c, oci_idx(sub, path, i), "\"%s\" is not an absolute path", l[i]);
			strv_free(l);
			return r;
		}
	strv_free(*dst);
	*dst = l;
	return 0;
}

static int f_masked(struct oci_ctx *c, const char *path, json_t *v)
{
	return paths(c, path, v, &c->spec->masked_paths);
}

static int f_readonly(struct oci_ctx *c, const char *path, json_t *v)
{
	return paths(c, path, v, &c->spec->readonly_paths);
}

static int sysctl(struct oci_ctx *c, const char *path, const char *key, const char *value)
{
	unsigned ns;

	if (!*key || strstr(key, "..") || key[0] == '/' || strchr(key, '='))
		return oci_fail(c, path, "not a sysctl name");
	if (!spec_sysctl_is_namespaced(key, &ns))
		return oci_fail(c, path, "not a namespaced sysctl: it would change the host");
	if (!(c->ns_seen & ns))
		return oci_fail(c, path, "needs a %s namespace of the container's", spec_ns_name(ns));
	if (strchr(value, '\n'))
		return oci_fail(c, path, "a value with a newline");
	return strv_pushf(&c->spec->sysctl, "%s=%s", key, value);
}

static int f_sysctl(struct oci_ctx *c, const char *path, json_t *v)
{
	return oci_string_map(c, path, v, sysctl);
}

static int f_personality(struct oci_ctx *c, const char *path, json_t *v)
{
	static const char *const known[] = { "domain", "flags", NULL };
	char sub[OCI_PATH_MAX];
	const char *domain;
	json_t *x;
	int r;

	if ((r = oci_check_keys(c, path, v, known)) < 0)
		return r;
	if ((x = oci_member(v, path, "flags", sub)) &&
	    (r = oci_refuse_unless_empty(c, sub, x, "no personality flag is defined by the runtime-spec")) <
		    0)
		return r;
	if ((r = oci_get_string(c, path, v, "domain", sub, &domain)) < 0)
		return r;
	if (strcmp(domain, "LINUX") == 0)
		c->spec->personality = PER_LINUX;
	else if (strcmp(domain, "LINUX32") == 0)
		c->spec->personality = PER_LINUX32;
	else
		return oci_fail(c, sub, "unknown domain \"%s\" (LINUX or LINUX32)", domain);
	return 0;
}

static int mnt_joined(struct oci_ctx *c, const char *path, const char *ns)
{
	return oci_fail(c, path,
			"the mount namespace %s is joined as it is: the runtime makes no mount in it", ns);
}

/* Read before the walk: see oci_linux(). */
static int f_namespaces_done(struct oci_ctx *c, const char *path, json_t *v)
{
	return 0;
}

static const struct oci_field linux_fields[] = {
	{ "namespaces", f_namespaces_done, NULL },
	{ "uidMappings", f_uid_mappings, NULL },
	{ "gidMappings", f_gid_mappings, NULL },
	{ "timeOffsets", NULL, "time namespace offsets are not supported" },
	{ "devices", f_devices, NULL },
	{ "cgroupsPath", f_cgroups_path, NULL },
	{ "rootfsPropagation", f_rootfs_propagation, NULL },
	{ "maskedPaths", f_masked, NULL },
	{ "readonlyPaths", f_readonly, NULL },
	{ "mountLabel", NULL, "SELinux labels are not supported" },
	{ "seccomp", oci_seccomp, NULL },
	{ "sysctl", f_sysctl, NULL },
	{ "resources", oci_resources, NULL },
	{ "intelRdt", NULL, "Intel RDT (resctrl) is not supported" },
	{ "personality", f_personality, NULL },
	{ "memoryPolicy", NULL, "NUMA memory policies are not supported" },
	{ "netDevices", NULL, "moving network devices into the container is not supported" },
	{ NULL, NULL, NULL },
};

int oci_linux(struct oci_ctx *c, const char *path, json_t *v)
{
	char sub[OCI_PATH_MAX];
	json_t *ns;
	int r;

	if ((r = oci_object(c, path, v)) < 0)
		return r;
	/* Namespaces first: sysctls and maps are checked against them,
	 * whatever the order of the keys. */
	if ((ns = oci_member(v, path, "namespaces", sub)) && (r = f_namespaces(c, sub, ns)) < 0)
		return r;
	c->ns_seen = c->spec->namespaces;
	if ((r = oci_walk(c, path, v, linux_fields)) < 0)
		return r;
	/* After the config's device rules, as runc appends its own: the
	 * nodes the config makes, then the ones every container's /dev has. */
	for (size_t i = 0; i < c->spec->n_dev_nodes; i++) {
		const struct taper_dev_node *d = &c->spec->dev_nodes[i];
		struct taper_device_rule rule = { .allow = true,
						  .type = d->type,
						  .major = d->major,
						  .minor = d->minor,
						  .access = TAPER_DEV_RWM };

		if (d->type != 'p' && (r = spec_add_device_rule(&c->spec->limits, &rule)) < 0)
			return r;
	}
	if ((r = spec_default_devices(&c->spec->limits)) < 0)
		return r;
	if ((c->spec->n_uid_map || c->spec->n_gid_map) && !(c->spec->namespaces & TAPER_NS_USER))
		return oci_fail(c,
				c->spec->n_uid_map ? oci_key(sub, path, "uidMappings")
						   : oci_key(sub, path, "gidMappings"),
				"id mappings without a user namespace");
	/* A joined namespace has its maps already (runc refuses both too). */
	if ((c->spec->n_uid_map || c->spec->n_gid_map) && c->spec->ns_path[spec_ns_index(TAPER_NS_USER)])
		return oci_fail(c,
				c->spec->n_uid_map ? oci_key(sub, path, "uidMappings")
						   : oci_key(sub, path, "gidMappings"),
				"given for the user namespace joined at %s, which has its own",
				c->spec->ns_path[spec_ns_index(TAPER_NS_USER)]);
	if ((c->spec->namespaces & TAPER_NS_USER) && !c->spec->ns_path[spec_ns_index(TAPER_NS_USER)] &&
	    (!c->spec->n_uid_map || !c->spec->n_gid_map))
		return oci_fail(c, oci_key(sub, path, "uidMappings"),
				"a new user namespace needs uidMappings and gidMappings");
	return 0;
}

/* What the properties say together, once all are read. */
int oci_linux_finish(struct oci_ctx *c)
{
	const struct taper_spec *s = c->spec;
	const char *mnt = s->ns_path[spec_ns_index(TAPER_NS_MNT)];

	if (c->idmap_default[0] && !(s->namespaces & TAPER_NS_USER))
		return oci_fail(c, c->idmap_default,
				"idmap without uidMappings and gidMappings takes the user namespace's "
				"maps, and the container has no user namespace");
	if (!mnt)
		return 0;
	/* A joined mount namespace is the container's file system as it is:
	 * its root is the container's root, and the runtime makes no mount
	 * there, as it would have to for any of these (root.path must still
	 * exist, as the spec requires, and is not used). */
	if (c->has_mounts)
		return mnt_joined(c, "mounts", mnt);
	if (s->rootfs_readonly)
		return mnt_joined(c, "root.readonly", mnt);
	if (s->rootfs_propagation)
		return mnt_joined(c, "linux.rootfsPropagation", mnt);
	if (s->masked_paths && s->masked_paths[0])
		return mnt_joined(c, "linux.maskedPaths", mnt);
	if (s->readonly_paths && s->readonly_paths[0])
		return mnt_joined(c, "linux.readonlyPaths", mnt);
	if (s->n_dev_nodes)
		return mnt_joined(c, "linux.devices", mnt);
	if (s->sysctl && s->sysctl[0])
		return mnt_joined(c, "linux.sysctl", mnt);
	return 0;
}

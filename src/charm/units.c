/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * units.c — a unit's container: made from its charm's base with the
 * charm's packages (the debian template installs them from the host side,
 * cached per package set, so a unit needs no route out), given its files
 * (the hook tool, the charm, the tools' socket) through a read-only bind
 * mount, started; and removed again. Published ports follow the unit's
 * opened ports while its service is exposed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "charm/internal.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/strv.h"

struct progress {
	struct charm_env *e;
	const char *unit;
	char last[64];
};

static void on_progress(void *userdata, const char *stage, uint64_t done, uint64_t total)
{
	struct progress *p = userdata;

	if (strncmp(p->last, stage, sizeof(p->last) - 1) == 0)
		return;
	snprintf(p->last, sizeof(p->last), "%s", stage);
	env_say(p->e, "%s: %s", p->unit, stage);
}

static char *service_charm_dir(struct charm_env *e, const char *service)
{
	char *p;

	return asprintf(&p, "%s/.charm/services/%s", e->store_path, service) < 0 ? NULL : p;
}

/* The unit's files: bin/ with the tool under every name, charm/. */
static int unit_files(struct charm_env *e, const char *service, const char *udir, struct taper_err *err)
{
	_cleanup_free_ char *bin = NULL, *tool = NULL, *charm = NULL, *src = service_charm_dir(e, service);
	_cleanup_close_ int in = -1, out = -1, bfd = -1;
	int r;

	if (!src || asprintf(&bin, "%s/bin", udir) < 0 || asprintf(&tool, "%s/hook-tool", bin) < 0 ||
	    asprintf(&charm, "%s/charm", udir) < 0)
		return -ENOMEM;
	if (!e->tool_path)
		return err_set(err, ENOENT, "no hook tool (taper-hook-tool) found");
	if ((r = mkdir_p(bin, 0755)) < 0)
		return err_set(err, r, "%s", bin);
	(void)unlink(tool);
	if ((in = open(e->tool_path, O_RDONLY | O_CLOEXEC)) < 0 ||
	    (out = open(tool, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755)) < 0)
		return err_set(err, errno, "hook tool %s", e->tool_path);
	if ((r = copy_fd(in, out)) < 0 || fchmod(out, 0755) < 0)
		return err_set(err, r < 0 ? r : errno, "%s", tool);
	if ((bfd = open(bin, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(err, errno, "%s", bin);
	for (const char *const *t = tool_names_list(); *t; t++) {
		(void)unlinkat(bfd, *t, 0);
		if (symlinkat("hook-tool", bfd, *t) < 0)
			return err_set(err, errno, "%s/%s", bin, *t);
	}
	return copy_tree(src, charm, err);
}

static bool has_value(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

int unit_provision(struct charm_env *e, const char *unit, const char *service, const char *container,
		   struct taper_err *err)
{
	_cleanup_free_ char *udir = unit_dir(e, container), *cdir = service_charm_dir(e, service),
			    *mount = NULL, *pkgs = NULL;
	_cleanup_strv_free_ char **opts = calloc(1, sizeof(char *)), **mounts = NULL;
	struct charm_meta *meta = NULL;
	struct taper_container_state st = { 0 };
	int r;

	if (!udir || !cdir || !opts || asprintf(&mount, "%s " UNIT_MOUNT " none bind,ro", udir) < 0)
		return -ENOMEM;
	if ((r = charm_meta_load(cdir, &meta, err)) < 0)
		return r;
	if (strcmp(meta->base, "debian") == 0) {
		if (meta->packages[0]) {
			size_t len = 0;

			for (char **p = meta->packages; *p; p++)
				len += strlen(*p) + 1;
			if (!(pkgs = calloc(1, len + 1)))
				r = -ENOMEM;
			for (char **p = meta->packages; pkgs && *p; p++) {
				if (p != meta->packages)
					strcat(pkgs, ",");
				strcat(pkgs, *p);
			}
			if (r >= 0 && (strv_extend(&opts, "--packages") < 0 || strv_extend(&opts, pkgs) < 0))
				r = -ENOMEM;
		}
		if (r >= 0 && meta->release &&
		    (strv_extend(&opts, "--release") < 0 || strv_extend(&opts, meta->release) < 0))
			r = -ENOMEM;
	}
	if (r >= 0 && !taper_container_exists(e->store, container)) {
		struct taper_create_opts co;
		struct progress p = { .e = e, .unit = unit };
		_cleanup_free_ char *by = NULL;

		taper_create_opts_init(&co);
		co.progress = on_progress;
		co.userdata = &p;
		co.wait = true;
		if (asprintf(&by, "taper deploy (unit %s)", unit) >= 0)
			co.created_by = by;
		env_say(e, "%s: creating container %s (%s%s%s)", unit, container, meta->base,
			pkgs ? ": " : "", pkgs ? pkgs : "");
		r = taper_container_create(e->store, container, meta->base, opts, &co, err);
	}
	charm_meta_free(meta);
	if (r < 0)
		return r;
	if ((r = mkdir_p(udir, 0755)) < 0)
		return err_set(err, r, "%s", udir);
	if ((r = unit_files(e, service, udir, err)) < 0)
		return r;
	if ((r = taper_container_config_get(e->store, container, "mount.entry", &mounts, err)) < 0)
		return r;
	if (!has_value(mounts, mount) &&
	    (r = taper_container_config_set(e->store, container, "mount.entry", mount, err)) < 0)
		return r;
	if ((r = taper_container_state(e->store, container, &st, err)) < 0)
		return r;
	if (st.state == TAPER_STATE_STOPPED)
		r = taper_container_start(e->store, container, NULL, err);
	taper_container_state_clear(&st);
	if (r < 0)
		return r;
	return model_exec(
		       e->m, err,
		       "UPDATE units SET workload = 'maintenance', message = 'installing charm software' WHERE name = ?",
		       "s", unit) < 0
		       ? err_ret(err)
		       : 0;
}

int unit_remove(struct charm_env *e, const char *unit, const char *service, const char *container,
		struct taper_err *err)
{
	_cleanup_free_ char *udir = unit_dir(e, container), *units = NULL, *dying = NULL;
	int r;

	if (!udir)
		return -ENOMEM;
	if (taper_container_exists(e->store, container) &&
	    (r = taper_container_destroy(e->store, container, TAPER_DESTROY_FORCE | TAPER_DESTROY_SNAPSHOTS,
					 err)) < 0)
		return r;
	(void)rm_rf_at(AT_FDCWD, udir);
	if ((r = model_begin(e->m, err)) < 0)
		return r;
	if ((r = model_exec(e->m, err, "DELETE FROM settings WHERE unit = ?", "s", unit)) < 0 ||
	    (r = model_exec(e->m, err, "DELETE FROM ports WHERE unit = ?", "s", unit)) < 0 ||
	    (r = model_exec(e->m, err, "DELETE FROM queue WHERE unit = ?", "s", unit)) < 0 ||
	    (r = model_exec(e->m, err, "DELETE FROM machines WHERE container = ?", "s", container)) < 0 ||
	    (r = model_exec(e->m, err, "DELETE FROM units WHERE name = ?", "s", unit)) < 0 ||
	    (r = model_get(e->m, &units, err, "SELECT count(*) FROM units WHERE service = ?", "s", service)) <
		    0 ||
	    (r = model_get(e->m, &dying, err, "SELECT dying FROM services WHERE name = ?", "s", service)) < 0)
		goto fail;
	if (units && strcmp(units, "0") == 0 && dying && strcmp(dying, "1") == 0 &&
	    (r = service_forget(e, service, err)) < 0)
		goto fail;
	return model_commit(e->m, err);
fail:
	model_rollback(e->m);
	return r;
}

int service_forget(struct charm_env *e, const char *service, struct taper_err *err)
{
	_cleanup_free_ char *cdir = service_charm_dir(e, service);
	int r;

	if (!cdir)
		return -ENOMEM;
	if ((r = model_exec(
		     e->m, err,
		     "DELETE FROM settings WHERE relation IN (SELECT id FROM relations WHERE svc1 = ?1 OR svc2 = ?1)",
		     "s", service)) < 0 ||
	    (r = model_exec(e->m, err, "DELETE FROM relations WHERE svc1 = ?1 OR svc2 = ?1", "s", service)) <
		    0 ||
	    (r = model_exec(e->m, err, "DELETE FROM endpoints WHERE service = ?", "s", service)) < 0 ||
	    (r = model_exec(e->m, err, "DELETE FROM options WHERE service = ?", "s", service)) < 0 ||
	    (r = model_exec(e->m, err, "DELETE FROM services WHERE name = ?", "s", service)) < 0)
		return r;
	(void)rm_rf_at(AT_FDCWD, cdir);
	return 0;
}

/* Is a host port free in this network namespace (nothing listens)? */
static bool host_port_free(int port, const char *proto)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	_cleanup_close_ int fd =
		socket(AF_INET, (strcmp(proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return true;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
}

int ports_sync(struct charm_env *e, const char *unit, struct taper_err *err)
{
	_cleanup_free_ char *container = NULL, *exposed = NULL;
	_cleanup_free_ struct taper_port *pubs = NULL;
	size_t n_pubs = 0;
	struct mrows rows;
	int r;

	if ((r = model_get(e->m, &container, err, "SELECT container FROM units WHERE name = ?", "s", unit)) <
		    0 ||
	    (r = model_get(
		     e->m, &exposed, err,
		     "SELECT s.exposed FROM services s JOIN units u ON u.service = s.name WHERE u.name = ?",
		     "s", unit)) < 0)
		return r;
	if (!container || !taper_container_exists(e->store, container))
		return 0;
	if ((r = taper_container_ports(e->store, container, &pubs, &n_pubs, err)) < 0)
		return r;
	if ((r = model_query(e->m, &rows, err,
			     "SELECT port, proto, host_port FROM ports WHERE unit = ? ORDER BY port", "s",
			     unit)) < 0)
		return r;
	bool on = exposed && strcmp(exposed, "1") == 0;

	/* Publications nothing asks for any more go first. */
	for (size_t i = 0; i < n_pubs && r >= 0; i++) {
		bool wanted = false;
		char spec[32];

		for (size_t j = 0; on && j < rows.n; j++)
			wanted |= atoi(mrows_get(&rows, j, 0)) == pubs[i].container_port &&
				  strcmp(mrows_get(&rows, j, 1), pubs[i].proto) == 0 &&
				  mrows_get(&rows, j, 2) && atoi(mrows_get(&rows, j, 2)) == pubs[i].host_port;
		if (wanted)
			continue;
		snprintf(spec, sizeof(spec), "%u/%s", pubs[i].host_port, pubs[i].proto);
		r = taper_container_port_remove(e->store, container, spec, err);
	}
	if (r >= 0 && !on)
		r = model_exec(e->m, err, "UPDATE ports SET host_port = NULL WHERE unit = ?", "s", unit);
	for (size_t j = 0; on && j < rows.n && r >= 0; j++) {
		int port = atoi(mrows_get(&rows, j, 0));
		const char *proto = mrows_get(&rows, j, 1);
		bool published = false;

		for (size_t i = 0; i < n_pubs; i++)
			published |= mrows_get(&rows, j, 2) &&
				     atoi(mrows_get(&rows, j, 2)) == pubs[i].host_port &&
				     pubs[i].container_port == port && strcmp(pubs[i].proto, proto) == 0;
		if (published)
			continue;
		/* The same port on the host, else the next free one. */
		r = -EADDRINUSE;
		for (int hp = port; hp <= 65535 && hp < port + 100 && r == -EADDRINUSE; hp++) {
			char spec[32];

			if (!host_port_free(hp, proto))
				continue;
			snprintf(spec, sizeof(spec), "%d:%d/%s", hp, port, proto);
			taper_err_clear(err);
			r = taper_container_port_add(e->store, container, spec, err);
			if (r == 0)
				r = model_exec(
					e->m, err,
					"UPDATE ports SET host_port = ? WHERE unit = ? AND port = ? AND proto = ?",
					"isis", (int64_t)hp, unit, (int64_t)port, proto);
		}
		if (r == -EADDRINUSE)
			err_set(err, EADDRINUSE, "expose %s: no free host port for %d/%s", unit, port, proto);
	}
	mrows_clear(&rows);
	return r < 0 ? r : 0;
}

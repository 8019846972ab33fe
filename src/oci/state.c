/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * state.c — <root>/<id>/state.json and the status read from the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "oci/oci.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/strv.h"

static const char *const status_names[] = {
	[OCI_CREATING] = "creating", [OCI_CREATED] = "created", [OCI_RUNNING] = "running",
	[OCI_PAUSED] = "paused",     [OCI_STOPPED] = "stopped",
};

const char *oci_status_name(enum oci_status s)
{
	return status_names[s];
}

void oci_state_clear(struct oci_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->cgroup);
	strv_free(st->annotations);
	*st = (struct oci_state){ 0 };
}

int oci_dir(const struct oci_global *g, const char *id, char *buf, size_t n, struct taper_err *err)
{
	if (!id || taper_container_name_check(id, NULL) < 0)
		return err_set(err, 0,
			       "invalid container id \"%s\" (letters, digits, '_', '.', '-'; up to 64)",
			       id ? id : "");
	if ((size_t)snprintf(buf, n, "%s/%s", g->root, id) >= n)
		return err_set(err, ENAMETOOLONG, "container \"%s\"", id);
	return 0;
}

int oci_root_open(const struct oci_global *g, bool create, struct taper_err *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	if (create && (r = mkdir_p(g->root, 0700)) < 0)
		return err_set(err, r, "--root %s", g->root);
	fd = open(g->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : err_set(err, errno, "--root %s", g->root);
	if (fstat(fd, &st) < 0)
		return err_set(err, errno, "--root %s", g->root);
	/* Whoever may write here may swap a container's directory for one
	 * of theirs: its state.json names the pid that kill and delete
	 * signal, its ctl socket is the holder's. */
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return err_set(err, EPERM,
			       "--root %s: owned by uid %u with mode %04o: it must be this user's "
			       "and writable by no one else",
			       g->root, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	return TAKE_FD(fd);
}

int oci_dir_open(const struct oci_global *g, const char *id, struct taper_err *err)
{
	_cleanup_close_ int root = -1;
	char dir[4096];
	int fd, r;

	if ((r = oci_dir(g, id, dir, sizeof(dir), err)) < 0)
		return r;
	if ((root = oci_root_open(g, false, err)) < 0)
		return root;
	fd = openat(root, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return err_set(err, errno, "container \"%s\": %s", id, dir);
	return fd < 0 ? -ENOENT : fd;
}

uint64_t oci_pid_start_time(pid_t pid)
{
	char path[64], *s = NULL, *p;
	unsigned long long start = 0;
	char state;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid <= 0 || read_file(path, 4096, &s) < 0)
		return 0;
	/* The name may hold spaces and parentheses: fields start after the
	 * last ')'. state is field 3, starttime field 22. */
	p = strrchr(s, ')');
	if (!p ||
	    sscanf(p + 2, "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
		   &state, &start) != 2 ||
	    state == 'Z' || state == 'X')
		start = 0;
	free(s);
	return start;
}

static int dup_json_str(json_t *o, const char *key, char **ret)
{
	const char *s = json_string_value(json_object_get(o, key));

	*ret = strdup(s ? s : "");
	return *ret ? 0 : -ENOMEM;
}

int oci_state_load(const struct oci_global *g, const char *id, struct oci_state *ret, struct taper_err *err)
{
	char *text = NULL;
	_cleanup_close_ int dfd = -1;
	json_error_t jerr;
	json_t *o, *ann, *v;
	const char *key;
	bool frozen = false;
	int r;

	*ret = (struct oci_state){ 0 };
	dfd = oci_dir_open(g, id, err);
	if (dfd == -ENOENT)
		return err_set(err, 0, "container \"%s\" does not exist", id), -ENOENT;
	if (dfd < 0)
		return dfd;
	r = read_file_at(dfd, "state.json", 1 << 20, &text, NULL);
	if (r == -ENOENT) {
		/* The directory is there, the holder not done yet. */
		ret->id = strdup(id);
		ret->status = OCI_CREATING;
		return ret->id ? 0 : -ENOMEM;
	}
	if (r < 0)
		return err_set(err, r, "container \"%s\": state.json", id);
	o = json_loads(text, 0, &jerr);
	free(text);
	if (!json_is_object(o)) {
		json_decref(o);
		return err_set(err, 0, "container \"%s\": state.json: %s", id, jerr.text);
	}
	ret->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	ret->start_time = (uint64_t)json_integer_value(json_object_get(o, "start_time"));
	ret->started = json_is_true(json_object_get(o, "started"));
	r = dup_json_str(o, "id", &ret->id);
	if (r == 0)
		r = dup_json_str(o, "bundle", &ret->bundle);
	if (r == 0)
		r = dup_json_str(o, "rootfs", &ret->rootfs);
	if (r == 0)
		r = dup_json_str(o, "created", &ret->created);
	if (r == 0)
		r = dup_json_str(o, "cgroup", &ret->cgroup);
	if (r == 0 && !ret->cgroup[0]) {
		free(ret->cgroup);
		r = (ret->cgroup = strdup(id)) ? 0 : -ENOMEM;
	}
	ann = json_object_get(o, "annotations");
	if (json_is_object(ann))
		json_object_foreach (ann, key, v)
			if (r == 0 && json_is_string(v))
				r = strv_pushf(&ret->annotations, "%s=%s", key, json_string_value(v));
	json_decref(o);
	if (r < 0) {
		oci_state_clear(ret);
		return err_set(err, ENOMEM, "container \"%s\"", id);
	}
	/* The kernel's word: the init with its start time, or gone. */
	if (!ret->pid || oci_pid_start_time(ret->pid) != ret->start_time) {
		ret->status = OCI_STOPPED;
		ret->pid = 0;
	} else if (!ret->started) {
		ret->status = OCI_CREATED;
	} else {
		ret->status = taper_run_group_frozen(g->root, ret->cgroup, &frozen, NULL) == 0 && frozen
				      ? OCI_PAUSED
				      : OCI_RUNNING;
	}
	return 0;
}

const char *oci_cgroup_of(const struct oci_global *g, const char *id, char *buf, size_t n)
{
	struct oci_state st;

	snprintf(buf, n, "%s", id);
	if (oci_state_load(g, id, &st, NULL) == 0) {
		if (st.cgroup)
			snprintf(buf, n, "%s", st.cgroup);
		oci_state_clear(&st);
	}
	return buf;
}

static json_t *state_doc(const struct oci_state *st, bool private)
{
	json_t *ann = json_object(), *o;

	for (char **a = st->annotations; ann && a && *a; a++) {
		const char *eq = strchr(*a, '=');
		_cleanup_free_ char *k = eq ? strndup(*a, (size_t)(eq - *a)) : NULL;

		if (k)
			json_object_set_new(ann, k, json_string(eq + 1));
	}
	o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:o}", "ociVersion", "1.1.0", "id", st->id, "pid",
		      (int)st->pid, "status", oci_status_name(st->status), "bundle",
		      st->bundle ? st->bundle : "", "rootfs", st->rootfs ? st->rootfs : "", "created",
		      st->created ? st->created : "", "annotations", ann);
	if (o && private) {
		json_object_set_new(o, "start_time", json_integer((json_int_t)st->start_time));
		json_object_set_new(o, "started", st->started ? json_true() : json_false());
		if (st->cgroup)
			json_object_set_new(o, "cgroup", json_string(st->cgroup));
	}
	if (o)
		json_object_set_new(o, "owner", json_string(""));
	return o;
}

char *oci_state_json(const struct oci_state *st, bool indent)
{
	json_t *o = state_doc(st, false);
	char *s = o ? json_dumps(o, indent ? JSON_INDENT(2) : JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

int oci_state_save(const struct oci_global *g, const struct oci_state *st, struct taper_err *err)
{
	_cleanup_close_ int dfd = -1;
	json_t *o;
	_cleanup_free_ char *s = NULL;
	int r;

	o = state_doc(st, true);
	s = o ? json_dumps(o, JSON_INDENT(1)) : NULL;
	json_decref(o);
	if (!s)
		return err_set(err, ENOMEM, "container \"%s\": state", st->id);
	dfd = oci_dir_open(g, st->id, err);
	if (dfd == -ENOENT)
		return err_set(err, ENOENT, "container \"%s\"", st->id);
	if (dfd < 0)
		return dfd;
	r = write_file_replace_at(dfd, "state.json", s, strlen(s), 0600);
	return r < 0 ? err_set(err, r, "container \"%s\": state.json", st->id) : 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hook.c — one step of a unit's queue: provision its container, run one
 * of its charm's hooks, or remove it.
 *
 * A hook runs in the unit's container through taper_container_attach(),
 * in a child, while this process serves the unit's hook tools on its own
 * socket (one per unit: a connection's unit is the socket's) and copies
 * the hook's output into the log. When the hook exits 0 what its tools
 * set is applied in one transaction together with the step's removal
 * from the queue and the -changed hooks that follow for the other side;
 * otherwise none of it is, the unit goes into error and keeps the output.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "charm/tools.h"
#include "util/cleanup.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/strv.h"

#define REQUEST_MAX (256 * 1024)
#define OUTPUT_KEEP (64 * 1024)

/* A line of taper's own about the hook: outside the hook's budget. */
static void log_line(struct hook_ctx *h, const char *text)
{
	struct taper_err err = { 0 };

	(void)model_exec(h->e->m, &err, "INSERT INTO log(time, unit, hook, text) VALUES(?, ?, ?, ?)", "isss",
			 (int64_t)time(NULL), h->unit, h->hook, text);
}

struct output {
	char *all; /* the last OUTPUT_KEEP bytes */
	size_t len;
	char line[4096];
	size_t line_len;
};

static void output_add(struct hook_ctx *h, struct output *o, const char *buf, size_t n)
{
	char *all = realloc(o->all, o->len + n + 1);

	if (all) {
		memcpy(all + o->len, buf, n);
		o->len += n;
		all[o->len] = '\0';
		if (o->len > OUTPUT_KEEP) {
			memmove(all, all + o->len - OUTPUT_KEEP, OUTPUT_KEEP + 1);
			o->len = OUTPUT_KEEP;
		}
		o->all = all;
	}
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n' || o->line_len == sizeof(o->line) - 1) {
			o->line[o->line_len] = '\0';
			hook_log(h, o->line);
			o->line_len = 0;
			if (buf[i] == '\n')
				continue;
		}
		o->line[o->line_len++] = buf[i];
	}
}

static void output_flush(struct hook_ctx *h, struct output *o)
{
	if (o->line_len) {
		o->line[o->line_len] = '\0';
		hook_log(h, o->line);
		o->line_len = 0;
	}
}

/* One tool request: read it whole, answer, close. */
static void serve(struct hook_ctx *h, int fd)
{
	_cleanup_free_ char *req = NULL, *out = NULL, *eo = NULL;
	_cleanup_free_ char **words = NULL;
	size_t len = 0, cap = 0, n_out = 0, n_eo = 0, nw = 0;
	FILE *fo = NULL, *fe = NULL;
	char head[64];
	int status;

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t k;

		if (len == cap) {
			char *nr;

			if (cap >= REQUEST_MAX || !(nr = realloc(req, cap ? cap * 2 : 4096)))
				return;
			req = nr;
			cap = cap ? cap * 2 : 4096;
		}
		if (poll(&p, 1, 10000) <= 0)
			return;
		if ((k = read(fd, req + len, cap - len)) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	if (len == 0 || req[len - 1] != '\0' || !(words = calloc(len + 1, sizeof(char *))))
		return;
	for (size_t i = 0; i < len; i += strlen(req + i) + 1)
		words[nw++] = req + i;
	if (!(fo = open_memstream(&out, &n_out)) || !(fe = open_memstream(&eo, &n_eo))) {
		if (fo)
			fclose(fo);
		return;
	}
	status = tools_handle(h, words, nw, fo, fe);
	fclose(fo);
	fclose(fe);
	snprintf(head, sizeof(head), "%d %zu\n", status, n_out);
	(void)(write_all(fd, head, strlen(head)) < 0 || write_all(fd, out, n_out) < 0 ||
	       write_all(fd, eo, n_eo) < 0);
}

static int listen_on(const char *path, struct taper_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_set(err, ENAMETOOLONG, "%s", path);
	strcpy(sa.sun_path, path);
	(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 || listen(fd, 16) < 0)
		return err_set(err, errno, "hook tools socket %s", path);
	return TAKE_FD(fd);
}

static char **hook_env(struct hook_ctx *h)
{
	_cleanup_strv_free_ char **env = NULL;
	_cleanup_free_ char *rel = NULL;

	if (h->relation) {
		struct taper_err err = { 0 };
		_cleanup_free_ char *ep = NULL;

		if (relation_endpoint(h->e, h->relation, h->service, &ep, &err) == 0 && ep &&
		    asprintf(&rel, "%s:%lld", ep, (long long)h->relation) < 0)
			return NULL;
		if (strv_pushf(&env, "JUJU_RELATION=%s", ep ? ep : "") < 0 ||
		    strv_pushf(&env, "JUJU_RELATION_ID=%s", rel ? rel : "") < 0 ||
		    (h->remote && strv_pushf(&env, "JUJU_REMOTE_UNIT=%s", h->remote) < 0))
			return NULL;
	}
	if (strv_pushf(&env, "JUJU_UNIT_NAME=%s", h->unit) < 0 ||
	    strv_pushf(&env, "JUJU_HOOK_NAME=%s", h->hook) < 0 ||
	    strv_extend(&env, "CHARM_DIR=" UNIT_MOUNT "/charm") < 0 ||
	    strv_extend(&env, "JUJU_CHARM_DIR=" UNIT_MOUNT "/charm") < 0 ||
	    strv_extend(&env, "PATH=" UNIT_MOUNT
			      "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0 ||
	    strv_extend(&env, "LANG=C.UTF-8") < 0 || strv_extend(&env, "DEBIAN_FRONTEND=noninteractive") < 0)
		return NULL;
	return TAKE_PTR(env);
}

/* Run the hook in the container, serving its tools; *ret_status is its
 * exit status (as a shell reports it). */
static int exec_hook(struct hook_ctx *h, const char *udir, struct output *o, int *ret_status,
		     struct taper_err *err)
{
	_cleanup_free_ char *sock = NULL, *path = NULL;
	_cleanup_close_ int lfd = -1, rfd = -1, wfd = -1, null = -1, pidfd = -1;
	_cleanup_strv_free_ char **env = hook_env(h);
	int pipefd[2], status;
	pid_t pid;

	if (!env || asprintf(&sock, "%s/sock", udir) < 0 ||
	    asprintf(&path, UNIT_MOUNT "/charm/hooks/%s", h->hook) < 0)
		return -ENOMEM;
	if ((lfd = listen_on(sock, err)) < 0)
		return lfd;
	if (pipe2(pipefd, O_CLOEXEC) < 0 || (null = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(err, errno, "hook output");
	rfd = pipefd[0];
	wfd = pipefd[1];
	if ((pid = fork()) < 0)
		return err_set(err, errno, "fork");
	if (pid == 0) {
		struct taper_attach_opts ao;
		struct taper_err aerr = { 0 };
		int st = TAPER_STATUS_RUNTIME_ERROR, r;

		/* The model's lock is the verb's, not the hook's: a killed verb
		 * must leave it free even while its hook goes on. */
		safe_close(h->e->lock_fd);
		taper_attach_opts_init(&ao);
		ao.argv = (char *[]){ path, NULL };
		ao.env = env;
		ao.cwd = UNIT_MOUNT "/charm";
		ao.stdio[0] = null;
		ao.stdio[1] = ao.stdio[2] = wfd;
		ao.ret_status = &st;
		r = taper_container_attach(h->e->store, h->container, &ao, &aerr);
		if (r < 0) {
			dprintf(wfd, "taper: %s\n", aerr.msg);
			_exit(st ? st : TAPER_STATUS_RUNTIME_ERROR);
		}
		_exit(r & 0xff);
	}
	wfd = safe_close(wfd);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (bool out_open = true;;) {
		struct pollfd p[3] = { { lfd, POLLIN, 0 },
				       { out_open ? rfd : -1, POLLIN, 0 },
				       { pidfd, POLLIN, 0 } };
		char buf[4096];

		if (poll(p, pidfd >= 0 ? 3 : 2, pidfd >= 0 ? -1 : 100) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0) {
				serve(h, c);
				close(c);
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP)) {
			ssize_t k = read(rfd, buf, sizeof(buf));

			if (k > 0)
				output_add(h, o, buf, (size_t)k);
			else if (k == 0)
				out_open = false;
		}
		if ((pidfd >= 0 && (p[2].revents & POLLIN)) ||
		    (pidfd < 0 && waitpid(pid, &status, WNOHANG) == pid && (pid = 0) == 0))
			break;
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	/* What is left in the pipe; a daemon the hook started may hold it
	 * open, so without waiting for its end. */
	(void)fcntl(rfd, F_SETFL, O_NONBLOCK);
	for (;;) {
		char buf[4096];
		ssize_t k = read(rfd, buf, sizeof(buf));

		if (k <= 0)
			break;
		output_add(h, o, buf, (size_t)k);
	}
	output_flush(h, o);
	(void)unlink(sock);
	*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}

/* The hook's changes, the step's end and what follows, in one go. */
static int apply(struct hook_ctx *h, int64_t qid, struct taper_err *err)
{
	_cleanup_free_ int64_t *changed = NULL;
	size_t n_changed = 0;
	int r;

	if ((r = model_begin(h->e->m, err)) < 0)
		return r;
	if (!(changed = calloc(h->n_sets + 1, sizeof(int64_t))))
		goto oom;
	for (size_t i = 0; i < h->n_sets; i++) {
		struct pending_set *s = &h->sets[i];
		bool seen = false;

		if (s->value[0])
			r = model_exec(
				h->e->m, err,
				"INSERT INTO settings(relation, unit, key, value) VALUES(?1, ?2, ?3, ?4)"
				" ON CONFLICT(relation, unit, key) DO UPDATE SET value = ?4 WHERE value != ?4",
				"isss", s->relation, h->unit, s->key, s->value);
		else
			r = model_exec(h->e->m, err,
				       "DELETE FROM settings WHERE relation = ? AND unit = ? AND key = ?",
				       "iss", s->relation, h->unit, s->key);
		if (r < 0)
			goto fail;
		for (size_t j = 0; j < n_changed; j++)
			seen |= changed[j] == s->relation;
		if (r > 0 && !seen)
			changed[n_changed++] = s->relation;
	}
	for (size_t i = 0; i < h->n_ports; i++) {
		struct pending_port *p = &h->ports[i];

		r = p->open ? model_exec(h->e->m, err,
					 "INSERT OR IGNORE INTO ports(unit, port, proto) VALUES(?, ?, ?)",
					 "sis", h->unit, (int64_t)p->port, p->proto)
			    : model_exec(h->e->m, err,
					 "DELETE FROM ports WHERE unit = ? AND port = ? AND proto = ?", "sis",
					 h->unit, (int64_t)p->port, p->proto);
		if (r < 0)
			goto fail;
	}
	if (h->status)
		r = model_exec(h->e->m, err, "UPDATE units SET workload = ?, message = ? WHERE name = ?",
			       "sss", h->status, h->message, h->unit);
	else if (strcmp(h->hook, "start") == 0)
		/* A charm that never says: Juju's "unknown". */
		r = model_exec(h->e->m, err,
			       "UPDATE units SET workload = 'unknown', message = '' WHERE name = ?"
			       " AND workload = 'maintenance' AND message = 'installing charm software'",
			       "s", h->unit);
	if (r < 0 || (r = model_exec(h->e->m, err, "DELETE FROM queue WHERE id = ?", "i", qid)) < 0 ||
	    (r = model_exec(
		     h->e->m, err,
		     "UPDATE units SET agent = 'idle', agent_info = '', hook = NULL, output = NULL WHERE name = ?",
		     "s", h->unit)) < 0)
		goto fail;
	/* The other side hears of every change, once per change. */
	for (size_t i = 0; i < n_changed; i++) {
		_cleanup_free_ char *dying = NULL;
		struct mrows rows;

		if ((r = model_get(h->e->m, &dying, err, "SELECT dying FROM relations WHERE id = ?", "i",
				   changed[i])) < 0)
			goto fail;
		if (!dying || strcmp(dying, "0") != 0)
			continue;
		if ((r = relation_remote_units(h->e, changed[i], h->unit, &rows, err)) < 0)
			goto fail;
		for (size_t j = 0; j < rows.n && r >= 0; j++) {
			_cleanup_free_ char *svc = NULL, *ep = NULL, *hook = NULL;
			const char *v = mrows_get(&rows, j, 0);

			if ((r = model_get(h->e->m, &svc, err, "SELECT service FROM units WHERE name = ?",
					   "s", v)) < 0 ||
			    (r = relation_endpoint(h->e, changed[i], svc, &ep, err)) < 0)
				break;
			if (asprintf(&hook, "%s-relation-changed", ep) < 0) {
				r = -ENOMEM;
				break;
			}
			r = queue_add(h->e, v, hook, changed[i], h->unit, err);
		}
		mrows_clear(&rows);
		if (r < 0)
			goto fail;
	}
	return model_commit(h->e->m, err);
oom:
	r = err_set(err, ENOMEM, "model");
fail:
	model_rollback(h->e->m);
	return r;
}

static int fail_unit(struct hook_ctx *h, const char *output, const char *why)
{
	struct taper_err err = { 0 };
	_cleanup_free_ char *info = NULL;

	if (asprintf(&info, "hook failed: \"%s\"%s%s", h->hook, why ? ": " : "", why ? why : "") < 0)
		return -ENOMEM;
	return model_exec(h->e->m, &err,
			  "UPDATE units SET agent = 'error', agent_info = ?, output = ? WHERE name = ?",
			  "sss", info, output, h->unit);
}

int hook_run(struct charm_env *e, int64_t qid, struct taper_err *err)
{
	_cleanup_free_ char *udir = NULL, *hostpath = NULL;
	struct hook_ctx h = { .e = e };
	struct output o = { 0 };
	struct mrows q, u;
	struct stat st;
	int r, status = 0;

	if ((r = model_query(e->m, &q, err, "SELECT unit, hook, relation, remote FROM queue WHERE id = ?",
			     "i", qid)) <= 0)
		return r;
	if ((r = model_query(e->m, &u, err, "SELECT service, container FROM units WHERE name = ?", "s",
			     mrows_get(&q, 0, 0))) <= 0) {
		mrows_clear(&q);
		return r;
	}
	h.unit = mrows_get(&q, 0, 0);
	h.hook = mrows_get(&q, 0, 1);
	h.relation = mrows_get(&q, 0, 2) ? strtoll(mrows_get(&q, 0, 2), NULL, 10) : 0;
	h.remote = mrows_get(&q, 0, 3);
	h.hook_relation = h.relation;
	h.hook_remote = h.remote;
	h.service = mrows_get(&u, 0, 0);
	h.container = mrows_get(&u, 0, 1);
	if (!(udir = unit_dir(e, h.container)) ||
	    asprintf(&hostpath, "%s/charm/hooks/%s", udir, h.hook) < 0) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = model_exec(e->m, err,
			    "UPDATE units SET agent = CASE WHEN ?2 = '" STEP_PROVISION
			    "' THEN 'allocating' ELSE 'executing' END, hook = ?2 WHERE name = ?1",
			    "ss", h.unit, h.hook)) < 0)
		goto out;
	if (strcmp(h.hook, STEP_PROVISION) == 0) {
		env_say(e, "%s: provisioning %s", h.unit, h.container);
		r = unit_provision(e, h.unit, h.service, h.container, err);
	} else if (strcmp(h.hook, STEP_REMOVE) == 0) {
		env_say(e, "%s: removing %s", h.unit, h.container);
		r = unit_remove(e, h.unit, h.service, h.container, err);
		goto out;
	} else if (stat(hostpath, &st) == 0) {
		env_say(e, "%s: %s%s%s", h.unit, h.hook, h.remote ? " " : "", h.remote ? h.remote : "");
		r = exec_hook(&h, udir, &o, &status, err);
	} else {
		r = 0; /* a charm without this hook: nothing to do */
	}
	if (r < 0) {
		/* The step could not run: the unit is in error with the reason. */
		log_line(&h, err->msg);
		fail_unit(&h, err->msg, err->msg);
		r = 1;
	} else if (status != 0) {
		char why[64];

		snprintf(why, sizeof(why), "exit status %d", status);
		fail_unit(&h, o.all ? o.all : "", NULL);
		err_set(err, 0, "%s: hook \"%s\" failed (%s)", h.unit, h.hook, why);
		r = 1;
	} else {
		r = apply(&h, qid, err);
		if (r == 0 && h.n_ports > 0)
			r = ports_sync(e, h.unit, err);
	}
out:
	free(o.all);
	hook_ctx_clear(&h);
	mrows_clear(&q);
	mrows_clear(&u);
	return r;
}

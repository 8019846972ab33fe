/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oci.h — taper-oci, the OCI runtime front end: runc's command line as
 * podman (through conmon), containerd's runc shim and CRI-O call it, over
 * include/taper.h alone. The same binary as `taper`, chosen by argv[0]
 * ("taper-oci") or as `taper oci ...`.
 *
 * A container is a directory <root>/<id>/ holding state.json (written
 * atomically) and, while the container is created but not started, the
 * socket of its holder: the process that made the run with
 * taper_run_create() and lets it exec on `start`, then exits, so that the
 * container's init is reparented to the caller's subreaper (conmon, the
 * shim) as runc's is. Its status is read from the kernel each time: the
 * init alive (same start time) and started or not, its cgroup frozen.
 */
#ifndef TAPER_OCI_OCI_H
#define TAPER_OCI_OCI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <taper.h>

/* argv[0] is "taper-oci" (or "oci" under `taper oci`); main()'s own
 * argc and argv are for re-executing the binary (taper_runtime_prepare).
 * Exit status. */
int oci_main(int argc, char **argv, int main_argc, char **main_argv);

/* ---- what the command files share (src/oci/) ---- */

struct oci_global {
	const char *root; /* --root, default /run/taper-oci */
	const char *log;  /* --log FILE: errors (and debug) also go there */
	bool log_json;    /* --log-format json */
	bool debug;
	bool systemd_cgroup; /* --systemd-cgroup */
	int argc;            /* main()'s, for taper_runtime_prepare() */
	char **argv;
};

enum oci_status {
	OCI_CREATING,
	OCI_CREATED,
	OCI_RUNNING,
	OCI_PAUSED,
	OCI_STOPPED,
};
const char *oci_status_name(enum oci_status s);

/* One container's state.json, and its status now. */
struct oci_state {
	char *id;
	pid_t pid;           /* the init's, 0 when none */
	uint64_t start_time; /* the init's, from /proc/PID/stat: tells a reused pid */
	char *bundle;
	char *rootfs;
	char *created;      /* RFC 3339 */
	char **annotations; /* "k=v" */
	/* What the taper_run_group_* calls reach its cgroup by: the config's
	 * cgroupsPath, else the id. */
	char *cgroup;
	bool started;
	enum oci_status status;
};
void oci_state_clear(struct oci_state *st);

/* "<root>/<id>" into buf; -EINVAL for an id that is no container name. */
int oci_dir(const struct oci_global *g, const char *id, char *buf, size_t n, struct taper_err *err);
/* An O_PATH fd of --root (made 0700 first when create), refused (-EPERM)
 * unless this user owns it and no one else may write it; -ENOENT without
 * a message when it does not exist. */
int oci_root_open(const struct oci_global *g, bool create, struct taper_err *err);
/* An O_PATH fd of <root>/<id>, a directory (no symlink) in a root as
 * above; -ENOENT without a message when there is none. */
int oci_dir_open(const struct oci_global *g, const char *id, struct taper_err *err);
/* Read <root>/<id>/state.json and compute the status; -ENOENT with
 * "container "x" does not exist". */
int oci_state_load(const struct oci_global *g, const char *id, struct oci_state *ret, struct taper_err *err);
int oci_state_save(const struct oci_global *g, const struct oci_state *st, struct taper_err *err);
/* The state as runtime.md's JSON (malloc'ed). */
char *oci_state_json(const struct oci_state *st, bool indent);
/* The start time of pid (field 22 of /proc/PID/stat), 0 when it is gone or
 * a zombie. */
uint64_t oci_pid_start_time(pid_t pid);

/* Print "taper-oci: <msg>" on stderr (and to --log); exit status 1. */
int oci_error(const struct oci_global *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int oci_error_err(const struct oci_global *g, const struct taper_err *err);
/* "taper-oci: warning: <msg>" (and to --log at level warning). */
void oci_warn(const struct oci_global *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The cgroup name of container id for the taper_run_group_* calls (its
 * state's "cgroup", else the id), into buf of n. */
const char *oci_cgroup_of(const struct oci_global *g, const char *id, char *buf, size_t n);
void oci_debug(const struct oci_global *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Send fd over the unix socket at path (SCM_RIGHTS), as runc hands the
 * pty master to --console-socket. */
int oci_send_console(const char *path, int fd, struct taper_err *err);
/* Write pid to path atomically (--pid-file). */
int oci_write_pid_file(const char *path, pid_t pid, struct taper_err *err);
/* Relay between our stdin/stdout and a pty master until it hangs up. */
void oci_relay_pty(int master);
/* "SIGTERM", "TERM", "15" -> 15; -EINVAL. */
int oci_parse_signal(const char *s);

/* The poststop hooks of the container whose dir is <root>/<id>, from the
 * copy of config.json create kept there when it has any; failures are
 * warnings. st: its state (pid, bundle). */
void oci_run_poststop(struct oci_global *g, const struct oci_state *st);

/* Commands, one file each. */
int oci_cmd_create(int argc, char **argv, struct oci_global *g);
int oci_cmd_run(int argc, char **argv, struct oci_global *g);
int oci_cmd_start(int argc, char **argv, struct oci_global *g);
int oci_cmd_state(int argc, char **argv, struct oci_global *g);
int oci_cmd_kill(int argc, char **argv, struct oci_global *g);
int oci_cmd_delete(int argc, char **argv, struct oci_global *g);
int oci_cmd_list(int argc, char **argv, struct oci_global *g);
int oci_cmd_pause(int argc, char **argv, struct oci_global *g);
int oci_cmd_resume(int argc, char **argv, struct oci_global *g);
int oci_cmd_ps(int argc, char **argv, struct oci_global *g);
int oci_cmd_update(int argc, char **argv, struct oci_global *g);
int oci_cmd_events(int argc, char **argv, struct oci_global *g);
int oci_cmd_exec(int argc, char **argv, struct oci_global *g);
int oci_cmd_spec(int argc, char **argv, struct oci_global *g);
int oci_cmd_features(int argc, char **argv, struct oci_global *g);

#endif

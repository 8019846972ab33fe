/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * flags.h — `taper run` flags compiled into a struct taper_spec.
 *
 * One pure function, as the config-file compiler (config/) and the OCI
 * one are: argv in, a spec out, or an error that names the flag. It
 * touches nothing on the host but /etc/subuid, /etc/subgid and a stat of
 * the rootfs (for --userns). A table holds one row per flag; the help
 * text comes from it. include/taper.h exposes both through
 * taper_spec_from_run_flags() and taper_run_flags_help().
 */
#ifndef TAPER_SPEC_FLAGS_H
#define TAPER_SPEC_FLAGS_H

#include <stdio.h>

#include <taper.h>

#include "spec/spec.h"

/* argv[0] is the verb; getopt_long() state is reset first. On failure
 * *ret is NULL. With --help, *ret is a default spec and nothing is
 * checked. */
int spec_from_run_flags(int argc, char **argv, struct taper_spec **ret, struct taper_run_flags *ret_flags,
			struct taper_err *err);
void spec_run_flags_usage(FILE *f);

#endif

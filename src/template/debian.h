/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * debian.h — the parts of the debian template that tests reach directly.
 *
 * The bootstrapped tree of (release, arch, variant, packages) is cached as
 * <cache>/debian/<key>.tar where key is
 *   <release>-<arch>-<variant>-<first 16 hex of sha256("<variant>\n<pkgs>\n")>
 * and <pkgs> the sorted, de-duplicated, comma-joined package list (the
 * init package included). Downloaded .debs are shared between releases in
 * <cache>/debootstrap/archives.
 */
#ifndef TAPER_TEMPLATE_DEBIAN_H
#define TAPER_TEMPLATE_DEBIAN_H

#include <taper.h>

#define DEBIAN_MIRROR_FALLBACK "http://deb.debian.org/debian"

/* The first non-security "deb" source in apt_dir (normally /etc/apt):
 * sources.list, then sources.list.d/ *.list and *.sources (deb822), in
 * name order. -ENOENT when none. */
int debian_mirror_from_apt(const char *apt_dir, char **ret);

/* VERSION_CODENAME from an os-release file; -ENOENT when absent. */
int debian_release_from_os_release(const char *path, char **ret);

/* The cache key above; packages is the comma list the user gave (or NULL). */
int debian_cache_key(const char *release, const char *arch, const char *variant, const char *packages,
		     char **ret);

#endif

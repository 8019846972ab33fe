#!/bin/sh
# Install every build, test and run-time dependency of taper on Debian 12;
# `deps.sh check` adds what only `make check` needs (clang and libFuzzer
# for the fuzz targets), which `make demo` does without.
# Idempotent and quiet: does nothing when everything is present.
set -eu
cd "$(dirname "$0")/.."

# The web end-to-end test's browser driver (tests/web/package.json, its
# lock file pins the version), from the npm registry into tests/web.
npm_deps() {
	[ -d tests/web/node_modules/playwright-core ] && return 0
	command -v npm >/dev/null 2>&1 || return 0
	echo "deps: npm install (tests/web)"
	npm ci --prefix tests/web --no-audit --no-fund --loglevel=error >/dev/null
}

PACKAGES="
  meson ninja-build pkg-config gcc
  libcap-dev libseccomp-dev libmnl-dev libnftables-dev libjansson-dev libarchive-dev
  libsqlite3-dev libyaml-dev
  libcmocka-dev python3-pytest
  busybox-static iproute2 nftables uidmap debootstrap
  crun hyperfine
  runc podman containerd
  bubblewrap
  zstd
  clang-format cppcheck
  go-md2man bash-completion
  libmicrohttpd-dev
  chromium nodejs
"
CHECK_PACKAGES="
  clang libclang-rt-14-dev
"
[ "${1:-}" = check ] && PACKAGES="$PACKAGES $CHECK_PACKAGES"

missing=""
# nodejs from some repositories carries npm itself; Debian's is apart.
command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	npm_deps
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
npm_deps

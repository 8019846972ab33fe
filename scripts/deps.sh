#!/bin/sh
# Install taper's dependencies on Debian 12, by set:
#   build  what building taper and running it needs (libraries, meson,
#          man pages, completion; busybox-static and iproute2/nftables for
#          the busybox template and networks at run time)
#   test   the unit and black-box suites, lint, the web end-to-end test
#   check  what only `make check` adds: clang and libFuzzer for the fuzz
#          targets, runc, podman and containerd for taper-oci's tests
#   bench  the peers bench/ measures taper against (crun, runc, LXC,
#          bubblewrap) and its tools (hyperfine, perf, valgrind, curl)
#   conformance  the OCI runtime-tools validation suite's build (Go and the
#          Debian -dev packages it imports, dpkg-source for its source
#          package) and the runtimes it is run against beside taper-oci
# Usage: scripts/deps.sh [SET...]   (default: build test, what `make demo`
# needs; `make check` asks for build test check, `make bench` build bench).
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

BUILD_PACKAGES="
  meson ninja-build pkg-config gcc
  libcap-dev libseccomp-dev libmnl-dev libnftables-dev libjansson-dev libarchive-dev
  libsqlite3-dev libyaml-dev
  libmicrohttpd-dev
  go-md2man bash-completion
  busybox-static iproute2 nftables uidmap debootstrap zstd
"
TEST_PACKAGES="
  libcmocka-dev python3-pytest
  clang-format cppcheck strace openssl
  chromium nodejs
"
CHECK_PACKAGES="
  clang libclang-rt-14-dev
  runc podman containerd
"
BENCH_PACKAGES="
  crun runc lxc bubblewrap
  hyperfine linux-perf valgrind curl
"

CONFORMANCE_PACKAGES="
  golang-go golang-github-opencontainers-runtime-tools-dev golang-github-google-uuid-dev
  dpkg-dev busybox-static util-linux runc crun
"

[ $# -gt 0 ] || set -- build test
PACKAGES=""
web=false
for set in "$@"; do
	case "$set" in
	build) PACKAGES="$PACKAGES $BUILD_PACKAGES" ;;
	test)
		PACKAGES="$PACKAGES $TEST_PACKAGES"
		web=true
		;;
	check) PACKAGES="$PACKAGES $CHECK_PACKAGES" ;;
	bench) PACKAGES="$PACKAGES $BENCH_PACKAGES" ;;
	conformance) PACKAGES="$PACKAGES $CONFORMANCE_PACKAGES" ;;
	*)
		echo "deps: unknown set \"$set\" (build, test, check, bench or conformance)" >&2
		exit 2
		;;
	esac
done

missing=""
# nodejs from some repositories carries npm itself; Debian's is apart.
if $web && ! command -v npm >/dev/null 2>&1; then
	PACKAGES="$PACKAGES npm"
fi
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	! $web || npm_deps
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
! $web || npm_deps

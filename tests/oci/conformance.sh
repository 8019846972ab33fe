#!/bin/sh
# Run the OCI runtime-tools validation suite (github.com/opencontainers/
# runtime-tools, validation/ and cmd/runtimetest/) against taper-oci and the
# other runtimes given, and print per-runtime totals.
#
# Usage: tests/oci/conformance.sh [-b BUILD] [-t "TEST..."] [RUNTIME...]
#   RUNTIME   a runtime binary or name in PATH; default: BUILD/taper-oci runc crun
#   -b BUILD  the build directory holding taper-oci and the cache (default: build)
#   -t TESTS  only these validation tests (names of validation/*/), e.g. "state kill"
# Environment:
#   TAPER_OCI_RTTOOLS_SRC  a runtime-tools source tree (with validation/ and
#       cmd/runtimetest/); without it, Debian's source package
#       golang-github-opencontainers-runtime-tools is fetched with apt-get source
#       (Debian's binary -dev package ships the library, not the suite).
#
# Offline build: GOPATH mode (GO111MODULE=off) over Debian's /usr/share/gocode;
# the suite's TAP library (github.com/mndrix/tap-go, not packaged by Debian)
# comes from tests/oci/conformance/tap.go when the tree carries none.
# Each test binary runs from BUILD/oci-conformance/bin (it reads ./runtimetest
# and ./rootfs-amd64.tar.gz there) with RUNTIME=<runtime>, as the suite's
# Makefile does (localvalidation), and writes TAP to
# BUILD/oci-conformance/results/<runtime>/<test>.tap.
#
# The exit status is non-zero when a test fails with taper-oci that
# tests/oci/conformance/known-failures does not list with its reason.
#
# Every runtime runs in a private mount namespace of its own: some tests start
# containers that share the caller's mount namespace, and crun 1.8 refuses
# this host's hybrid cgroup layout, so for crun the cgroup2 mount is detached
# there (only there). Needs root.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD

build=build
tests=""
while getopts b:t: opt; do
	case "$opt" in
	b) build=$OPTARG ;;
	t) tests=$OPTARG ;;
	*)
		echo "usage: $0 [-b BUILD] [-t TESTS] [RUNTIME...]" >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- "$ROOT/$build/taper-oci" runc crun

if [ "$(id -u)" -ne 0 ]; then
	echo "conformance: needs root" >&2
	exit 2
fi
scripts/deps.sh conformance

cache="$ROOT/$build/oci-conformance"
gopath="$cache/gopath"
rt="$gopath/src/github.com/opencontainers/runtime-tools"
bin="$cache/bin"
mkdir -p "$cache"

# --- the suite's source -----------------------------------------------------
src="${TAPER_OCI_RTTOOLS_SRC:-}"
if [ -z "$src" ]; then
	src="$cache/src"
	if [ ! -d "$src/validation" ]; then
		apt="$cache/apt"
		mkdir -p "$apt/lists/partial" "$apt/archives/partial"
		echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
			"http://deb.debian.org/debian bookworm main" >"$apt/sources.list"
		# A private apt configuration: the host's sources stay as they are.
		cat >"$apt/apt.conf" <<-EOF
			Dir::Etc::SourceList "$apt/sources.list";
			Dir::Etc::SourceParts "/nonexistent";
			Dir::State::Lists "$apt/lists";
			Dir::Cache::archives "$apt/archives";
			Dir::Cache::pkgcache "";
			Dir::Cache::srcpkgcache "";
		EOF
		if ! (cd "$apt" && export APT_CONFIG="$apt/apt.conf" &&
			apt-get -qq update >/dev/null 2>&1 &&
			apt-get -qq source --download-only \
				golang-github-opencontainers-runtime-tools >/dev/null 2>&1 &&
			rm -rf "$src" && dpkg-source -x ./*.dsc "$src" >/dev/null 2>&1); then
			echo "conformance: cannot fetch the source package" \
				"golang-github-opencontainers-runtime-tools; set TAPER_OCI_RTTOOLS_SRC" \
				"to a runtime-tools tree (validation/, cmd/runtimetest/)" >&2
			exit 1
		fi
	fi
fi
for d in validation/util cmd/runtimetest; do
	if [ ! -d "$src/$d" ]; then
		echo "conformance: $src: no $d (not a runtime-tools tree)" >&2
		exit 1
	fi
done

# --- build (GOPATH mode, offline) -------------------------------------------
rm -rf "$rt" "$bin"
mkdir -p "$rt/cmd" "$bin" "$gopath/src/github.com/mndrix/tap-go"
cp -r "$src/validation" "$rt/"
cp -r "$src/cmd/runtimetest" "$rt/cmd/"
if [ -d "$src/vendor/github.com/mndrix/tap-go" ]; then
	cp "$src"/vendor/github.com/mndrix/tap-go/*.go "$gopath/src/github.com/mndrix/tap-go/"
else
	cp tests/oci/conformance/tap.go "$gopath/src/github.com/mndrix/tap-go/"
fi
export GOPATH="$gopath:/usr/share/gocode" GO111MODULE=off GOFLAGS='' \
	GOCACHE="$cache/gocache" GOPROXY=off CGO_ENABLED=0
(cd "$rt" && go build -o "$bin/runtimetest" ./cmd/runtimetest)
[ -n "$tests" ] || tests=$(cd "$rt/validation" && for d in */; do
	[ "$d" = util/ ] || printf '%s ' "${d%/}"
done)
built=""
for t in $tests; do
	if (cd "$rt" && go build -o "$bin/$t.t" "./validation/$t") 2>"$cache/build-$t.log"; then
		built="$built $t"
	else
		echo "conformance: $t does not build (see $cache/build-$t.log)" >&2
	fi
done

# The bundle root the tests unpack: busybox, as the suite's own rootfs.
fs="$cache/rootfs"
rm -rf "$fs"
mkdir -p "$fs/bin" "$fs/dev" "$fs/etc" "$fs/proc" "$fs/sys" "$fs/tmp" "$fs/root"
cp /bin/busybox "$fs/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$fs/bin/$a" ] || ln -s busybox "$fs/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
	>"$fs/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' >"$fs/etc/group"
tar -C "$fs" -czf "$bin/rootfs-$(go env GOARCH).tar.gz" .

# --- run --------------------------------------------------------------------
# tally FILE...: "tests passed failed checks passed failed skipped todo" of TAP
# files; a test passes when it exited 0 and no point failed (TODO points do
# not count as failures, as TAP says). The *_fail tests print no TAP at all:
# they exit 0 when the runtime refused the config, 1 when it ran it.
tally() {
	awk '
	FNR == 1 { if (NR > 1) fin(); bad = 0; rc = -1 }
	/^# exit [0-9]+$/ { rc = $3; next }
	/^not ok [0-9]+/ { if ($0 ~ /# TODO/) todo++; else { cf++; bad = 1 }; next }
	/^ok [0-9]+/ { if ($0 ~ /# [Ss][Kk][Ii][Pp]/) cs++; else cp++; next }
	function fin() { if (rc == 0 && !bad) tp++; else tf++ }
	END { if (NR > 0) fin(); printf "%d %d %d %d %d %d\n", tp, tf, cp, cf, cs, todo }
	' "$@"
}

results="$cache/results"
summary=""
for runtime in "$@"; do
	# The tests run elsewhere: a path becomes absolute, without resolving
	# links (taper-oci is taper chosen by its name).
	case "$runtime" in
	/*) ;;
	*/*) runtime="$(cd "$(dirname "$runtime")" && pwd)/$(basename "$runtime")" ;;
	esac
	name=$(basename "$runtime")
	out="$results/$name"
	rm -rf "$out"
	mkdir -p "$out"
	hide=""
	[ "$name" != crun ] || hide="umount /sys/fs/cgroup/unified 2>/dev/null || true;"
	echo "== $name"
	for t in $built; do
		# shellcheck disable=SC2016 # expanded by the inner shell
		unshare -m --propagation private sh -c "$hide"' cd "$1" &&
			RUNTIME="$2" timeout 600 "./$3.t" >"$4" 2>"$4.err"; echo "# exit $?" >>"$4"' \
			sh "$bin" "$runtime" "$t" "$out/$t.tap" || true
		printf '%-40s %s\n' "$t" "$(tally "$out/$t.tap" |
			awk '{ printf "%s  checks: %d passed, %d failed, %d skipped", ($1 ? "ok" : "FAIL"), $3, $4, $5 }')"
	done
	summary="$summary$(tally "$out"/*.tap | awk -v n="$name" '{ printf "%-10s tests: %d passed, %d failed   checks: %d passed, %d failed, %d skipped (%d todo)", n, $1, $2, $3, $4, $5, $6 }')
"
done
echo
echo "== totals ($(echo "$built" | wc -w) validation tests; TAP in $results)"
printf '%s' "$summary"

# taper-oci's failing tests must each be a known failure, with its reason
# (host, suite, or a documented decision): anything else is a regression.
status=0
if [ -d "$results/taper-oci" ]; then
	for t in $built; do
		[ "$(tally "$results/taper-oci/$t.tap" | cut -d' ' -f1)" = 1 ] && continue
		if ! grep -q "^$t " tests/oci/conformance/known-failures; then
			echo "conformance: taper-oci: $t fails and is not in" \
				"tests/oci/conformance/known-failures" >&2
			status=1
		fi
	done
fi
exit "$status"

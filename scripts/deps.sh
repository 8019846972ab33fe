#!/bin/sh
# Install every build, test and run-time dependency of taper on Debian 12.
# Idempotent and quiet: does nothing when everything is present.
set -eu

PACKAGES="
  meson ninja-build pkg-config gcc
  libcap-dev libseccomp-dev libmnl-dev libnftables-dev libjansson-dev libarchive-dev
  libcmocka-dev python3-pytest
  busybox-static iproute2 nftables uidmap debootstrap
  crun hyperfine
  runc podman containerd
  bubblewrap
  zstd
  clang-format cppcheck
  go-md2man bash-completion
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

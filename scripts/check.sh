#!/bin/sh
# Run every suite against each build given: cmocka units through meson,
# then the pytest black-box suite against that build's taper binary, then
# the panel's end-to-end test in chromium (tests/web, node:test).
set -eu
cd "$(dirname "$0")/.."
PYTEST="${PYTEST:-/usr/bin/python3 -m pytest}"

for build in "$@"; do
	echo "== $build: unit"
	meson test -C "$build" --suite unit --print-errorlogs
	echo "== $build: cli"
	TAPER="$PWD/$build/taper" TAPER_BUILD="$PWD/$build" $PYTEST -q -p no:cacheprovider tests/cli
	echo "== $build: security"
	TAPER="$PWD/$build/taper" TAPER_BUILD="$PWD/$build" $PYTEST -q -p no:cacheprovider tests/security
	echo "== $build: web (chromium)"
	TAPER="$PWD/$build/taper" node --test tests/web/
done

#!/bin/sh
# Run every suite against each build given: cmocka units through meson,
# then the pytest black-box suites against that build's taper binary, then
# the panel's end-to-end test in chromium (tests/web, node:test). The
# black-box suites run in a network namespace of their own
# (scripts/in-netns): nothing a test starts reaches the host's network.
# A failing suite does not stop the others (the sanitizer build's tests
# run even when the normal build's fail); a summary line per build and
# suite ends the output, and the exit status is non-zero if any failed.
# TAPER_OCI_CONFORMANCE=1 adds the OCI runtime-tools validation suite
# against each build's taper-oci (tests/oci/conformance.sh).
set -u
cd "$(dirname "$0")/.." || exit 2
PYTEST="${PYTEST:-/usr/bin/python3 -m pytest}"

summary=""
failed=0

# suite BUILD NAME CMD...: run CMD, record "BUILD NAME: passed|failed (exit N)".
suite() {
	build="$1" name="$2"
	shift 2
	echo "== $build: $name"
	"$@"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		line="passed"
	else
		line="FAILED (exit $rc)"
		failed=1
	fi
	summary="$summary$(printf '%-12s %-9s %s' "$build" "$name" "$line")
"
}

for build in "$@"; do
	suite "$build" unit meson test -C "$build" --suite unit --print-errorlogs
	for s in cli security oci; do
		# shellcheck disable=SC2086 # PYTEST is a command line
		suite "$build" "$s" scripts/in-netns env TAPER="$PWD/$build/taper" \
			TAPER_BUILD="$PWD/$build" $PYTEST -q -p no:cacheprovider "tests/$s"
	done
	suite "$build" web scripts/in-netns env TAPER="$PWD/$build/taper" node --test tests/web/
	# The OCI runtime-tools validation suite takes minutes per runtime
	# and needs its source (docs/oci.md, "Conformance"): only when asked.
	if [ "${TAPER_OCI_CONFORMANCE:-0}" = 1 ]; then
		suite "$build" conformance tests/oci/conformance.sh -b "$build" "$PWD/$build/taper-oci"
	fi
done

echo
echo "== summary"
printf '%s' "$summary"
exit "$failed"

#!/bin/sh
# Build the libFuzzer targets of tests/fuzz (clang, ASan+UBSan) and run
# each for a bounded time on its corpus, one after the other. New inputs
# go to $BUILD/fuzz-work, never into the tree; a crash, leak or UB fails
# the script with the reproducer kept under $BUILD/fuzz-artifacts/.
#
#   scripts/fuzz.sh [BUILD [SECONDS [TARGET...]]]   (default build-fuzz 20, all)
set -eu
cd "$(dirname "$0")/.."
BUILD="${1:-build-fuzz}"
SECONDS_EACH="${2:-20}"
[ $# -gt 2 ] && shift 2 || set --
TARGETS="${*:-$(sed -n "s/^  '\([a-z-]*\)',\$/\1/p" tests/fuzz/meson.build)}"

if [ ! -f "$BUILD/build.ninja" ]; then
	CC=clang meson setup "$BUILD" -Dfuzz=true -Dtests=false -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$BUILD" $(for t in $TARGETS; do echo "tests/fuzz/fuzz-$t"; done) >/dev/null

work="$BUILD/fuzz-work"
artifacts="$BUILD/fuzz-artifacts"
rm -rf "$work"
mkdir -p "$work" "$artifacts"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp"
failed=""
for t in $TARGETS; do
	mkdir -p "$work/$t"
	# One target at a time, one process each: CI machines are small.
	if "$BUILD/tests/fuzz/fuzz-$t" "$work/$t" "tests/fuzz/corpus/$t" -max_total_time="$SECONDS_EACH" \
		-artifact_prefix="$artifacts/$t-" -print_final_stats=1 >"$work/$t.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
		echo "fuzz: $t: ${runs:-?} runs in ${SECONDS_EACH}s, no crash"
	else
		echo "fuzz: $t: FAILED (log $work/$t.log)" >&2
		grep -E "ERROR|runtime error|property violated|SUMMARY|Test unit written" "$work/$t.log" >&2 || true
		failed="$failed $t"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed; a reproducer is in $artifacts (tests/fuzz/README.md)" >&2
	exit 1
fi

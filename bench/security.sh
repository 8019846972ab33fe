#!/bin/sh
# Costs of the security module: seccomp preparation (compile vs cache hit vs
# load) and the sealed-exe re-exec. Numbers only, no thresholds.
set -eu
BUILD=${1:-build}
"$BUILD/tests/security/bench_seccomp" 200
hyperfine -N --warmup 20 -r 300 \
	"$BUILD/tests/security/sealed_exe_probe --plain" \
	"$BUILD/tests/security/sealed_exe_probe"

#!/bin/sh
# A newcomer's first look: what this kernel offers containers.
set -eu
cd "$(dirname "$0")/.."
build="${1:-build}"
"$build/taper" checkconfig || true

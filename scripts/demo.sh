#!/bin/sh
# A newcomer's first look: what this kernel offers containers, then one
# system container, "una-caja", made from the busybox template in the
# default store, started, and listed. Running it again reuses the
# container (and leaves it running if it is). Usage: demo.sh TAPER-BINARY
set -eu
cd "$(dirname "$0")/.."
taper="${1:-build/taper}"
name=una-caja

"$taper" checkconfig || true
echo
if "$taper" info "$name" >/dev/null 2>&1; then
	echo "== reusing container $name"
else
	echo "== taper create $name -t busybox"
	"$taper" create "$name" -t busybox
fi
state="$("$taper" info "$name" --format json | sed -n 's/^ *"state": "\([A-Z]*\)".*/\1/p')"
if [ "$state" = STOPPED ]; then
	echo "== taper start $name"
	"$taper" start "$name"
else
	echo "== $name is $state"
fi
echo "== taper ls"
"$taper" ls
echo
# The installed binary is the one on the PATH: say it as a user types it.
[ "$(command -v taper 2>/dev/null)" = "$taper" ] && taper=taper
echo "Next: $taper attach $name     (a shell inside; exit to leave)"
echo "      $taper console $name    (its console; Ctrl-a q to detach)"
echo "      $taper stop $name"
echo "      man taper               (every verb: taper help VERB)"

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
echo
# The panel, in the background, on loopback: its login URL carries the
# store's token (<store>/.web-token).
log=/tmp/taper-web.log
if [ -f /tmp/taper-web.pid ] && kill -0 "$(cat /tmp/taper-web.pid)" 2>/dev/null &&
	tr '\0' ' ' <"/proc/$(cat /tmp/taper-web.pid)/cmdline" | grep -q ' web'; then
	echo "== the panel is running already (pid $(cat /tmp/taper-web.pid))"
else
	"$taper" web >"$log" 2>&1 &
	echo $! >/tmp/taper-web.pid
	i=0
	while ! grep -q "Log in at" "$log" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
fi
url="$(grep -o 'http://[^ ]*' "$log" | head -1)"
if [ -z "$url" ]; then
	echo "== the panel did not start:" >&2
	cat "$log" >&2
	exit 1
fi
echo "== the panel: $url"
echo "   (open it in a browser on this machine, or through ssh -L 8080:127.0.0.1:8080)"
echo "   stop it with: kill $(cat /tmp/taper-web.pid)"

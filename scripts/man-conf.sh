#!/bin/sh
# taper.conf(5) from docs/config.md (generated from the config key table):
# a man title and NAME section, the headings one level up, then go-md2man.
# Usage: scripts/man-conf.sh GO-MD2MAN CONFIG.md OUT
set -eu
md2man=$1 in=$2 out=$3
tmp="$out.md"
{
	printf '%% taper.conf 5\n\n# NAME\ntaper.conf - the configuration of a taper system container\n\n# DESCRIPTION\n'
	# Drop the generator comment and the title; "## Keys" -> "# KEYS",
	# "### `key`" -> "## key"; a paragraph before the first example, or
	# go-md2man takes it into the list above it.
	sed -e '1{/^<!--/d}' -e '2{/^# /d}' -e '0,/^```$/s//For example:\n\n```/' \
		-e 's/^## \(.*\)$/# \U\1/' -e 's/^### `\(.*\)`$/## \1/' "$in"
	printf '\n# SEE ALSO\n**taper**(1), **taper-config**(1)\n'
} >"$tmp"
"$md2man" -in "$tmp" -out "$out"
rm -f "$tmp"

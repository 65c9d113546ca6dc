#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Makes a man page in OUT from docs/man/: privd.8 as it is, privd.conf.5 from privd.conf.5.in with the keys table
# of docs/configuration.md put in place of its ".\" @KEYS@" line, one tagged entry per key, grouped by section.
# Markdown becomes mdoc text: `code` is quoted, [text](link) is its text, backslashes and leading dots escaped.
# Usage: scripts/man.sh SRCDIR PAGE OUT
set -eu
[ $# -eq 3 ] || {
	echo "usage: $0 SRCDIR PAGE OUT" >&2
	exit 2
}
src=$1
page=$2
out=$3
mkdir -p "$(dirname "$out")"
case $page in
privd.8)
	cp "$src/docs/man/privd.8" "$out.tmp"
	;;
privd.conf.5)
	awk '
	function text(s) {
		gsub(/\\/, "\\e", s)
		while (match(s, /\[[^]]*\]\([^)]*\)/)) {
			link = substr(s, RSTART, RLENGTH)
			sub(/\]\(.*/, "", link)
			s = substr(s, 1, RSTART - 1) substr(link, 2) substr(s, RSTART + RLENGTH)
		}
		while (match(s, /`[^`]*`/))
			s = substr(s, 1, RSTART - 1) "\\(oq" substr(s, RSTART + 1, RLENGTH - 2) "\\(cq" substr(s, RSTART + RLENGTH)
		sub(/^[ \t]+/, "", s)
		sub(/[ \t]+$/, "", s)
		# a new sentence on a new line, as mdoc wants it
		out = ""
		while (match(s, /[.?!] +([A-Z(]|\\\(oq)/)) {
			out = out line(substr(s, 1, RSTART)) "\n"
			s = substr(s, RSTART + 1)
			sub(/^ +/, "", s)
		}
		return out line(s)
	}
	function line(s) {
		if (s ~ /^[.'"'"']/)
			s = "\\&" s
		return s
	}
	function unquote(s) {
		gsub(/^ +| +$/, "", s)
		gsub(/`/, "", s)
		return s
	}
	FNR == NR {
		if ($0 ~ /^## Keys/) { inkeys = 1; next }
		if (inkeys && $0 ~ /^## /) inkeys = 0
		if (!inkeys || $0 !~ /^\| `/) next
		n = split($0, f, "|")
		if (n != 7) next
		sec = unquote(f[2]); name = unquote(f[3]); env = unquote(f[4]); def = f[5]; meaning = f[6]
		if (sec != cur) {
			if (cur != "") keys = keys ".El\n"
			keys = keys ".Ss [" sec "]\n.Bl -tag -width Ds\n"
			cur = sec
		}
		keys = keys ".It Ic " name "\n.Ev " env " ;\ndefault: " text(def) "\n.Pp\n" text(meaning) "\n"
		next
	}
	/^\.\\" @KEYS@/ {
		if (keys == "") { print "man.sh: no keys table in docs/configuration.md" > "/dev/stderr"; exit 1 }
		printf "%s.El\n", keys
		next
	}
	{ print }
	' "$src/docs/configuration.md" "$src/docs/man/privd.conf.5.in" >"$out.tmp"
	;;
*)
	echo "man.sh: unknown page $page" >&2
	exit 2
	;;
esac
mv "$out.tmp" "$out"

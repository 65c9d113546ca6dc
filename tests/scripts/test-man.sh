#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The man pages are true to privd: both lint clean (`mandoc -T lint`, warnings included); the keys of privd.conf(5)
# are those of docs/configuration.md, in its order, and those are exactly the keys privd has (its own list, from
# `privd dump-config`); every command and flag of `privd help` is in privd(8) and privd(8) names none that is not.
# Skipped (exit 77) only when mandoc is not installed. Usage: tests/scripts/test-man.sh SRCDIR MANDIR BINARY
set -euo pipefail

[ $# -eq 3 ] || {
	echo "usage: $0 SRCDIR MANDIR BINARY" >&2
	exit 2
}
src=$1
man=$2
bin=$3
status=0
fail() {
	echo "FAIL: $*"
	status=1
}
if ! command -v mandoc >/dev/null; then
	echo "skipped: mandoc is not installed (Debian package mandoc; scripts/install-deps.sh --test)"
	exit 77
fi
page8=$man/man8/privd.8
page5=$man/man5/privd.conf.5
for p in "$page8" "$page5"; do
	[ -f "$p" ] || {
		echo "FAIL: $p was not built"
		exit 1
	}
	out=$(mandoc -T lint -W warning "$p" 2>&1) || fail "mandoc -T lint: $out"
done

# The keys: privd's own (section.name from dump-config, with no file and no PRIVD_* variable), the documented
# ones (a row whose name has <type> stands for every key it matches) and the man page's.
have=$(env -i PATH="$PATH" "$bin" dump-config | awk '/^\[/ { s = substr($0, 2, length($0) - 2); next }
	/^[a-z0-9_]+ = / { print s "." $1 }')
doc=$(awk -F'|' '/^## Keys/ { on = 1; next } on && /^## / { on = 0 } on && /^\| `/ && NF == 7 {
	s = $2; n = $3; gsub(/[` ]/, "", s); gsub(/[` ]/, "", n); print s "." n }' "$src/docs/configuration.md")
inman=$(awk '/^\.Ss \[/ { s = $2; gsub(/[][]/, "", s); next } /^\.It Ic / { print s "." $3 }' "$page5")
[ -n "$have" ] || fail "privd dump-config listed no keys"
[ "$doc" = "$inman" ] || fail "privd.conf(5) does not list the keys of docs/configuration.md: $(diff <(echo "$doc") <(echo "$inman") | grep '^[<>]' | tr '\n' ' ')"
while read -r key; do
	found=0
	while read -r d; do
		re="^$(printf '%s' "$d" | sed 's/[.]/[.]/g; s/<type>/[a-z_]+/g')\$"
		if [[ $key =~ $re ]]; then
			found=1
			break
		fi
	done <<<"$doc"
	[ $found -eq 1 ] || fail "key $key is not in docs/configuration.md (so not in privd.conf(5))"
done <<<"$have"
while read -r d; do
	re="^$(printf '%s' "$d" | sed 's/[.]/[.]/g; s/<type>/[a-z_]+/g')\$"
	grep -Eq "$re" <<<"$have" || fail "docs/configuration.md documents $d, which privd does not have"
done <<<"$doc"

# The command line: commands and flags of the usage against the page's .Cm and .Fl.
usage=$("$bin" help)
cmds=$(sed -n 's/^  privd \([a-z][a-z-]*\( [a-z][a-z-]*\)\?\).*/\1/p' <<<"$usage" | sed 's/ [A-Z].*//' | sort -u)
pagecmds=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /s/^\.Cm //p' "$page8" | sort -u)
[ "$cmds" = "$pagecmds" ] || fail "privd(8)'s SYNOPSIS commands differ from privd help: $(diff <(echo "$cmds") <(echo "$pagecmds") | grep '^[<>]' | tr '\n' ' ')"
flags=$(grep -o -- '--[a-z][a-z-]*' <<<"$usage" | sort -u)
pageflags=$(grep -o '^\.\(Op \)\?Fl -[a-z-]*' "$page8" | sed 's/.*Fl -/--/' | sort -u)
[ "$flags" = "$pageflags" ] || fail "privd(8)'s flags differ from privd help: $(diff <(echo "$flags") <(echo "$pageflags") | grep '^[<>]' | tr '\n' ' ')"
[ $status -ne 0 ] || echo "man pages: lint clean; $(wc -l <<<"$have") keys, $(wc -l <<<"$cmds") commands, $(wc -l <<<"$flags") flags agree"
exit $status

#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The systemd unit, as `make install` and the Debian package install it (dist/privd.service.in with this build's
# binary): `systemd-analyze verify` finds nothing wrong with it (its directives, its commands, the man pages it
# names), and `systemd-analyze security` rates its sandbox at an exposure of at most 2.0. Skipped (exit 77) only
# when systemd-analyze is not installed. Usage: tests/scripts/test-unit-file.sh SRCDIR BINARY
set -euo pipefail

[ $# -eq 2 ] || {
	echo "usage: $0 SRCDIR BINARY" >&2
	exit 2
}
src=$1
bin=$2
max_exposure=2.0
if ! command -v systemd-analyze >/dev/null; then
	echo "skipped: systemd-analyze is not installed (Debian package systemd; scripts/install-deps.sh --test)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bindir=$(cd "$(dirname "$bin")" && pwd)
sed -e "s|@PRIVD_BINDIR@|$bindir|g" -e "s|@PRIVD_SYSCONFDIR@|/etc|g" "$src/dist/privd.service.in" >"$tmp/privd.service"

# verify prints nothing and exits 0 for a unit without fault; the man pages are looked up in the build's man/.
out=$(MANPATH=$bindir/man systemd-analyze verify "$tmp/privd.service" 2>&1) || {
	printf '%s\n' "$out"
	echo "FAIL: systemd-analyze verify refuses dist/privd.service.in"
	exit 1
}
if [ -n "$out" ]; then
	printf '%s\n' "$out"
	echo "FAIL: systemd-analyze verify warns about dist/privd.service.in"
	exit 1
fi

sec=$(systemd-analyze security --offline=true "$tmp/privd.service" 2>&1) || {
	printf '%s\n' "$sec"
	echo "FAIL: systemd-analyze security cannot rate the unit"
	exit 1
}
level=$(printf '%s\n' "$sec" | sed -n 's/.*Overall exposure level for privd.service: \([0-9.]*\).*/\1/p')
if [ -z "$level" ]; then
	printf '%s\n' "$sec"
	echo "FAIL: no exposure level in systemd-analyze security's output"
	exit 1
fi
if ! awk -v l="$level" -v m="$max_exposure" 'BEGIN { exit !(l <= m) }'; then
	printf '%s\n' "$sec" | grep -E '^✗' || true
	echo "FAIL: exposure level $level is over $max_exposure"
	exit 1
fi
echo "privd.service: verified; exposure level $level (at most $max_exposure)"

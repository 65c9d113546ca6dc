#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The layer check, checked: it passes on the tree as it is, and fails on each kind of forbidden include put into a
# copy of it. With BUILD_DIR, the compiler also refuses an HTTP file that includes the store.
# Usage: tests/scripts/test-check-layers.sh [BUILD_DIR]
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
check=$top/scripts/check-layers.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
failed=0

ok() {
	echo "ok - $1"
	pass=$((pass + 1))
}
not_ok() {
	echo "not ok - $1"
	failed=$((failed + 1))
}

# expect_refused NAME FILE LINE PATTERN: a copy of src/ with LINE put at the top of FILE fails the check, and the
# check's output names FILE and matches PATTERN.
expect_refused() {
	local name=$1 file=$2 line=$3 pattern=$4 out
	rm -rf "$tmp/src"
	cp -r "$top/src" "$tmp/src"
	sed -i "1i $line" "$tmp/src/$file"
	if out=$("$check" "$tmp/src" 2>&1); then
		not_ok "$name: the check passed"
	elif ! grep -q "^$file:1: .*$pattern" <<<"$out"; then
		not_ok "$name: unexpected output: $out"
	else
		ok "$name"
	fi
}

if out=$("$check" "$top/src" 2>&1); then ok "the tree passes"; else not_ok "the tree fails: $out"; fi
expect_refused "http/ cannot include the store" http/health.c '#include "store/repo.h"' 'may not include "store/repo.h"'
expect_refused "core/ includes no third-party header" core/age.c '#include <jansson.h>' 'no third-party header: <jansson.h>'
expect_refused "core/ cannot include an upper layer" core/age.c '#include "service/service.h"' 'may not include'
expect_refused "another layer's *_int.h is private" service/policies.c '#include "store/db_int.h"' 'internal to store/'
expect_refused "a library stays in its layer" http/health.c '#include <sqlite3.h>' '<sqlite3.h> belongs to store'
expect_refused "the store cannot call upward" store/db.c '#include "crypto/keyring.h"' 'may not include'

if [ -n "${1:-}" ]; then
	inc=$1/layers/privd_http
	if [ ! -d "$inc/service" ]; then
		not_ok "no layer include directory at $inc"
	else
		printf '#include "service/service.h"\n' >"$tmp/allowed.c"
		printf '#include "store/repo.h"\n' >"$tmp/forbidden.c"
		if cc -fsyntax-only -I "$inc" "$tmp/allowed.c" 2>/dev/null; then
			ok "an HTTP file compiles against the service"
		else
			not_ok "an HTTP file does not compile against the service"
		fi
		if cc -fsyntax-only -I "$inc" "$tmp/forbidden.c" 2>/dev/null; then
			not_ok "an HTTP file including the store compiles"
		else
			ok "an HTTP file including the store does not compile"
		fi
	fi
fi

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The crash-safety and storage-fault campaigns (docs/torture.md) against BINARY: privd SIGKILLed under load on
# SQLite and on PostgreSQL, the PostgreSQL server itself killed under load, a full disk and a failing fsync. Starts
# its own PostgreSQL server (synchronous_commit on, so that a commit survives the server's crash), stops it at the end.
#   scripts/test-torture.sh BINARY          CI size (make check): 30 kills per engine, 3 server kills
#   scripts/test-torture.sh BINARY --full   full size (make torture): 1,000 kills per engine, 30 server kills
# Environment: PRIVD_TORTURE_CYCLES and PRIVD_TORTURE_PG_KILLS override the sizes.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 1 ] || {
	echo "usage: $0 BINARY [--full]" >&2
	exit 2
}
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ -x "$bin" ] || {
	echo "test-torture: $1 is not an executable (run make first)" >&2
	exit 2
}
cycles=30
kills=3
if [ "${2:-}" = --full ]; then
	cycles=1000
	kills=30
fi
cycles=${PRIVD_TORTURE_CYCLES:-$cycles}
kills=${PRIVD_TORTURE_PG_KILLS:-$kills}
shim=$(dirname "$bin")/tests/libfsync_fault.so
[ -d node_modules/yaml ] || npm ci --no-audit --no-fund --loglevel=error

pgdir=$(mktemp -d "${TMPDIR:-/tmp}/privd-pg-torture.XXXXXX")
cleanup() {
	scripts/pg-test.sh stop "$pgdir" || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pg_url=$(PRIVD_PG_DURABLE=1 scripts/pg-test.sh start "$pgdir" 2>/dev/null)

passed=0
failed=0
campaign() {
	echo "== torture: $*"
	if PRIVD_BIN=$bin PRIVD_TEST_PG_URL=$pg_url PRIVD_TORTURE_PG_DIR=$pgdir PRIVD_FSYNC_SHIM=$shim \
		node tests/torture/run.mjs "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
}
campaign crash --engine sqlite --cycles "$cycles"
campaign crash --engine postgres --cycles "$cycles"
campaign pgkill --cycles "$kills"
campaign faults
echo
echo "torture campaigns ($cycles kills per engine, $kills server kills):"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

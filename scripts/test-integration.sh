#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The black-box suite: starts a throwaway PostgreSQL server, runs every tests/integration/*.test.mjs with Node's
# test runner against BINARY (each file on SQLite and on PostgreSQL), stops the server, exits with the suite's
# status. Usage: scripts/test-integration.sh BINARY [TEST_FILE...]
# Environment: PRIVD_TEST_JOBS (test files run at once; default twice the cores, at least 4), PRIVD_TEST_TIMEOUT_MS
# (the most a test file may take, 300000; `make abuse` gives its campaign more).
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 1 ] || {
	echo "usage: $0 BINARY [TEST_FILE...]" >&2
	exit 2
}
bin=$1
shift
[ -x "$bin" ] || {
	echo "test-integration: $bin is not an executable (run make first)" >&2
	exit 2
}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
command -v node >/dev/null || {
	echo "test-integration: node is missing (scripts/install-deps.sh --test)" >&2
	exit 2
}
if [ ! -d node_modules/yaml ] || [ ! -d node_modules/smtp-server ] || [ ! -d node_modules/mailparser ] ||
	[ ! -d node_modules/libsodium-wrappers ] || [ ! -d node_modules/openapi-typescript ] || [ ! -d node_modules/typescript ] ||
	[ ! -d node_modules/@types/node ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi

# The TypeScript client: types generated from docs/openapi.yaml, the client and its example type-checked.
clients/ts/check.sh

pgdir=$(mktemp -d "${TMPDIR:-/tmp}/privd-pg.XXXXXX")
cleanup() {
	scripts/pg-test.sh stop "$pgdir" || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_url=$(scripts/pg-test.sh start "$pgdir")
echo "test-integration: PostgreSQL at $pg_url" >&2

jobs=${PRIVD_TEST_JOBS:-$(($(nproc) * 2))}
[ "$jobs" -ge 4 ] || jobs=4
if [ $# -gt 0 ]; then
	files=("$@")
else
	files=(tests/integration/*.test.mjs)
fi

# The spec report (with every failure repeated at its end) goes to the terminal; a TAP copy gives the closing
# summary, printed last so that the final lines of the output are the counts.
tap=$pgdir/report.tap
status=0

# The store's unit tests (an ASan/UBSan build, when given) run again on this PostgreSQL: the same contract tests on
# both engines.
if [ -n "${PRIVD_UNIT_BUILD:-}" ] && [ -d "$PRIVD_UNIT_BUILD" ]; then
	echo "test-integration: store unit tests on PostgreSQL" >&2
	JOBS=1 PRIVD_TEST_PG_URL=$pg_url scripts/ctest.sh "$PRIVD_UNIT_BUILD" -R '^store/' || status=1
fi
# --test-concurrency and --test-timeout need Node.js 20.11 or later (Debian 12's own nodejs is 18: files then run
# one at a time, without a per-test timeout)
concurrency=()
if node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 11) ? 0 : 1)'; then
	concurrency=(--test-concurrency="$jobs" --test-timeout="${PRIVD_TEST_TIMEOUT_MS:-300000}")
fi
PRIVD_BIN=$bin PRIVD_TEST_PG_URL=$pg_url PRIVD_TEST_PG_DIR=$pgdir/data \
	node --test "${concurrency[@]}" \
	--test-reporter=spec --test-reporter-destination=stdout \
	--test-reporter=tap --test-reporter-destination="$tap" \
	"${files[@]}" || status=$?
echo
echo "integration tests ($(basename "$bin"), SQLite and PostgreSQL):"
grep -E '^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ' "$tap" || echo "# no summary: the test runner did not finish (exit $status)"
exit $status

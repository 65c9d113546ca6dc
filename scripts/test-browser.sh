#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The browser suite: tests/browser/*.test.mjs with Node's test runner against BINARY, in Debian's chromium driven by
# playwright-core (scripts/install-deps.sh --test installs both). On SQLite only; screenshots go to
# tests/browser/artifacts/. Usage: scripts/test-browser.sh BINARY [TEST_FILE...]
# Environment: PRIVD_CHROMIUM (the browser; default /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 1 ] || {
	echo "usage: $0 BINARY [TEST_FILE...]" >&2
	exit 2
}
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
[ -x "$bin" ] || {
	echo "test-browser: $bin is not an executable (run make first)" >&2
	exit 2
}
chromium=${PRIVD_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || {
	echo "test-browser: $chromium is missing (scripts/install-deps.sh --test)" >&2
	exit 2
}
if [ ! -d node_modules/playwright-core ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi
if [ $# -gt 0 ]; then
	files=("$@")
else
	files=(tests/browser/*.test.mjs)
fi
mkdir -p tests/browser/artifacts
timeout=()
if node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 11) ? 0 : 1)'; then
	timeout=(--test-timeout=120000)
fi
status=0
PRIVD_BIN=$bin PRIVD_CHROMIUM=$chromium node --test "${timeout[@]}" --test-reporter=spec "${files[@]}" || status=$?
echo "browser tests: screenshots in tests/browser/artifacts/"
exit $status

#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Runs a build directory's ctest suite and prints its summary: the count of tests passed, the tests skipped with
# the reason each gave, and for a failure the failing tests' whole output. Exits with ctest's status.
# Usage: scripts/ctest.sh BUILD_DIR [CTEST_ARGS...]
set -euo pipefail

[ $# -ge 1 ] || {
	echo "usage: $0 BUILD_DIR [CTEST_ARGS...]" >&2
	exit 2
}
dir=$1
shift
log=$dir/ctest.log
status=0
(cd "$dir" && ctest --output-on-failure -j "${JOBS:-$(nproc)}" "$@") >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
	cat "$log"
else
	grep -E '^[0-9]+% tests passed|^Total Test time' "$log" || true
fi
# A skipped test says why in its output (its last line), which ctest keeps in its log.
skipped=$(grep -E '^[[:space:]]*[0-9]+ - .* \(Skipped\)' "$log" | sed -E 's/^[[:space:]]*[0-9]+ - ([^ ]+) .*/\1/' || true)
for name in $skipped; do
	reason=$(awk -v name="$name" '
		$0 ~ "^[0-9]+/[0-9]+ Test: " name "$" { on = 1; next }
		on && /^<end of output>/ { exit }
		on && /^Output:/ { out = 1; next }
		on && out && !/^-+$/ { print }
	' "$dir/Testing/Temporary/LastTest.log" | tail -n 1)
	echo "$name ${reason:-skipped, without a reason}"
done
exit "$status"

#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Configures and builds one build directory, saying only what a person needs: one line per target built (none when
# everything is up to date), the compiler's warnings and errors in full, and on a failed configure its whole output.
# Usage: scripts/build.sh BUILD_DIR [TARGET...] [-- CMAKE_CONFIGURE_ARGS...]
# Environment: JOBS (parallel jobs; default: the cores).
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 1 ] || {
	echo "usage: $0 BUILD_DIR [TARGET...] [-- CMAKE_ARGS...]" >&2
	exit 2
}
dir=$1
shift
targets=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	targets+=(--target "$1")
	shift
done
[ $# -eq 0 ] || shift
mkdir -p "$dir"
log=$dir/build.log

if ! cmake -S . -B "$dir" "$@" >"$log" 2>&1; then
	cat "$log" >&2
	echo "build: cmake could not configure $dir" >&2
	exit 1
fi
# Progress lines become "  built TARGET"; everything else (warnings, errors, a failed command) is shown as it is.
status=0
cmake --build "$dir" -j "${JOBS:-$(nproc)}" "${targets[@]}" >"$log" 2>&1 || status=$?
awk -v dir="$dir" '
	/^\[ *[0-9]+%\] Linking / { n = split($NF, p, "/"); t = p[n]; sub(/^lib/, "", t); sub(/\.a$/, "", t)
		printf "  built %s (%s)\n", t, dir; built++; next }
	/^\[ *[0-9]+%\] (Building|Built target|Generating|Scanning)/ { next }
	/^Consolidate compiler generated dependencies/ { next }
	/g?make(\[[0-9]+\])?: (Entering|Leaving) directory/ { next }
	/^g?make(\[[0-9]+\])?: \*\*\* / && failed++ { next }
	{ print }
' "$log"
if [ "$status" -ne 0 ]; then
	echo "build: $dir failed (the whole output: $log)" >&2
	exit "$status"
fi

#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# `make fuzz`: builds the libFuzzer targets of tests/fuzz/ with clang (ASan, UBSan, coverage of the privd libraries)
# in their own build directory and runs each for FUZZ_SECONDS (600), one after the other, with its dictionary
# (tests/fuzz/dict/<name>.dict), -timeout=1 (an input taking over a second is a hang) and leak detection, over a
# working copy of its checked-in corpus (build-fuzz/corpus/<name>, kept between runs; the checked-in one is only
# read). Prints executions, time and new inputs per target; stops at the first crash, leak, hang or broken
# invariant, leaving the input in build-fuzz/artifacts/ (replay it with build-asan/tests/fuzz/fuzz_<name>_replay).
# The targets that write scratch files (config, calendar_json, http) write them to TMPDIR, /dev/shm when it is unset:
# on a loaded machine a disk's stalls would otherwise pass for hangs. A timeout on a machine this busy may still be
# the scheduler's: replay the input (it says how long it took) before taking it for privd's.
# Environment: FUZZ_SECONDS (per target), FUZZ_TARGETS (names, e.g. "http router"; default all), FUZZ_BUILD, TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	export TMPDIR=/dev/shm
fi

seconds=${FUZZ_SECONDS:-600}
build=${FUZZ_BUILD:-build-fuzz}
targets=${FUZZ_TARGETS:-$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c | sed 's/^fuzz_//'; done)}

# The longest input worth trying, per target (a bigger one only slows the search).
max_len() {
	case $1 in
	validate) echo 1024 ;;
	document | router | age_table) echo 4096 ;;
	config | http) echo 8192 ;;
	calendar_json) echo 16384 ;;
	*) echo 4096 ;;
	esac
}

command -v clang >/dev/null || {
	echo "fuzz: clang is needed (scripts/install-deps.sh --fuzz)" >&2
	exit 1
}
CC=clang scripts/build.sh "$build" $(for t in $targets; do echo "fuzz_$t"; done) -- -DCMAKE_BUILD_TYPE=Debug \
	-DPRIVD_SANITIZE=ON -DPRIVD_FUZZ=ON -DPRIVD_TESTS=ON -DPRIVD_SHARE_DIR="$PWD/share" -DPRIVD_WEB_DIR="$PWD/web"

mkdir -p "$build/artifacts"
printf '%-14s %12s %8s %9s %6s\n' target executions seconds exec/s new
status=0
for t in $targets; do
	bin=$build/tests/fuzz/fuzz_$t
	work=$build/corpus/$t
	log=$build/fuzz-$t.log
	dict=()
	[ -f "tests/fuzz/dict/$t.dict" ] && dict=(-dict="tests/fuzz/dict/$t.dict")
	mkdir -p "$work"
	start=$(date +%s)
	if ! "$bin" -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
		-print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "${dict[@]}" "$work" "tests/fuzz/corpus/$t" \
		>"$log" 2>&1; then
		status=1
	fi
	elapsed=$(($(date +%s) - start))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	new=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1)
	printf '%-14s %12s %8s %9s %6s\n' "$t" "${runs:-?}" "$elapsed" "$(( ${runs:-0} / (elapsed > 0 ? elapsed : 1) ))" "${new:-?}"
	if [ $status -ne 0 ]; then
		echo "fuzz: fuzz_$t failed; its log is $log:" >&2
		grep -E 'ERROR|SUMMARY|runtime error|fuzz_[a-z_]+:|Test unit written' "$log" | head -20 >&2
		exit 1
	fi
done
echo "fuzz: no crash, leak, hang or broken invariant in $(echo $targets | wc -w) targets, ${seconds} s each"

#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# `make fuzz`: builds the libFuzzer targets of tests/fuzz/ with clang (ASan, UBSan, coverage of the privd libraries)
# in their own build directory and runs each for FUZZ_SECONDS (600), one after the other, with its dictionary
# (tests/fuzz/dict/<name>.dict), -timeout=1 (an input taking over a second is a hang) and leak detection, over a
# working copy of its checked-in corpus (build-fuzz/corpus/<name>, kept between runs; the checked-in one is only
# read). Prints executions, time, new inputs and stalls (below) per target; stops at the first crash, leak, hang or
# broken invariant, leaving the input in build-fuzz/artifacts/ (replay it with
# build-asan/tests/fuzz/fuzz_<name>_replay).
# The targets that write scratch files (config, calendar_json, http) write them to TMPDIR, /dev/shm when it is unset:
# on a loaded machine a disk's stalls would otherwise pass for hangs.
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
printf '%-14s %12s %8s %9s %6s %7s\n' target executions seconds exec/s new stalls
for t in $targets; do
	bin=$build/tests/fuzz/fuzz_$t
	work=$build/corpus/$t
	dict=()
	[ -f "tests/fuzz/dict/$t.dict" ] && dict=(-dict="tests/fuzz/dict/$t.dict")
	mkdir -p "$work"
	runs=0 new=0 stalls=0 part=0
	start=$(date +%s)
	# A timeout on a loaded machine may be the scheduler's: the input is run again on its own, and only one that
	# takes over a second again is a hang. After a stall the run goes on (from the corpus kept so far) for the
	# time that is left.
	while left=$((seconds - ($(date +%s) - start))) && [ "$left" -gt 0 ]; do
		part=$((part + 1))
		log=$build/fuzz-$t.$part.log
		failed=0
		"$bin" -max_total_time="$left" -timeout=1 -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
			-print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "${dict[@]}" "$work" \
			"tests/fuzz/corpus/$t" >"$log" 2>&1 || failed=1
		runs=$((runs + $(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 | grep . || echo 0)))
		new=$((new + $(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1 | grep . || echo 0)))
		[ $failed -eq 1 ] || continue
		unit=$(sed -n 's/.*Test unit written to \(.*timeout-[0-9a-f]*\)$/\1/p' "$log" | tail -1)
		if [ -n "$unit" ] && "$bin" -timeout=1 "$unit" >"$log.replay" 2>&1; then
			stalls=$((stalls + 1))
			mv "$unit" "$unit.stall"
			continue
		fi
		echo "fuzz: fuzz_$t failed; its log is $log:" >&2
		grep -E 'ERROR|SUMMARY|runtime error|fuzz_[a-z_]+:|Test unit written' "$log" | head -20 >&2
		exit 1
	done
	elapsed=$(($(date +%s) - start))
	printf '%-14s %12s %8s %9s %6s %7s\n' "$t" "$runs" "$elapsed" "$((runs / (elapsed > 0 ? elapsed : 1)))" "$new" \
		"$stalls"
done
echo "fuzz: no crash, leak, hang or broken invariant in $(echo $targets | wc -w) targets, ${seconds} s each"

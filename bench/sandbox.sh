#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# bench/sandbox.sh - what the sandbox costs the consent check (issue 13: under 3%), called by `make bench-sandbox`.
#
# Usage: bench/sandbox.sh BINARY
#
# Two privd servers on SQLite, each with its own data directory and one registered subject: one with the sandbox
# (Landlock, seccomp; the default), one with [server] sandbox = off. wrk drives GET
# /v1/subjects/{id}/consents/processing with an app key on each in turn, ROUNDS times, interleaved so that a change
# in the machine's load falls on both. Two figures, each sandboxed / not in the same run: the ratio of the median
# throughputs, and the ratio of the median CPU time each server spent per request (utime + stime from
# /proc/PID/stat over the run, divided by the requests wrk counted). On a loaded machine the throughput moves with
# the other work; the CPU per request much less, so it is the overhead the exit status judges. Last, the price of
# one system call with the filter and without (tests/tools/sandbox_cost, when built).
# Knobs (environment): BENCH_DURATION (seconds per measurement, 10), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
# BENCH_ROUNDS (5). Exit status: 0 when the CPU overhead is under 3%, 1 when not, 2 when the harness could not run.
set -euo pipefail

bin="${1:?usage: bench/sandbox.sh BINARY}"
here="$(cd "$(dirname "$0")" && pwd)"
DURATION="${BENCH_DURATION:-10}"
CONNS="${BENCH_CONNECTIONS:-64}"
THREADS="${BENCH_THREADS:-2}"
ROUNDS="${BENCH_ROUNDS:-5}"
TARGET_OVERHEAD=0.03

die() {
	echo "bench/sandbox.sh: $*" >&2
	exit 2
}
command -v wrk >/dev/null || die "wrk is missing (scripts/install-deps.sh --bench)"
tmp="$(mktemp -d)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# start NAME SANDBOX: a data directory, a server, an app key and a subject; prints "URL KEY"
start() {
	local name=$1 sandbox=$2 data="$tmp/$1" port="" admin app subject resp
	"$bin" init --data-dir "$data" --operator-name "Bench Operator" >"$tmp/$name-init.txt" 2>&1 || die "init failed"
	admin="$(tail -n 1 "$tmp/$name-init.txt" | sed -n 's/^admin_key=//p')"
	PRIVD_SERVER_SANDBOX=$sandbox "$bin" serve --data-dir "$data" --listen 127.0.0.1:0 2>"$tmp/$name.log" >/dev/null &
	echo $! >"$tmp/$name.pid" # start runs in a subshell: the caller takes the pid from the file
	for ((i = 0; i < 300; i++)); do
		port="$(sed -n 's/.*"event":"http.listening","port":\([0-9]*\).*/\1/p' "$tmp/$name.log" | head -n 1)"
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || die "$name did not listen: $(cat "$tmp/$name.log")"
	resp="$(curl -sS -X POST "http://127.0.0.1:$port/v1/api-keys" -H "Authorization: Bearer $admin" \
		-H 'Content-Type: application/json' -d '{"name":"bench","role":"app"}')"
	app="$(printf '%s' "$resp" | sed -n 's/.*"key" *: *"\([^"]*\)".*/\1/p')"
	resp="$(curl -sS -X POST "http://127.0.0.1:$port/v1/subjects" -H "Authorization: Bearer $app" \
		-H 'Content-Type: application/json' \
		--data-binary '{"name":"Мария Бенчмарк","email":"check@example.com","phone":"+79990000001","ip":"192.0.2.1","birth_date":"1985-03-08","residence_country":"RU","policy_version":"1","consents":{"processing":true,"third_party_transfer":false,"cookies":[],"texts":{"processing":"1"}}}')"
	subject="$(printf '%s' "$resp" | sed -n 's/.*"id" *: *"\([0-9a-f]\{32\}\)".*/\1/p')"
	[ -n "$subject" ] || die "$name: registration answered $resp"
	echo "http://127.0.0.1:$port/v1/subjects/$subject/consents/processing $app"
}

# cpu PID: the CPU time the process has used, in clock ticks (utime + stime)
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# measure URL KEY PID: "requests/s CPU-microseconds-per-request" of one wrk run (only 200s counted)
measure() {
	local out before after
	before="$(cpu "$3")"
	out="$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" -H "Authorization: Bearer $2" "$1")"
	after="$(cpu "$3")"
	if grep -q 'Non-2xx' <<<"$out"; then die "non-2xx answers: $out"; fi
	awk -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" '/^Requests\/sec:/ { r = $2 }
		/ requests in / { n = $1 } END { printf "%s %.2f\n", r, t / hz * 1e6 / n }' <<<"$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

read -r on_url on_key < <(start on on)
pids+=("$(cat "$tmp/on.pid")")
read -r off_url off_key < <(start off off)
pids+=("$(cat "$tmp/off.pid")")
grep -q '"event":"sandbox"' "$tmp/on.log" || die "the sandboxed server logged no sandbox: $(cat "$tmp/on.log")"
grep -q '"event":"sandbox.off"' "$tmp/off.log" || die "the other server is sandboxed"
echo "sandbox: $(grep -o '"event":"sandbox".*' "$tmp/on.log" | head -n 1)"
wrk -t"$THREADS" -c"$CONNS" -d2s -H "Authorization: Bearer $on_key" "$on_url" >/dev/null
wrk -t"$THREADS" -c"$CONNS" -d2s -H "Authorization: Bearer $off_key" "$off_url" >/dev/null
for f in on.rps off.rps on.cpu off.cpu; do : >"$tmp/$f"; done
for ((r = 1; r <= ROUNDS; r++)); do
	read -r a_rps a_cpu < <(measure "$off_url" "$off_key" "${pids[1]}")
	read -r b_rps b_cpu < <(measure "$on_url" "$on_key" "${pids[0]}")
	echo "round $r: sandbox off $a_rps req/s, $a_cpu us CPU a request; on $b_rps req/s, $b_cpu us"
	echo "$a_rps" >>"$tmp/off.rps"
	echo "$b_rps" >>"$tmp/on.rps"
	echo "$a_cpu" >>"$tmp/off.cpu"
	echo "$b_cpu" >>"$tmp/on.cpu"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
m_off="$(median <"$tmp/off.rps")"
m_on="$(median <"$tmp/on.rps")"
c_off="$(median <"$tmp/off.cpu")"
c_on="$(median <"$tmp/on.cpu")"
rps_ratio="$(ratio "$m_on" "$m_off")"
cpu_ratio="$(ratio "$c_on" "$c_off")"
overhead="$(awk -v r="$cpu_ratio" 'BEGIN { printf "%.1f", (r - 1) * 100 }')"
echo "consent check, throughput: median $m_on req/s sandboxed, $m_off req/s not: ratio $rps_ratio"
echo "consent check, CPU a request: median $c_on us sandboxed, $c_off us not: ratio $cpu_ratio (overhead $overhead%, target < 3%)"
# the price of one filtered system call (tests/tools/sandbox_cost.c, built beside privd by make build)
cost="$(dirname "$bin")/tests/sandbox_cost"
if [ -x "$cost" ]; then
	"$cost" 2>/dev/null | awk '{ printf "a system call, %s: %.1f ns CPU, %.1f ns with the filter (+%.1f ns)\n", $1, $2, $3, $3 - $2 }'
fi
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v r="$cpu_ratio" -v t="$TARGET_OVERHEAD" 'BEGIN { exit (r - 1 < t) ? 0 : 1 }'

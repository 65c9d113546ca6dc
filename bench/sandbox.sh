#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# bench/sandbox.sh - what the sandbox costs the consent check (issue 13: under 3%), called by `make bench-sandbox`.
#
# Usage: bench/sandbox.sh BINARY
#
# Two privd servers on SQLite, each with its own data directory and one registered subject: one with the sandbox
# (Landlock, seccomp; the default), one with [server] sandbox = off. wrk drives GET
# /v1/subjects/{id}/consents/processing with an app key on each in turn, ROUNDS times, interleaved so that a change
# in the machine's load falls on both; the figure is the ratio of the medians, sandboxed / not, in the same run.
# Knobs (environment): BENCH_DURATION (seconds per measurement, 10), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
# BENCH_ROUNDS (5). Exit status: 0 when the overhead is under 3%, 1 when not, 2 when the harness could not run.
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
	pids+=($!)
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

# rps URL KEY: requests per second of one wrk run (only 200s counted)
rps() {
	local out
	out="$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" -H "Authorization: Bearer $2" "$1")"
	if grep -q 'Non-2xx' <<<"$out"; then die "non-2xx answers: $out"; fi
	awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

read -r on_url on_key < <(start on on)
read -r off_url off_key < <(start off off)
grep -q '"event":"sandbox"' "$tmp/on.log" || die "the sandboxed server logged no sandbox: $(cat "$tmp/on.log")"
grep -q '"event":"sandbox.off"' "$tmp/off.log" || die "the other server is sandboxed"
echo "sandbox: $(grep -o '"event":"sandbox".*' "$tmp/on.log" | head -n 1)"
wrk -t"$THREADS" -c"$CONNS" -d2s -H "Authorization: Bearer $on_key" "$on_url" >/dev/null
wrk -t"$THREADS" -c"$CONNS" -d2s -H "Authorization: Bearer $off_key" "$off_url" >/dev/null
: >"$tmp/on.txt"
: >"$tmp/off.txt"
for ((r = 1; r <= ROUNDS; r++)); do
	a="$(rps "$off_url" "$off_key")"
	b="$(rps "$on_url" "$on_key")"
	echo "round $r: sandbox off $a req/s, on $b req/s"
	echo "$a" >>"$tmp/off.txt"
	echo "$b" >>"$tmp/on.txt"
done
m_off="$(median <"$tmp/off.txt")"
m_on="$(median <"$tmp/on.txt")"
ratio="$(awk -v a="$m_on" -v b="$m_off" 'BEGIN { printf "%.3f", a / b }')"
overhead="$(awk -v r="$ratio" 'BEGIN { printf "%.1f", (1 - r) * 100 }')"
echo "consent check: median $m_on req/s sandboxed, $m_off req/s not: ratio $ratio (overhead $overhead%, target < 3%)"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v r="$ratio" -v t="$TARGET_OVERHEAD" 'BEGIN { exit (1 - r < t) ? 0 : 1 }'

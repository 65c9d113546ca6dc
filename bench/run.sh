#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# bench/run.sh - privd's benchmark harness, called by `make bench`.
#
# Usage: bench/run.sh BINARY          the whole run: nginx ceiling, then privd on SQLite
#        bench/run.sh --ceiling-only  only the nginx ceiling (no privd needed)
#
# Everything runs on this machine over loopback, in one run, so that each privd figure can be read against the
# ceiling of the same machine at the same moment:
#   1. ceiling      nginx answering `return 204;` (keep-alive), driven by wrk: the most requests per second this
#                   machine's loopback, kernel and wrk can carry;
#   2. consent      GET /v1/subjects/{id}/consents/processing with an app key, keep-alive: req/s, p99, ratio
#                   to the ceiling (target: >= 50% and p99 < 5 ms);
#   3. register     POST /v1/subjects, a new person per request (bench/register.lua), 201s per second
#                   (target: >= 5,000/s);
#   4. cookies      POST /v1/cookie-consents, a new visitor per request (bench/cookies.lua), durable 201s per second
#                   (target: >= 10,000/s);
#   5. consent.js   GET /consent.js from memory: the whole script, gzipped, and the 304 of a browser that has it,
#                   each against the consent check's rate (target: the 304 at >= 90% of it);
#   6. memory       registrations continue until 100,000 subjects exist; then privd's VmRSS (target: < 100 MiB);
#   7. aggregate    GET /v1/exports/aggregate over those 100,000 subjects, by all three dimensions, k=10: the
#                   median of three (target: < 1 s), with the CPU privd used;
#   8. delivery     a policy published with notify to 20,000 people (bench/delivery.mjs): the time to queue the
#                   fan-out and the messages per second delivered to a local SMTP sink, with the CPU each side used;
#   9. incident     an incident over 100,000 subjects (bench/delivery.mjs ... incident): POST /v1/incidents
#                   answered once every notice is queued (target: < 2 s), then delivered to the local SMTP sink
#                   (target: >= 2,000 messages/s);
#  10. transfer     a consent transfer of 10,000 people to a local recipient that opens each delivery
#                   (bench/transfers.mjs): people checked, sealed, logged and delivered per second (target: >= 5,000/s).
# The summary is printed and written to bench/results/latest.txt. Exit status: 0 when every target is met,
# 1 when one is missed, 2 when the harness itself could not run.
#
# Knobs (environment): BENCH_DURATION (seconds per measurement, 10), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
# BENCH_SUBJECTS (100000), BENCH_FILL_TIMEOUT (seconds allowed to reach BENCH_SUBJECTS, 900),
# BENCH_DELIVERY_SUBJECTS (20000), BENCH_INCIDENT_SUBJECTS (100000), BENCH_TRANSFER_SUBJECTS (10000),
# BENCH_TMPDIR (where the temporary data directory goes; default: the system's temporary directory).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"

DURATION="${BENCH_DURATION:-10}"
CONNS="${BENCH_CONNECTIONS:-64}"
THREADS="${BENCH_THREADS:-2}"
SUBJECTS="${BENCH_SUBJECTS:-100000}"
DELIVERY_SUBJECTS="${BENCH_DELIVERY_SUBJECTS:-20000}"
INCIDENT_SUBJECTS="${BENCH_INCIDENT_SUBJECTS:-100000}"
TRANSFER_SUBJECTS="${BENCH_TRANSFER_SUBJECTS:-10000}"
FILL_TIMEOUT="${BENCH_FILL_TIMEOUT:-900}"
WARMUP=2

# Targets from the specification.
TARGET_CHECK_RATIO=0.50
TARGET_CHECK_P99_MS=5
TARGET_REGISTER_PER_S=5000
TARGET_RSS_MIB=100
TARGET_COOKIES_PER_S=10000
TARGET_SCRIPT_RATIO=0.90 # the 304 of GET /consent.js against the consent check's req/s
TARGET_INCIDENT_MS=2000
TARGET_DELIVERY_PER_S=2000
TARGET_AGGREGATE_S=1
TARGET_TRANSFER_PER_S=5000
MAX_ERROR_SHARE=0.01 # more than 1% of answers that are not the expected status fails the figure loudly

die() {
	echo "bench: $*" >&2
	exit 2
}

usage() {
	echo "usage: bench/run.sh BINARY | --ceiling-only" >&2
	exit 2
}

[ $# -eq 1 ] || usage
ceiling_only=0
bin=""
case "$1" in
--ceiling-only) ceiling_only=1 ;;
-h | --help) usage ;;
*) bin="$1" ;;
esac

# ---- prerequisites ----
need() {
	command -v "$1" >/dev/null 2>&1 || die "cannot find $1 ($2)"
}
need wrk "scripts/install-deps.sh --bench installs it"
NGINX="$(command -v nginx || true)"
[ -n "$NGINX" ] || { [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx; }
[ -n "$NGINX" ] || die "cannot find nginx (scripts/install-deps.sh --bench installs nginx-light)"
need curl "scripts/install-deps.sh --test installs it"
need node "scripts/install-deps.sh --test installs it (bench/delivery.mjs)"
need awk "part of every Debian system"
for n in "$DURATION" "$CONNS" "$THREADS" "$SUBJECTS" "$FILL_TIMEOUT" "$DELIVERY_SUBJECTS"; do
	[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "BENCH_* settings must be positive integers"
done
[ "$THREADS" -le 10 ] || die "BENCH_THREADS must be at most 10 (register.lua numbers phones by thread)"
[ "$CONNS" -ge "$THREADS" ] || die "BENCH_CONNECTIONS must be at least BENCH_THREADS"
if [ "$ceiling_only" -eq 0 ]; then
	[ -x "$bin" ] || die "cannot run $bin (build privd first: make)"
	bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
fi
[ -r "$here/report.lua" ] && [ -r "$here/register.lua" ] && [ -r "$here/cookies.lua" ] && [ -r "$here/count.lua" ] ||
	die "cannot find bench/report.lua, bench/register.lua or bench/cookies.lua"

# ---- temporary directory and clean-up ----
tmp="$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/privd-bench.XXXXXX")"
nginx_pid=""
privd_pid=""

stop_pid() { # pid name: SIGTERM, wait up to 15 s, then SIGKILL
	local pid="$1" i
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 150; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "bench: $2 (pid $pid) did not stop within 15 s; killing it" >&2
	kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_pid "$privd_pid" privd
	stop_pid "$nginx_pid" nginx
	wait 2>/dev/null || true
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ -s "$tmp/privd.log" ]; then
		echo "bench: last lines of privd's log:" >&2
		tail -n 20 "$tmp/privd.log" >&2 || true
	fi
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- helpers ----
# field LINE NAME: the value of NAME=... in a "BENCH ..." line.
field() {
	local v
	v="$(printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1)"
	printf '%s' "${v:-0}"
}

# calc EXPR: floating-point arithmetic; cond EXPR: 1 when EXPR holds, else 0.
calc() {
	awk "BEGIN { printf \"%.6f\", $1 }" </dev/null
}
cond() {
	awk "BEGIN { print (($1) ? 1 : 0) }" </dev/null
}

# fmt_int N: 12345.6 -> 12,346
fmt_int() {
	LC_ALL=C awk -v n="$1" 'BEGIN { n = sprintf("%.0f", n); s = ""; while (length(n) > 3) { s = "," substr(n, length(n) - 2) s; n = substr(n, 1, length(n) - 3) } printf "%s%s", n, s }' </dev/null
}

# run_wrk OUTFILE ARGS...: runs wrk, keeps its whole output, prints the BENCH line.
run_wrk() {
	local out="$1" line
	shift
	wrk "$@" >"$out" 2>&1 || {
		cat "$out" >&2
		die "wrk failed"
	}
	line="$(grep '^BENCH ' "$out" | tail -n 1 || true)"
	[ -n "$line" ] || {
		cat "$out" >&2
		die "wrk printed no figures"
	}
	printf '%s' "$line"
}

free_port() { # a port nobody listens on now (the caller still retries if it is taken in between)
	local p i
	for ((i = 0; i < 50; i++)); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	die "cannot find a free loopback port"
}

wait_http() { # url pid seconds: until the url answers, the process dies, or time runs out
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		kill -0 "$2" 2>/dev/null || return 1
		curl -s -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.1
	done
	return 1
}

verdict() { # condition-as-awk-expression -> PASS/FAIL
	if [ "$(cond "$1")" = 1 ]; then echo PASS; else echo FAIL; fi
}

rows=()
failed=0
row() { # figure value target ratio verdict
	rows+=("$(printf '%-34s %18s %22s %7s  %s' "$1" "$2" "$3" "$4" "$5")")
	[ "$5" != FAIL ] || failed=1
}

echo "privd bench: wrk -t$THREADS -c$CONNS -d${DURATION}s over loopback; $(nproc) cores; temporary files in $tmp"

# ---- 1. ceiling: nginx, return 204 ----
mkdir -p "$tmp/nginx"
nginx_port=""
for attempt in 1 2 3 4 5; do
	port="$(free_port)"
	cat >"$tmp/nginx/nginx.conf" <<EOF
# Generated by bench/run.sh: the ceiling, a static 204 with keep-alive.
worker_processes auto;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events {
	worker_connections 4096;
}
http {
	access_log off;
	keepalive_timeout 60s;
	keepalive_requests 100000000;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	server {
		listen 127.0.0.1:$port;
		location / {
			return 204;
		}
	}
}
EOF
	"$NGINX" -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" &
	nginx_pid=$!
	if wait_http "http://127.0.0.1:$port/" "$nginx_pid" 10; then
		nginx_port="$port"
		break
	fi
	stop_pid "$nginx_pid" nginx
	wait "$nginx_pid" 2>/dev/null || true
	nginx_pid=""
done
[ -n "$nginx_port" ] || {
	cat "$tmp/nginx/error.log" >&2 2>/dev/null || true
	die "cannot start nginx"
}
status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nginx_port/")"
[ "$status" = 204 ] || die "nginx answered $status instead of 204"

echo "1/10 ceiling: nginx return 204 on 127.0.0.1:$nginx_port"
wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "http://127.0.0.1:$nginx_port/" >/dev/null 2>&1 || true
line="$(run_wrk "$tmp/wrk-nginx.txt" -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency \
	-s "$here/report.lua" "http://127.0.0.1:$nginx_port/")"
ceil_rps="$(calc "$(field "$line" requests) / ($(field "$line" duration_us) / 1e6)")"
ceil_p99="$(calc "$(field "$line" p99_us) / 1000")"
ceil_bad=$(($(field "$line" non2xx) + $(field "$line" connect) + $(field "$line" read) + $(field "$line" write) + $(field "$line" timeout)))
echo "    $(fmt_int "$ceil_rps") req/s, p99 $(printf '%.2f' "$ceil_p99") ms, errors $ceil_bad"
[ "$(cond "$ceil_rps > 0")" = 1 ] || die "nginx served no request"
stop_pid "$nginx_pid" nginx
wait "$nginx_pid" 2>/dev/null || true
nginx_pid=""
row "nginx static 204 (ceiling)" "$(fmt_int "$ceil_rps") req/s" "-" "1.00" "-"
row "nginx p99" "$(printf '%.2f ms' "$ceil_p99")" "-" "" "-"

if [ "$ceiling_only" -eq 0 ]; then
	# ---- privd on SQLite ----
	data="$tmp/data"
	"$bin" init --data-dir "$data" --operator-name "Bench Operator" >"$tmp/init.txt" 2>"$tmp/init.err" || {
		cat "$tmp/init.txt" "$tmp/init.err" >&2
		die "privd init failed"
	}
	admin_key="$(tail -n 1 "$tmp/init.txt" | sed -n 's/^admin_key=//p')"
	[ -n "$admin_key" ] || die "privd init did not print admin_key=<key> as its last line"

	# cookie choices all come from 127.0.0.1 here: no per-address limit
	PRIVD_COOKIES_RATE_LIMIT=0 "$bin" serve --data-dir "$data" --listen 127.0.0.1:0 2>"$tmp/privd.log" >/dev/null &
	privd_pid=$!
	port=""
	for ((i = 0; i < 300; i++)); do
		kill -0 "$privd_pid" 2>/dev/null || die "privd serve exited before listening"
		port="$(grep '"event" *: *"http.listening"' "$tmp/privd.log" 2>/dev/null | head -n 1 |
			sed -n 's/.*"port" *: *\([0-9][0-9]*\).*/\1/p' || true)"
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || die "privd did not log http.listening within 30 s"
	base="http://127.0.0.1:$port"
	rss_start_kb="$(awk '/^VmRSS:/ { print $2 }' "/proc/$privd_pid/status")"
	echo "privd serve (pid $privd_pid) on $base, VmRSS at start $((rss_start_kb / 1024)) MiB"

	# An app key, made with the admin key.
	resp="$(curl -sS --max-time 10 -w '\n%{http_code}' -X POST "$base/v1/api-keys" \
		-H "Authorization: Bearer $admin_key" -H 'Content-Type: application/json' \
		-d '{"name":"bench","role":"app"}')"
	[ "$(printf '%s' "$resp" | tail -n 1)" = 201 ] || die "POST /v1/api-keys answered: $resp"
	app_key="$(printf '%s' "$resp" | head -n 1 | sed -n 's/.*"key" *: *"\([^"]*\)".*/\1/p')"
	[ -n "$app_key" ] || die "POST /v1/api-keys returned no key"

	# One subject whose consent the check reads.
	resp="$(curl -sS --max-time 10 -w '\n%{http_code}' -X POST "$base/v1/subjects" \
		-H "Authorization: Bearer $app_key" -H 'Content-Type: application/json' \
		--data-binary '{"name":"Мария Бенчмарк","email":"check@example.com","phone":"+79990000001","ip":"192.0.2.1","birth_date":"1985-03-08","residence_country":"RU","policy_version":"1","consents":{"processing":true,"third_party_transfer":false,"cookies":[],"texts":{"processing":"1"}}}')"
	[ "$(printf '%s' "$resp" | tail -n 1)" = 201 ] || die "POST /v1/subjects answered: $resp"
	subject="$(printf '%s' "$resp" | head -n 1 | sed -n 's/.*"id" *: *"\([0-9a-f]\{32\}\)".*/\1/p')"
	[ -n "$subject" ] || die "POST /v1/subjects returned no id"
	registered=1
	check_url="$base/v1/subjects/$subject/consents/processing"
	resp="$(curl -sS --max-time 10 -w '\n%{http_code}' -H "Authorization: Bearer $app_key" "$check_url")"
	[ "$(printf '%s' "$resp" | tail -n 1)" = 200 ] || die "GET consents/processing answered: $resp"
	printf '%s' "$resp" | head -n 1 | grep -q '"granted" *: *true' || die "the consent check did not answer granted:true: $resp"

	# ---- 2. consent check ----
	echo "2/10 consent check: GET /v1/subjects/{id}/consents/processing"
	wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -H "Authorization: Bearer $app_key" "$check_url" >/dev/null 2>&1 || true
	line="$(run_wrk "$tmp/wrk-check.txt" -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency \
		-H "Authorization: Bearer $app_key" -s "$here/report.lua" "$check_url")"
	n="$(field "$line" requests)"
	bad=$(($(field "$line" non2xx) + $(field "$line" connect) + $(field "$line" read) + $(field "$line" write) + $(field "$line" timeout)))
	check_rps="$(calc "$n / ($(field "$line" duration_us) / 1e6)")"
	check_p99="$(calc "$(field "$line" p99_us) / 1000")"
	check_ratio="$(calc "$check_rps / $ceil_rps")"
	echo "    $(fmt_int "$check_rps") req/s, p99 $(printf '%.2f' "$check_p99") ms, ratio $(printf '%.2f' "$check_ratio"), errors $bad"
	v_ratio="$(verdict "$check_ratio >= $TARGET_CHECK_RATIO")"
	v_p99="$(verdict "$check_p99 < $TARGET_CHECK_P99_MS")"
	if [ "$(cond "$n == 0 || $bad > $n * $MAX_ERROR_SHARE")" = 1 ]; then
		echo "    ERROR: $bad of $n consent checks failed (non-2xx or socket errors); see wrk's output:" >&2
		cat "$tmp/wrk-check.txt" >&2
		v_ratio=FAIL
	fi
	row "consent check" "$(fmt_int "$check_rps") req/s" ">= 50% of ceiling" "$(printf '%.2f' "$check_ratio")" "$v_ratio"
	row "consent check p99" "$(printf '%.2f ms' "$check_p99")" "< $TARGET_CHECK_P99_MS ms" "" "$v_p99"

	# ---- 3. registration ----
	echo "3/10 registration: POST /v1/subjects, unique people"
	line="$(run_wrk "$tmp/wrk-register.txt" -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency \
		-s "$here/register.lua" "$base/v1/subjects" -- 0 0 "$app_key")"
	created="$(field "$line" created)"
	responses="$(field "$line" responses)"
	reg_rps="$(calc "$created / ($(field "$line" duration_us) / 1e6)")"
	reg_p99="$(calc "$(field "$line" p99_us) / 1000")"
	registered=$((registered + created))
	echo "    $(fmt_int "$reg_rps") registrations/s (201s: $created of $responses answers; other: $(field "$line" other)), p99 $(printf '%.2f' "$reg_p99") ms"
	v_reg="$(verdict "$reg_rps >= $TARGET_REGISTER_PER_S")"
	if [ "$(cond "$responses == 0 || ($responses - $created) > $responses * $MAX_ERROR_SHARE")" = 1 ]; then
		echo "    ERROR: $((responses - created)) of $responses registrations were not answered 201 ($(field "$line" other)); privd's log ends:" >&2
		tail -n 5 "$tmp/privd.log" >&2 || true
		v_reg=FAIL
	fi
	row "registration" "$(fmt_int "$reg_rps") /s" ">= $(fmt_int "$TARGET_REGISTER_PER_S") /s" \
		"$(printf '%.2f' "$(calc "$reg_rps / $ceil_rps")")" "$v_reg"
	row "registration p99" "$(printf '%.2f ms' "$reg_p99")" "-" "" "-"

	# ---- 4. cookie choices ----
	echo "4/10 cookie choices: POST /v1/cookie-consents, a new visitor each time"
	line="$(run_wrk "$tmp/wrk-cookies.txt" -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency \
		-s "$here/cookies.lua" "$base/v1/cookie-consents" -- 1)"
	created="$(field "$line" created)"
	responses="$(field "$line" responses)"
	ck_rps="$(calc "$created / ($(field "$line" duration_us) / 1e6)")"
	ck_p99="$(calc "$(field "$line" p99_us) / 1000")"
	echo "    $(fmt_int "$ck_rps") choices/s (201s: $created of $responses answers; other: $(field "$line" other)), p99 $(printf '%.2f' "$ck_p99") ms"
	v_ck="$(verdict "$ck_rps >= $TARGET_COOKIES_PER_S")"
	if [ "$(cond "$responses == 0 || ($responses - $created) > $responses * $MAX_ERROR_SHARE")" = 1 ]; then
		echo "    ERROR: $((responses - created)) of $responses choices were not answered 201 ($(field "$line" other))" >&2
		v_ck=FAIL
	fi
	row "cookie choices (durable)" "$(fmt_int "$ck_rps") /s" ">= $(fmt_int "$TARGET_COOKIES_PER_S") /s" \
		"$(printf '%.2f' "$(calc "$ck_rps / $ceil_rps")")" "$v_ck"
	row "cookie choices p99" "$(printf '%.2f ms' "$ck_p99")" "-" "" "-"

	# ---- 5. consent.js ----
	echo "5/10 consent.js: GET /consent.js, whole, gzipped, and 304"
	etag="$(curl -s -D - -o /dev/null --max-time 10 "$base/consent.js" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p')"
	[ -n "$etag" ] || die "GET /consent.js sent no ETag"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$base/consent.js")" = 304 ] ||
		die "GET /consent.js with its ETag did not answer 304"
	for variant in whole gzip 304; do
		case $variant in
		whole) hdr=(-H "Accept-Encoding: identity") ;;
		gzip) hdr=(-H "Accept-Encoding: gzip") ;;
		304) hdr=(-H "If-None-Match: $etag") ;;
		esac
		line="$(run_wrk "$tmp/wrk-js-$variant.txt" -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency \
			"${hdr[@]}" -s "$here/report.lua" "$base/consent.js")"
		n="$(field "$line" requests)"
		bad=$(($(field "$line" connect) + $(field "$line" read) + $(field "$line" write) + $(field "$line" timeout)))
		js_rps="$(calc "$n / ($(field "$line" duration_us) / 1e6)")"
		js_ratio="$(calc "$js_rps / $check_rps")"
		echo "    $variant: $(fmt_int "$js_rps") req/s, $(printf '%.2f' "$js_ratio") of the consent check, errors $bad"
		v_js=-
		[ "$variant" != 304 ] || v_js="$(verdict "$js_ratio >= $TARGET_SCRIPT_RATIO")"
		if [ "$(cond "$n == 0 || $bad > $n * $MAX_ERROR_SHARE")" = 1 ]; then
			v_js=FAIL
		fi
		row "consent.js $variant" "$(fmt_int "$js_rps") req/s" \
			"$([ "$variant" = 304 ] && echo ">= 90% of check" || echo "-")" "$(printf '%.2f' "$js_ratio")" "$v_js"
	done

	# ---- 6. memory after SUBJECTS registrations ----
	echo "6/10 memory: registering until $(fmt_int "$SUBJECTS") subjects exist"
	started=$SECONDS
	fill_errors=0
	fill_answers=0
	for run in 1 2 3 4 5 6 7 8 9; do
		[ "$registered" -lt "$SUBJECTS" ] || break
		left=$((FILL_TIMEOUT - (SECONDS - started)))
		[ "$left" -gt 0 ] || break
		remaining=$((SUBJECTS - registered))
		quota=$(((remaining + THREADS - 1) / THREADS))
		# Each thread stops after its quota, but wrk itself runs for its whole -d: size -d from the rate
		# measured above (with a margin) so that little time is spent idle; a short run is simply repeated.
		secs="$(awk -v r="$remaining" -v rate="$reg_rps" 'BEGIN { if (rate < 100) rate = 100; printf "%d", r / rate * 1.25 + 3 }')"
		[ "$secs" -le "$left" ] || secs="$left"
		line="$(run_wrk "$tmp/wrk-fill-$run.txt" -t"$THREADS" -c"$CONNS" -d"${secs}s" \
			-s "$here/register.lua" "$base/v1/subjects" -- "$run" "$quota" "$app_key")"
		created="$(field "$line" created)"
		responses="$(field "$line" responses)"
		registered=$((registered + created))
		fill_answers=$((fill_answers + responses))
		fill_errors=$((fill_errors + responses - created))
		echo "    run $run: +$created (total $registered; other answers: $(field "$line" other))"
		[ "$created" -gt 0 ] || break
	done
	sleep 1
	[ -r "/proc/$privd_pid/status" ] || die "privd is no longer running"
	# The count above is the 201s wrk saw; privd's own counter also includes requests in flight when a
	# thread stopped. Prefer it when /metrics has it.
	counted="$(curl -s --max-time 10 "$base/metrics" | awk '$1 == "privd_subjects_registered_total" { print $2 }' || true)"
	if [[ "$counted" =~ ^[0-9]+$ ]] && [ "$counted" -ge "$registered" ]; then
		registered="$counted"
	fi
	rss_kb="$(awk '/^VmRSS:/ { print $2 }' "/proc/$privd_pid/status")"
	hwm_kb="$(awk '/^VmHWM:/ { print $2 }' "/proc/$privd_pid/status")"
	rss_mib="$(calc "$rss_kb / 1024")"
	echo "    VmRSS $(printf '%.1f' "$rss_mib") MiB (peak $(printf '%.1f' "$(calc "$hwm_kb / 1024")") MiB) after $(fmt_int "$registered") subjects in $((SECONDS - started)) s"
	v_rss="$(verdict "$rss_mib < $TARGET_RSS_MIB")"
	if [ "$registered" -lt "$SUBJECTS" ]; then
		echo "    ERROR: only $registered of $SUBJECTS subjects were registered within ${FILL_TIMEOUT}s" >&2
		v_rss=FAIL
	fi
	if [ "$(cond "$fill_errors > $fill_answers * $MAX_ERROR_SHARE")" = 1 ]; then
		echo "    ERROR: $fill_errors of $fill_answers registrations were not answered 201" >&2
		v_rss=FAIL
	fi
	row "VmRSS after $(fmt_int "$registered") subjects" "$(printf '%.1f MiB' "$rss_mib")" "< $TARGET_RSS_MIB MiB" "" "$v_rss"
	row "VmHWM (peak RSS)" "$(printf '%.1f MiB' "$(calc "$hwm_kb / 1024")")" "-" "" "-"

	# ---- 7. the aggregate export over the population just registered ----
	echo "7/10 aggregate export over $(fmt_int "$registered") subjects, by all three dimensions, k=10"
	agg_url="$base/v1/exports/aggregate?by=residence_country,age_band,registered_month&k=10"
	agg_s=()
	agg_cpu=()
	for i in 1 2 3; do
		cpu0="$(awk '{ print $14 + $15 }' "/proc/$privd_pid/stat")"
		out="$(curl -s -o "$tmp/aggregate.json" -w '%{http_code} %{time_total}' --max-time 60 \
			-H "Authorization: Bearer $admin_key" "$agg_url")"
		cpu1="$(awk '{ print $14 + $15 }' "/proc/$privd_pid/stat")"
		[ "${out%% *}" = 200 ] || die "GET /v1/exports/aggregate answered ${out%% *}: $(head -c 300 "$tmp/aggregate.json")"
		agg_s+=("${out##* }")
		agg_cpu+=("$(calc "($cpu1 - $cpu0) / $(getconf CLK_TCK)")")
	done
	agg_med="$(printf '%s\n' "${agg_s[@]}" | sort -n | sed -n 2p)"
	agg_cpu_med="$(printf '%s\n' "${agg_cpu[@]}" | sort -n | sed -n 2p)"
	echo "    $(printf '%.3f' "$agg_med") s (runs: ${agg_s[*]}), privd CPU $(printf '%.2f' "$agg_cpu_med") s"
	row "aggregate over $(fmt_int "$registered") subjects" "$(printf '%.3f s' "$agg_med")" "< $TARGET_AGGREGATE_S s" "" \
		"$(verdict "$agg_med < $TARGET_AGGREGATE_S")"
	row "  privd CPU per export" "$(printf '%.2f s' "$agg_cpu_med")" "-" "" "-"

	# SIGTERM drains and exits 0.
	kill -TERM "$privd_pid"
	drain=FAIL
	for ((i = 0; i < 150; i++)); do
		kill -0 "$privd_pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! kill -0 "$privd_pid" 2>/dev/null; then
		rc=0
		wait "$privd_pid" || rc=$?
		[ "$rc" -ne 0 ] || drain=PASS
		drain_note="exit $rc"
	else
		drain_note="still running after 15 s"
	fi
	privd_pid=""
	row "SIGTERM drain" "$drain_note" "exit 0" "" "$drain"

	# Delivery: a policy published with notify to BENCH_DELIVERY_SUBJECTS people, queued and delivered to a local
	# SMTP sink (bench/delivery.mjs, a privd of its own). Figures without a target of their own.
	dl_num() { printf '%s' "$dl" | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
	echo "8/10 delivery: $DELIVERY_SUBJECTS notices to a local SMTP sink" >&2
	[ -d "$repo/node_modules/smtp-server" ] || (cd "$repo" && npm ci --no-audit --no-fund --loglevel=error >&2)
	if dl="$(node "$here/delivery.mjs" "$bin" "$DELIVERY_SUBJECTS")"; then
		row "queue $(fmt_int "$DELIVERY_SUBJECTS") notices (policy notify)" "$(dl_num queue_ms) ms" "-" "" "-"
		row "delivery to a local SMTP sink" "$(fmt_int "$(dl_num per_second)") msg/s" "-" "" "-"
		row "  CPU while delivering" "privd $(dl_num privd_cpu), sink $(dl_num sink_cpu)" "-" "" "-"
	else
		row "delivery to a local SMTP sink" "did not complete" "-" "" "FAIL"
		failed=1
	fi

	# An incident over BENCH_INCIDENT_SUBJECTS people: POST /v1/incidents over {"all":true} answers once a notice
	# to each is queued (every address opened, a key made, rows and keys written and fsynced), then the notices
	# are delivered to the local SMTP sink.
	echo "9/10 incident: $INCIDENT_SUBJECTS subjects, delivered to a local SMTP sink" >&2
	if dl="$(node "$here/delivery.mjs" "$bin" "$INCIDENT_SUBJECTS" incident)"; then
		row "incident over $(fmt_int "$INCIDENT_SUBJECTS"): queued" "$(dl_num queue_ms) ms" \
			"< $(fmt_int "$TARGET_INCIDENT_MS") ms" "" "$(verdict "$(dl_num queue_ms) < $TARGET_INCIDENT_MS")"
		row "  delivered to a local SMTP sink" "$(fmt_int "$(dl_num per_second)") msg/s" \
			">= $(fmt_int "$TARGET_DELIVERY_PER_S") /s" "" "$(verdict "$(dl_num per_second) >= $TARGET_DELIVERY_PER_S")"
		row "  CPU while delivering" "privd $(dl_num privd_cpu), sink $(dl_num sink_cpu)" "-" "" "-"
	else
		row "incident over $(fmt_int "$INCIDENT_SUBJECTS")" "did not complete" "-" "" "FAIL"
		failed=1
	fi

	# Transfer: a consent transfer of BENCH_TRANSFER_SUBJECTS people to a local recipient that opens every
	# delivery (bench/transfers.mjs, a privd of its own).
	echo "10/10 transfer: $TRANSFER_SUBJECTS people to a local recipient" >&2
	[ -d "$repo/node_modules/libsodium-wrappers" ] || (cd "$repo" && npm ci --no-audit --no-fund --loglevel=error >&2)
	if tr="$(node "$here/transfers.mjs" "$bin" "$TRANSFER_SUBJECTS")"; then
		tr_num() { printf '%s' "$tr" | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
		echo "    $tr" >&2
		row "consent transfer of $(fmt_int "$TRANSFER_SUBJECTS") people" "$(fmt_int "$(tr_num per_second)") /s" \
			">= $(fmt_int "$TARGET_TRANSFER_PER_S") /s" "" "$(verdict "$(tr_num per_second) >= $TARGET_TRANSFER_PER_S")"
		row "  filing (checked, queued, logged)" "$(tr_num file_ms) ms" "-" "" "-"
	else
		row "consent transfer to a local recipient" "did not complete" ">= $(fmt_int "$TARGET_TRANSFER_PER_S") /s" "" "FAIL"
		failed=1
	fi
fi

# ---- summary ----
commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$repo" diff --quiet HEAD 2>/dev/null || commit="$commit+changes"
{
	echo "privd bench $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit $commit"
	echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown cpu); wrk -t$THREADS -c$CONNS -d${DURATION}s, keep-alive, loopback; privd on SQLite"
	printf '%-34s %18s %22s %7s  %s\n' figure value target ratio verdict
	printf '%s\n' "${rows[@]}"
	if [ "$ceiling_only" -eq 1 ]; then
		echo "(ceiling only: privd was not run)"
	elif [ "$failed" -eq 0 ]; then
		echo "all targets met"
	else
		echo "TARGETS MISSED"
	fi
} >"$tmp/summary.txt"
echo
cat "$tmp/summary.txt"
mkdir -p "$here/results"
cp "$tmp/summary.txt" "$here/results/latest.txt"
echo "(written to bench/results/latest.txt)"
exit "$failed"

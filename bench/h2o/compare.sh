#!/usr/bin/env bash
# bench/h2o/compare.sh PRIVD [ROUNDS] [SECONDS] [VARIANT...]: the consent check on privd's own server
# (libmicrohttpd) against the same check on h2o's event loop (bench/h2o/check.c) and against nginx's static 204, in
# alternating rounds of one run on one data directory. Each round runs wrk -t2 -c64 --latency for SECONDS (default
# 10) after a 2 s warm-up, on each server in turn; the medians of the rounds (default 3) are printed at the end with
# the CPU each server used a request (utime + stime of its processes over the timed run, divided by its requests:
# where the server is the bottleneck, about its share of the cores over its rate). Each VARIANT is one more server
# in the rounds: the h2o check with those words as its options, e.g. "static" or "static burn=1500" (check.c).
#
# Builds privd_h2o_check in build-h2o/ (cmake -DPRIVD_H2O_CHECK=ON; needs libh2o-evloop-dev, wrk and nginx).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="$(realpath "${1:?usage: bench/h2o/compare.sh PRIVD [ROUNDS] [SECONDS]}")"
rounds="${2:-3}"
secs="${3:-10}"
threads="$(nproc)"

[ -f /usr/include/h2o.h ] || { echo "compare.sh: needs libh2o-evloop-dev (apt-get install libh2o-evloop-dev)" >&2; exit 2; }
cmake -S "$root" -B "$root/build-h2o" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIVD_H2O_CHECK=ON >/dev/null
make -C "$root/build-h2o" -j"$threads" privd_h2o_check >/dev/null
h2o="$root/build-h2o/privd_h2o_check"

tmp="$(mktemp -d)"
data="$tmp/data"
pids=()
pv_pid=""
h2_pid=""
cleanup() { # nginx, and privd or the h2o check if a round stopped half-way
	for p in "${pids[@]}" $pv_pid $h2_pid; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.05; done; return 1; }
cpu_ticks() { # PID: its CPU and its children's (nginx's workers), in clock ticks
	local t=0 p
	for p in "$1" $(pgrep -P "$1" || true); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
	echo "$t"
}

# nginx, as bench/run.sh runs it
ng_port="$(free_port)"
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes auto; daemon off; pid $tmp/nginx/nginx.pid; error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_timeout 60s; keepalive_requests 100000000;
  client_body_temp_path $tmp/nginx/b; proxy_temp_path $tmp/nginx/p; fastcgi_temp_path $tmp/nginx/f;
  uwsgi_temp_path $tmp/nginx/u; scgi_temp_path $tmp/nginx/s;
  server { listen 127.0.0.1:$ng_port; location / { return 204; } } }
EOF
nginx -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" &
ng_pid=$!
pids+=("$ng_pid")
wait_port "$ng_port"

# a data directory with an app key and one registered person
"$bin" init --data-dir "$data" --operator-name "Bench Operator" >"$tmp/init.txt" 2>"$tmp/init.err"
admin="$(sed -n 's/^admin_key=//p' "$tmp/init.txt")"
pv_port="$(free_port)"
start_privd() {
	PRIVD_COOKIES_RATE_LIMIT=0 "$bin" serve --data-dir "$data" --listen "127.0.0.1:$pv_port" >/dev/null 2>>"$tmp/privd.log" &
	pv_pid=$!
	wait_port "$pv_port"
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }
start_privd
base="http://127.0.0.1:$pv_port"
app="$(curl -sf -X POST "$base/v1/api-keys" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
	-d '{"name":"bench","role":"app"}' | sed -n 's/.*"key" *: *"\([^"]*\)".*/\1/p')"
subject="$(curl -sf -X POST "$base/v1/subjects" -H "Authorization: Bearer $app" -H 'Content-Type: application/json' \
	--data-binary '{"name":"Bench Person","email":"check@example.com","phone":"+79990000001","ip":"192.0.2.1","birth_date":"1985-03-08","residence_country":"RU","policy_version":"1","consents":{"processing":true,"third_party_transfer":false,"cookies":[],"texts":{"processing":"1"}}}' |
	sed -n 's/.*"id" *: *"\([0-9a-f]\{32\}\)".*/\1/p')"
path="/v1/subjects/$subject/consents/processing"
want="$(curl -sf -H "Authorization: Bearer $app" "$base$path")"
stop "$pv_pid"

h2_port="$(free_port)"
start_h2o() { # [OPTIONS]: the plain check must answer what privd answers
	# shellcheck disable=SC2086
	"$h2o" "$data" "$h2_port" "$threads" $1 2>>"$tmp/h2o.log" &
	h2_pid=$!
	wait_port "$h2_port"
	got="$(curl -sf -H "Authorization: Bearer $app" "http://127.0.0.1:$h2_port$path")"
	[ -n "${1:-}" ] || [ "$got" = "$want" ] || { echo "compare.sh: h2o answered $got, privd $want" >&2; exit 1; }
}

# one timed run: prints "req/s p99_ms cpu_us_per_request"
measure() { # PID URL [header]
	local pid=$1 url=$2 t0 t1 out
	shift 2
	wrk -t2 -c64 -d2s "$@" "$url" >/dev/null
	t0="$(cpu_ticks "$pid")"
	out="$(wrk -t2 -c64 -d"${secs}s" --latency "$@" "$url")"
	t1="$(cpu_ticks "$pid")"
	printf '%s\n' "$out" | awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" '
		/Requests\/sec/ { r = $2 }
		/^ +[0-9]+ requests in/ { n = $1 }
		/ 99%/ { p = $2; if (p ~ /us$/) p = p / 1000; else if (p ~ /ms$/) p = p + 0; else if (p ~ /s$/) p = p * 1000 }
		END { printf "%.0f %.2f %.2f\n", r, p, (b - a) / hz * 1e6 / n }'
}

variants=("" "${@:4}")
names=("nginx return 204" "privd (libmicrohttpd)")
for v in "${variants[@]}"; do names+=("privd's check on h2o${v:+ ($v)}"); done
echo "rounds: req/s p99_ms cpu_us_per_request of: ${names[*]/%/;}" >&2
for r in $(seq "$rounds"); do
	line="$(measure "$ng_pid" "http://127.0.0.1:$ng_port/")"
	echo "$line" >>"$tmp/s0"
	start_privd
	line="$(measure "$pv_pid" "$base$path" -H "Authorization: Bearer $app")"
	stop "$pv_pid"
	echo "$line" >>"$tmp/s1"
	all="$(tail -n1 "$tmp/s0") | $line"
	i=2
	for v in "${variants[@]}"; do
		start_h2o "$v"
		line="$(measure "$h2_pid" "http://127.0.0.1:$h2_port$path" -H "Authorization: Bearer $app")"
		stop "$h2_pid"
		echo "$line" >>"$tmp/s$i"
		all="$all | $line"
		i=$((i + 1))
	done
	echo "$r  $all" >&2
done
med() { sort -n -k"$2" "$1" | awk -v k="$2" '{v[NR] = $k} END {print v[int((NR + 1) / 2)]}'; }
printf '%-44s %10s %10s %14s\n' "median of $rounds rounds" "req/s" "p99 ms" "CPU us/request"
for i in "${!names[@]}"; do
	printf '%-44s %10s %10s %14s\n' "${names[$i]}" "$(med "$tmp/s$i" 1)" "$(med "$tmp/s$i" 2)" "$(med "$tmp/s$i" 3)"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# ctest client/c: starts a throwaway privd (`privd init` + `privd serve` on a free loopback port, SQLite, in a
# temporary directory), creates an app key with the admin key init printed, and runs libprivd's tests and its
# example against it. Usage: clients/c/test-client.sh PRIVD TEST_CLIENT EXAMPLE
set -euo pipefail
[ $# -eq 3 ] || {
	echo "usage: $0 PRIVD TEST_CLIENT EXAMPLE" >&2
	exit 2
}
privd=$1 test_client=$2 example=$3
src=$(cd "$(dirname "$0")/../.." && pwd)
command -v node >/dev/null || {
	echo "client/c: node is missing (scripts/install-deps.sh --test)" >&2
	exit 2
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/privd-client-c.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

"$privd" init --data-dir "$tmp/data" >"$tmp/init.out" 2>"$tmp/init.err" || {
	cat "$tmp/init.out" "$tmp/init.err" >&2
	exit 1
}
admin=$(sed -n 's/^admin_key=//p' "$tmp/init.out" | tail -n 1)
[ -n "$admin" ] || {
	echo "client/c: privd init printed no admin_key" >&2
	exit 1
}

"$privd" serve --data-dir "$tmp/data" --listen 127.0.0.1:0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
port=
for _ in $(seq 1 300); do
	port=$(grep -o '"event":"http.listening"[^}]*' "$tmp/serve.err" 2>/dev/null | grep -o '"port":[0-9]*' |
		head -n 1 | cut -d: -f2 || true)
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
[ -n "$port" ] || {
	echo "client/c: privd serve did not start listening:" >&2
	cat "$tmp/serve.err" >&2
	exit 1
}
url=http://127.0.0.1:$port

# an app key, as an application using the library would hold
app=$(curl -sS --fail-with-body -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
	-d '{"name":"libprivd test","role":"app"}' "$url/v1/api-keys" | node -e \
	'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).key))')

# a real one-page PDF for the scan, and a port nobody listens on
node --input-type=module -e "import {makePdf} from '$src/tests/integration/lib/documents.mjs';
process.stdout.write(makePdf())" >"$tmp/request.pdf"
dead=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')

"$test_client" "$url" "$app" "$tmp/request.pdf" "http://127.0.0.1:$dead"
PRIVD_URL=$url PRIVD_KEY=$app "$example" >"$tmp/example.out"
cat "$tmp/example.out"
grep -q '^processing: granted (cached)$' "$tmp/example.out" || {
	echo "client/c: the example's second check did not come from the cache" >&2
	exit 1
}
grep -q '^request [0-9a-f]\{32\}: awaiting_document$' "$tmp/example.out" || {
	echo "client/c: the example filed no request" >&2
	exit 1
}
echo "client/c: ok"

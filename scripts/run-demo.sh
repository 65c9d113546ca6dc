#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The demo behind `make run`: initialises DATADIR on first use (operator "Demo Operator", server in Russia),
# shows the one-time admin API key, prints the URLs, then runs privd in the foreground (Ctrl-C stops it).
# The admin key is printed once and stored nowhere but hashed in privd's own database.
# Usage: scripts/run-demo.sh BINARY DATADIR LISTEN
set -euo pipefail

[ $# -eq 3 ] || {
	echo "usage: $0 BINARY DATADIR LISTEN" >&2
	exit 2
}
bin=$1
data=$2
listen=$3
[ -x "$bin" ] || {
	echo "run-demo: $bin is not an executable (run make first)" >&2
	exit 2
}

if [ -f "$data/privd.conf" ] || [ -f "$data/master.key" ]; then
	echo "Using the data directory $data (initialised before)."
	echo "The admin API key was shown once, when it was initialised. Lost it? Stop privd, remove $data and run again."
else
	echo "Initialising the data directory $data ..."
	# init's log lines (what it published) are shown only when it fails
	errlog=$(mktemp)
	out=$("$bin" init --data-dir "$data" --operator-name "Demo Operator" \
		--operator-address "1 Demo Street, Moscow, 101000" --server-country RU --listen "$listen" 2>"$errlog") || {
		status=$?
		[ -z "${out:-}" ] || printf '%s\n' "$out"
		cat "$errlog" >&2
		rm -f "$errlog"
		echo "run-demo: privd init failed (exit $status)" >&2
		exit "$status"
	}
	rm -f "$errlog"
	key_line=$(printf '%s\n' "$out" | tail -n 1)
	printf '%s\n' "$out"
	case "$key_line" in
	admin_key=?*) ;;
	*)
		echo "run-demo: privd init did not print admin_key=<key> last" >&2
		exit 1
		;;
	esac
	cat <<BANNER

  ============================================================================
    Admin API key (shown only this once; privd keeps only a hash of it):

      $key_line

    Use it as:  Authorization: Bearer ${key_line#admin_key=}
  ============================================================================

BANNER
fi

# The address to show: a wildcard listen address is reached through loopback.
host=${listen%:*}
port=${listen##*:}
case "$host" in
"" | 0.0.0.0) host=127.0.0.1 ;;
"[::]") host="[::1]" ;;
esac
base="http://$host:$port"
cat <<URLS
privd is starting on $listen
  API base        $base/v1/
  health          $base/healthz
  privacy policy  $base/privacy
  consent texts   $base/consent/processing, $base/consent/third_party_transfer
  metrics         $base/metrics
  console         $base/console/  (sign in with an operator, admin or auditor API key)
  portal          $base/portal/   (people: opened by the link POST /v1/subjects/{id}/portal-sessions gives)
Stop it with Ctrl-C.

URLS

exec "$bin" serve --data-dir "$data" --listen "$listen"

#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# A throwaway PostgreSQL server for the tests: its own cluster in a temporary directory, trust authentication,
# listening on 127.0.0.1 on a free port, unix socket inside the directory, durability off (test data only).
# PRIVD_PG_DURABLE=1 keeps PostgreSQL's durability on instead (fsync, synchronous_commit, full_page_writes), as a
# production server has it: what bench/run.sh measures privd's writes on.
#
#   scripts/pg-test.sh start [DIR]   initialises DIR (a new temporary directory when omitted), starts the server
#                                    and prints its URL on stdout (postgresql://postgres@127.0.0.1:PORT/postgres);
#                                    the directory is on stderr, with the command that stops it
#   scripts/pg-test.sh stop DIR      stops the server and removes DIR
#   scripts/pg-test.sh url DIR       prints the URL of a server started in DIR
#   scripts/pg-test.sh crash DIR     stops the server as a crash would (pg_ctl stop -m immediate), keeping DIR
#   scripts/pg-test.sh restart DIR   starts a crashed or stopped server of DIR again, on the same port
#
# The crash campaign starts its server with PRIVD_PG_DURABLE=1 too: a commit privd was told of is then in the WAL
# the server wrote before answering, so it survives the server's crash.
#
# Works as a normal user and as root: PostgreSQL refuses to run as root, so as root the directory is handed to
# the `postgres` system user (created by Debian's postgresql package) and the server runs as that user.
set -euo pipefail

die() {
	echo "pg-test: $*" >&2
	exit 1
}

find_bindir() {
	local d
	# The newest installed major version first, then what pg_config says, then PATH.
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -rn); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return
		fi
	done
	if command -v pg_config >/dev/null; then
		d=$(pg_config --bindir 2>/dev/null || true)
		if [ -n "$d" ] && [ -x "$d/initdb" ]; then
			echo "$d"
			return
		fi
	fi
	d=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
	[ -x "$d/initdb" ] || die "cannot find initdb (install the postgresql package: scripts/install-deps.sh --test)"
	echo "$d"
}

# as_pg CMD...: runs CMD as the owner of the cluster.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

cmd_start() {
	local dir=${1:-}
	local bindir port tries=0 durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	[ "${PRIVD_PG_DURABLE:-0}" != 1 ] || durability="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
	bindir=$(find_bindir)
	if [ -z "$dir" ]; then
		dir=$(mktemp -d "${TMPDIR:-/tmp}/privd-pg.XXXXXX")
	else
		mkdir -p "$dir"
	fi
	dir=$(cd "$dir" && pwd)
	[ ! -e "$dir/data/PG_VERSION" ] || die "$dir already holds a cluster (stop it first: $0 stop $dir)"
	mkdir -p "$dir/data" "$dir/run"
	chmod 0700 "$dir/data"
	if [ "$(id -u)" -eq 0 ]; then
		getent passwd postgres >/dev/null || die "running as root needs the postgres system user (apt-get install postgresql)"
		chown -R postgres: "$dir"
		# The server must be able to reach its directory: make each parent traversable if it is not.
		local p=$dir
		while [ "$p" != / ]; do
			p=$(dirname "$p")
			runuser -u postgres -- test -x "$p" || chmod o+x "$p"
		done
	fi

	as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
		>"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		die "initdb failed"
	}

	while :; do
		tries=$((tries + 1))
		[ $tries -le 20 ] || die "could not find a free port"
		port=$((20000 + RANDOM % 40000))
		port_in_use "$port" && continue
		echo "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir/run' \
			 $durability -c max_connections=400 \
			 -c shared_buffers=64MB -c log_min_messages=warning" >"$dir/options"
		if as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o "$(cat "$dir/options")" \
			>/dev/null 2>&1; then
			break
		fi
		# Lost a race for the port: try another; any other failure is fatal.
		if grep -qiE 'could not bind|address already in use|could not create any TCP/IP sockets' "$dir/server.log" 2>/dev/null; then
			: >"$dir/server.log"
			continue
		fi
		cat "$dir/server.log" >&2 || true
		die "postgres did not start"
	done
	echo "$port" >"$dir/port"
	echo "pg-test: server in $dir; stop it with: $0 stop $dir" >&2
	echo "postgresql://postgres@127.0.0.1:$port/postgres"
}

cmd_stop() {
	local dir=${1:?usage: pg-test.sh stop DIR}
	local bindir
	[ -d "$dir" ] || return 0
	bindir=$(find_bindir)
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}

cmd_crash() {
	local dir=${1:?usage: pg-test.sh crash DIR}
	as_pg "$(find_bindir)/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null
}

cmd_restart() {
	local dir=${1:?usage: pg-test.sh restart DIR}
	[ -f "$dir/options" ] || die "no server was started in $dir"
	as_pg "$(find_bindir)/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o "$(cat "$dir/options")" \
		>/dev/null || {
		tail -20 "$dir/server.log" >&2 || true
		die "postgres did not start again"
	}
}

cmd_url() {
	local dir=${1:?usage: pg-test.sh url DIR}
	[ -f "$dir/port" ] || die "no server in $dir"
	echo "postgresql://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
}

case "${1:-}" in
start) cmd_start "${2:-}" ;;
stop) cmd_stop "${2:-}" ;;
url) cmd_url "${2:-}" ;;
crash) cmd_crash "${2:-}" ;;
restart) cmd_restart "${2:-}" ;;
*)
	echo "usage: $0 start [DIR] | stop DIR | url DIR | crash DIR | restart DIR" >&2
	exit 2
	;;
esac

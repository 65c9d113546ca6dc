#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The Debian package, built and tried out in a build directory (the source tree is copied there, so nothing of the
# build lands in the tree).
#   build: dpkg-buildpackage -b of a copy of the tree (tracked and new files), then lintian on the .deb; errors fail.
#   test:  build, then unpack the .deb (dpkg -x) into a scratch root and run its privd from there as the package
#          would: init with /etc-style configuration, check-config, serve, GET /healthz, SIGTERM. With
#          DEB_TEST_INSTALL=1 (as root, on a machine without privd) the package is also installed with dpkg -i,
#          its postinst's work checked and privd served as the privd user, then purged and the user, the data and
#          the logs removed again.
# Usage: scripts/deb.sh build|test BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -eq 2 ] && { [ "$1" = build ] || [ "$1" = test ]; } || {
	echo "usage: $0 build|test BUILD_DIR" >&2
	exit 2
}
mode=$1
mkdir -p "$2"
out=$(cd "$2" && pwd)
version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
deb=$out/privd_${version}_${arch}.deb

build() {
	local src=$out/privd-$version
	rm -rf "$src" "$out"/privd_* "$out"/privd-dbgsym_*
	mkdir -p "$src"
	git ls-files -z -co --exclude-standard --deduplicate | tar --null --ignore-failed-read -T - -cf - 2>/dev/null |
		tar -xf - -C "$src"
	# the browser libraries bundled from npm (not in git): into the package's web/ as into a development tree's
	scripts/web-vendor.sh
	if [ -d web/common/pdfjs ]; then cp -r web/common/pdfjs "$src/web/common/"; fi
	echo "deb: building privd $version (dpkg-buildpackage; the whole log: $out/build.log)"
	if ! (cd "$src" && dpkg-buildpackage -b -us -uc) >"$out/build.log" 2>&1; then
		tail -n 60 "$out/build.log"
		echo "deb: dpkg-buildpackage failed (the whole log: $out/build.log)" >&2
		exit 1
	fi
	echo "deb: built $deb"
	local lint status=0
	lint=$(lintian --fail-on error --display-info "$deb" 2>&1) || status=$?
	lint=$(grep -v 'running with root privileges' <<<"$lint" || true)
	[ -z "$lint" ] || printf '%s\n' "$lint" | sed 's/^/  /'
	echo "deb: lintian: $(grep -c '^E:' <<<"$lint" || true) errors, $(grep -c '^W:' <<<"$lint" || true) warnings," \
		"$(grep -c '^I:' <<<"$lint" || true) notes"
	[ "$status" -eq 0 ] || {
		echo "deb: lintian found errors" >&2
		exit 1
	}
}

# Waits for privd's http.listening line in LOG and prints its port.
port_of() {
	local log=$1 pid=$2 i
	for i in $(seq 1 200); do
		if grep -q '"event":"http.listening"' "$log" 2>/dev/null; then
			sed -n 's/.*"event":"http.listening","port":\([0-9]*\).*/\1/p' "$log" | head -n 1
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$log" >&2
	return 1
}

# Serves with "$@" (a privd command line without --listen), checks /healthz, stops it with SIGTERM.
serve_and_check() {
	local log=$1
	shift
	"$@" --listen 127.0.0.1:0 2>"$log" &
	local pid=$! port body rc=0
	port=$(port_of "$log" "$pid") || {
		kill "$pid" 2>/dev/null || true
		echo "deb: FAIL: privd did not start" >&2
		return 1
	}
	body=$(curl -fsS "http://127.0.0.1:$port/healthz") || rc=1
	kill -TERM "$pid"
	wait "$pid" || rc=1
	if [ "$rc" -ne 0 ] || [ "$body" != '{"status":"ok"}' ]; then
		echo "deb: FAIL: /healthz answered '${body:-nothing}', or privd did not stop cleanly" >&2
		return 1
	fi
	echo "deb: /healthz on port $port answered $body; privd stopped cleanly"
}

unpacked() {
	local root=$out/root scratch=$out/scratch f
	rm -rf "$root" "$scratch"
	dpkg -x "$deb" "$root"
	for f in usr/bin/privd lib/systemd/system/privd.service usr/share/privd/calendar-ru.json usr/share/privd/web/consent.js \
		usr/share/privd/web/common/pdfjs/pdf.min.mjs usr/share/privd/web/common/pdfjs/wasm/openjpeg.wasm \
		usr/share/man/man8/privd.8.gz usr/share/man/man5/privd.conf.5.gz usr/share/doc/privd/copyright; do
		[ -e "$root/$f" ] || {
			echo "deb: FAIL: the package has no /$f" >&2
			exit 1
		}
	done
	grep -q '^ExecStart=/usr/bin/privd serve --data-dir /var/lib/privd --config /etc/privd/privd.conf' \
		"$root/lib/systemd/system/privd.service" || {
		echo "deb: FAIL: the packaged unit does not run /usr/bin/privd with /etc/privd/privd.conf" >&2
		exit 1
	}
	# What the postinst does, in the scratch root: the unpacked binary finds its data under the root.
	mkdir -p "$scratch/etc/privd" "$scratch/var/lib"
	export PRIVD_SHARE_DIR=$root/usr/share/privd
	local bin=$root/usr/bin/privd conf=$scratch/etc/privd/privd.conf data=$scratch/var/lib/privd
	"$bin" init --data-dir "$data" --config "$conf" >"$out/init.log" 2>&1 || {
		cat "$out/init.log" >&2
		exit 1
	}
	if grep -q "$root\|$PWD" "$conf"; then
		echo "deb: FAIL: privd init wrote an installation or source path into privd.conf" >&2
		exit 1
	fi
	# [web] dir by its variable, not in the file: what /usr/share/privd/web is in the package
	export PRIVD_WEB_DIR=$root/usr/share/privd/web
	"$bin" check-config --data-dir "$data" --config "$conf"
	serve_and_check "$out/serve.log" "$bin" serve --data-dir "$data" --config "$conf"
	unset PRIVD_SHARE_DIR PRIVD_WEB_DIR
}

installed() {
	[ "$(id -u)" -eq 0 ] || {
		echo "deb: DEB_TEST_INSTALL=1 needs root" >&2
		exit 1
	}
	if dpkg-query -W privd >/dev/null 2>&1 || getent passwd privd >/dev/null || [ -e /var/lib/privd ] ||
		[ -e /etc/privd ]; then
		echo "deb: privd, its user or its directories are already on this machine: not installing over them" >&2
		exit 1
	fi
	cleanup() {
		dpkg --purge privd >/dev/null 2>&1 || true
		rm -rf /var/lib/privd /var/log/privd /etc/privd
		if getent passwd privd >/dev/null; then deluser --quiet --system privd >/dev/null 2>&1 || true; fi
		if getent group privd >/dev/null; then delgroup --quiet --system privd >/dev/null 2>&1 || true; fi
	}
	trap cleanup EXIT
	DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >"$out/install.log" 2>&1 || {
		cat "$out/install.log" >&2
		exit 1
	}
	getent passwd privd >/dev/null || {
		echo "deb: FAIL: no privd user after dpkg -i" >&2
		exit 1
	}
	[ "$(stat -c '%U %a' /var/lib/privd)" = "privd 700" ] && [ "$(stat -c '%U:%G %a' /etc/privd/privd.conf)" = "root:privd 640" ] &&
		grep -q '^admin_key=' /etc/privd/initial-admin-key || {
		echo "deb: FAIL: the postinst did not set up /etc/privd and /var/lib/privd as documented" >&2
		exit 1
	}
	if [ -d /run/systemd/system ]; then
		local i
		for i in $(seq 1 100); do
			systemctl is-active --quiet privd && break
			sleep 0.1
		done
		systemctl is-active --quiet privd || {
			systemctl status privd --no-pager >&2 || true
			echo "deb: FAIL: the privd unit is not active after dpkg -i" >&2
			exit 1
		}
		curl -fsS http://127.0.0.1:8080/healthz >/dev/null
		echo "deb: installed; privd.service active and answering /healthz"
	else
		runuser -u privd -- privd check-config --data-dir /var/lib/privd --config /etc/privd/privd.conf
		# setpriv executes privd in its place (runuser would stay as its parent and take the SIGTERM)
		serve_and_check "$out/serve-installed.log" setpriv --reuid privd --regid privd --init-groups privd serve \
			--data-dir /var/lib/privd --config /etc/privd/privd.conf
		echo "deb: installed (no systemd running here: served as the privd user by hand)"
	fi
	cleanup
	trap - EXIT
	echo "deb: purged; the privd user, /var/lib/privd, /var/log/privd and /etc/privd removed"
}

build
[ "$mode" = test ] || exit 0
unpacked
[ "${DEB_TEST_INSTALL:-0}" != 1 ] || installed

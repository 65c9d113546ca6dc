#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Installs what privd needs to build, run and test, from Debian's packages and the npm registry.
# Idempotent and quiet when everything is there. Usage: scripts/install-deps.sh [--test|--bench|--deb|--fuzz]
# --test adds what `make check` needs (systemd for systemd-analyze, mandoc for the man pages' lint); --deb what
# `make deb` needs (debhelper, lintian); --fuzz what `make fuzz` needs (clang and its libFuzzer runtime).
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsodium-dev libsqlite3-dev
	libpq-dev libcmark-dev libinih-dev libcurl4-openssl-dev zlib1g-dev libsystemd-dev libgnutls28-dev
	libseccomp-dev)
test_pkgs=(libcmocka-dev postgresql nodejs npm sqlite3 curl clang-format chromium)
# systemd-analyze verifies the unit file, mandoc lints the man pages
test_pkgs+=(systemd mandoc)
# readers that check the documents the tests generate are real files
test_pkgs+=(qpdf libjpeg-turbo-progs pngcheck libtiff-tools)
# opj_compress makes the JPEG 2000 image of the scan whose preview pdf.js draws with its WebAssembly decoder
test_pkgs+=(libopenjp2-tools)
# the HTTPS tests make a certificate and try old TLS versions with the openssl command
test_pkgs+=(openssl)
deb_pkgs=(debhelper dpkg-dev fakeroot lintian)
# perf and strace: where the time of a figure goes (bench/README.md)
bench_pkgs=(wrk nginx-light linux-perf strace)
fuzz_pkgs=(clang libclang-rt-dev)

want=("${build_pkgs[@]}")
case "${1:-}" in
--test) want+=("${test_pkgs[@]}") ;;
--bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
--deb) want+=("${deb_pkgs[@]}" curl) ;;
--fuzz) want+=("${fuzz_pkgs[@]}") ;;
esac

missing=()
for p in "${want[@]}"; do
	# node and npm may come from elsewhere than Debian (e.g. a preinstalled toolchain): accept the commands.
	if [ "$p" = nodejs ] && command -v node >/dev/null; then continue; fi
	if [ "$p" = npm ] && command -v npm >/dev/null; then continue; fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = --test ] || [ "${1:-}" = --bench ]; then
	if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
		npm ci --no-audit --no-fund --loglevel=error
	fi
fi

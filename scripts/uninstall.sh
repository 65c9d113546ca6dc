#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Removes what `make install` installed, as its manifest lists it (with the DESTDIR it was given), then privd's own
# directories when they are left empty. The data directory and the configuration are never touched.
# Usage: scripts/uninstall.sh MANIFEST [DESTDIR]
set -euo pipefail

manifest=${1:?usage: $0 MANIFEST [DESTDIR]}
destdir=${2:-}
[ -f "$manifest" ] || {
	echo "uninstall: no $manifest: nothing was installed from this tree (make install)" >&2
	exit 1
}
n=0
while IFS= read -r f || [ -n "$f" ]; do
	[ -n "$f" ] || continue
	f=$destdir$f
	if [ -e "$f" ] || [ -L "$f" ]; then
		rm -f -- "$f"
		n=$((n + 1))
	fi
	# privd's own directories (share/privd and what is under it), once empty
	d=$(dirname -- "$f")
	while [[ $d == */privd || $d == */privd/* ]] && rmdir -- "$d" 2>/dev/null; do
		d=$(dirname -- "$d")
	done
done <"$manifest"
echo "uninstalled: $n files removed"

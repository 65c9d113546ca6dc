#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Checks every #include in SRC_DIR (default: src/) against the layers of docs/architecture.md:
#   - a file includes headers of its own layer and of the layers beneath it, nothing else;
#   - another layer's *_int.h (what only that layer's files share) is never included;
#   - core/ includes only the C library and POSIX, no third-party header;
#   - a third-party header appears only in the layers that wrap that library.
# Prints one line per violation and exits 1 when there is any. Usage: scripts/check-layers.sh [SRC_DIR]
set -euo pipefail
src=${1:-"$(dirname "$0")/../src"}

# The layers each layer may include (itself first).
declare -A may=(
	[core]="core"
	[crypto]="crypto core"
	[store]="store core"
	[notify]="notify core"
	[service]="service core crypto store notify"
	[http]="http core service"
	[cli]="cli core service http"
)

# Third-party headers and the layers that may include them.
declare -A lib=(
	[sodium.h]="crypto service"
	[sqlite3.h]="store"
	[libpq-fe.h]="store"
	[microhttpd.h]="http"
	[gnutls/gnutls.h]="http"
	[jansson.h]="service http"
	[cmark.h]="service http"
	[ini.h]="service"
	[seccomp.h]="service"
	[curl/curl.h]="notify"
	[zlib.h]="http"
	[systemd/sd-daemon.h]="cli"
)

# What core may include: the C library and POSIX.
libc='assert|ctype|errno|float|inttypes|limits|locale|math|setjmp|signal|stdalign|stdarg|stdatomic|stdbool|stddef|stdint|stdio|stdlib|stdnoreturn|string|strings|tgmath|threads|time|uchar|wchar|wctype|fcntl|unistd|pthread|poll|netdb|regex|arpa/inet|netinet/in|sys/[a-z]+'

status=0
fail() {
	echo "$1:$2: $3"
	status=1
}

while IFS= read -r file; do
	rel=${file#"$src"/}
	layer=${rel%%/*}
	if [ -z "${may[$layer]+x}" ]; then
		fail "$rel" 1 "'$layer' is not a layer (docs/architecture.md lists them)"
		continue
	fi
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		[[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*([\"\<])([^\"\>]+)[\"\>] ]] || continue
		kind=${BASH_REMATCH[1]}
		hdr=${BASH_REMATCH[2]}
		if [ "$kind" = '"' ]; then
			if [[ $hdr != */* ]]; then
				continue # beside the including file: its own layer
			fi
			to=${hdr%%/*}
			if [[ " ${may[$layer]} " != *" $to "* ]]; then
				fail "$rel" "$n" "$layer/ may not include \"$hdr\" (it sees ${may[$layer]})"
			elif [ "$to" != "$layer" ] && [[ $hdr == *_int.h ]]; then
				fail "$rel" "$n" "\"$hdr\" is internal to $to/"
			fi
		elif [ "$layer" = core ]; then
			[[ $hdr =~ ^($libc)\.h$ ]] || fail "$rel" "$n" "core/ includes no third-party header: <$hdr>"
		elif [ -n "${lib[$hdr]+x}" ] && [[ " ${lib[$hdr]} " != *" $layer "* ]]; then
			fail "$rel" "$n" "<$hdr> belongs to ${lib[$hdr]}, not $layer/"
		fi
	done <"$file"
done < <(find "$src" -type f \( -name '*.c' -o -name '*.h' \) | sort)

exit $status

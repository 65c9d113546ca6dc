#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Keeps the tree readable: no file under SRC_DIR (default src/) over 800 lines, no function over 80 lines (counted
# between the opening and the closing brace at the start of a line, as clang-format lays them out). Parsers of file
# formats may be longer when a table or one state machine reads better whole: list them in EXEMPT as file:function.
# Usage: scripts/check-size.sh [SRC_DIR]
set -euo pipefail
src=${1:-"$(dirname "$0")/../src"}
max_file=800
max_fn=80
EXEMPT=""

status=0
while IFS= read -r f; do
	rel=${f#"$src"/}
	lines=$(wc -l <"$f")
	if [ "$lines" -gt "$max_file" ]; then
		echo "$rel: $lines lines (at most $max_file)"
		status=1
	fi
	[[ $f == *.c ]] || continue
	while IFS=' ' read -r line n name; do
		[[ " $EXEMPT " == *" $rel:$name "* ]] && continue
		echo "$rel:$line: $name is $n lines (at most $max_fn)"
		status=1
	done < <(awk -v max="$max_fn" '
		/^[A-Za-z_].*\(/ { sig = $0; sigline = NR }
		/^\{/ { open = NR }
		/^\}/ {
			if (open && NR - open - 1 > max) {
				name = sig; sub(/\(.*/, "", name); n = split(name, w, /[ *]+/)
				print sigline, NR - open - 1, w[n]
			}
			open = 0
		}' "$f")
done < <(find "$src" -type f \( -name '*.c' -o -name '*.h' \) | sort)
exit $status

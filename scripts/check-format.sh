#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Fails when a C file under src/ or tests/ differs from what clang-format makes of it with the repository's
# .clang-format. `make format` rewrites them. Usage: scripts/check-format.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || {
	echo "check-format: clang-format is missing (scripts/install-deps.sh --test)" >&2
	exit 2
}
mapfile -t files < <(find src tests/unit tests/fuzz tests/tools -type f \( -name '*.c' -o -name '*.h' \) | sort)
clang-format --dry-run --Werror "${files[@]}"
echo "check-format: ${#files[@]} files formatted"

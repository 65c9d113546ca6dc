#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Bundles the browser libraries the pages use from npm into web/ at build time (`make` runs it): pdf.js
# (pdfjs-dist, pinned in package.json) into web/common/pdfjs/, which the portal's and the console's previews of PDFs
# load from privd's own origin, with its WebAssembly decoders in web/common/pdfjs/wasm/ (OpenJPEG for JPEG 2000
# scans, JBIG2, and QCMS for colour profiles; pdf.js takes them from there by its wasmUrl). Nothing is fetched by a browser from elsewhere, and nothing is kept in git: the
# files come from node_modules (`npm ci` when they are missing and npm is there). Without npm the pages still work
# and say a PDF has no preview. Quiet when everything is up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

src=node_modules/pdfjs-dist
dst=web/common/pdfjs
files=(build/pdf.min.mjs build/pdf.worker.min.mjs LICENSE
	wasm/openjpeg.wasm wasm/openjpeg_nowasm_fallback.js wasm/jbig2.wasm wasm/qcms_bg.wasm
	wasm/LICENSE_OPENJPEG wasm/LICENSE_PDFJS_OPENJPEG wasm/LICENSE_JBIG2 wasm/LICENSE_PDFJS_JBIG2 wasm/LICENSE_QCMS
	wasm/LICENSE_PDFJS_QCMS)

if [ ! -f "$src/build/pdf.min.mjs" ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	if ! command -v npm >/dev/null; then
		echo "web-vendor: npm is missing: PDF previews are off (scripts/install-deps.sh --test installs it)" >&2
		exit 0
	fi
	npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p "$dst/wasm"
for f in "${files[@]}"; do
	out=$dst/${f#build/}
	if [ ! -f "$out" ] || ! cmp -s "$src/$f" "$out"; then
		cp "$src/$f" "$out"
	fi
done

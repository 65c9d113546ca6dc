#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The TypeScript client's check (run by `make check` through scripts/test-integration.sh): generates the types from
# docs/openapi.yaml with openapi-typescript into clients/ts/generated/ (not committed) and type-checks the client,
# its example and the calls the types must refuse with tsc. Fails when the document does not generate or when a
# shape the client relies on changed. Usage: clients/ts/check.sh (after `npm ci`)
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p clients/ts/generated
node_modules/.bin/openapi-typescript docs/openapi.yaml --default-non-nullable false \
	-o clients/ts/generated/privd.ts >/dev/null
node_modules/.bin/tsc -p clients/ts/tsconfig.json
echo "client/ts: types generated from docs/openapi.yaml, client and example type-check"

// SPDX-License-Identifier: AGPL-3.0-or-later
// The pages' catalogues of texts (web/i18n/ru.json and en.json, one per language): both hold the same keys with the
// same placeholders, and a text for every name privd's API can hand the pages (docs/openapi.yaml): each notice
// kind, purpose, request type and status, so neither the portal nor the console shows a bare name such as
// "incident" in either language; and every key the pages' scripts name literally is in them.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { PURPOSES, ROOT } from './lib/privd.mjs';
import { REQUEST_TYPES } from './lib/requests.mjs';
import { openapiRoutes } from './lib/routes.mjs';

const LANGS = ['ru', 'en'];
const catalogue = async (lang) => JSON.parse(await readFile(path.join(ROOT, 'web/i18n', `${lang}.json`), 'utf8'));
const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('ru and en hold the same keys, none empty, each with the same placeholders', async () => {
	const [ru, en] = await Promise.all(LANGS.map(catalogue));
	assert.deepEqual(Object.keys(ru).sort(), Object.keys(en).sort());
	for (const [k, v] of Object.entries(en)) {
		assert.ok(typeof v === 'string' && v.trim() !== '' && ru[k].trim() !== '', `${k}: a text in both languages`);
		assert.deepEqual(placeholders(ru[k]), placeholders(v), `${k}: the same placeholders`);
	}
});

test('a text in both languages for every notice kind, purpose, request type, status and destruction reason of the API', async () => {
	const { doc } = await openapiRoutes();
	const s = doc.components.schemas;
	const kinds = [...s.Notification.properties.kind.description.matchAll(/`([a-z_.]+)`/g)].map((m) => m[1]);
	assert.ok(kinds.includes('incident') && kinds.includes('request.received'), `notice kinds read: ${kinds}`);
	const statuses = ['awaiting_document', 'received', 'accepted', 'rejected', 'completed'];
	const keys = [
		...kinds.map((k) => `portal.kind.${k}`),
		...PURPOSES.map((p) => `portal.purpose.${p}`),
		...s.CookieCategory.enum.map((c) => `portal.purpose.cookies.${c}`),
		...REQUEST_TYPES.map((q) => `type.${q}`),
		...REQUEST_TYPES.filter((q) => q !== 'guardian_consent').map((q) => `portal.type.${q}`),
		...statuses.map((x) => `status.${x}`),
		...s.Notification.properties.status.enum.map((x) => `portal.notice.${x}`),
		...s.Notification.properties.channel.enum.map((x) => `portal.channel.${x}`),
		...s.DestructionRecord.properties.reason.enum.map((x) => `dr.reason.${x}`),
	];
	for (const lang of LANGS) {
		const c = await catalogue(lang);
		assert.deepEqual(keys.filter((k) => !(k in c)), [], `${lang}.json: texts missing`);
	}
});

test('every key the pages name literally is in the catalogue', async () => {
	const en = await catalogue('en');
	const missing = [];
	for (const dir of ['web/console', 'web/portal']) {
		for (const f of await readdir(path.join(ROOT, dir))) {
			if (!/\.(js|html)$/.test(f)) continue;
			const src = await readFile(path.join(ROOT, dir, f), 'utf8');
			const named = [...src.matchAll(/\bt\('([a-z0-9_.]+)'/g), ...src.matchAll(/data-i18n="([a-z0-9_.]+)"/g)].map((m) => m[1]);
			missing.push(...named.filter((k) => !(k in en)).map((k) => `${dir}/${f}: ${k}`));
		}
	}
	assert.deepEqual(missing, []);
});

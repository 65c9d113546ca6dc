// SPDX-License-Identifier: AGPL-3.0-or-later
// docs/openapi.yaml and the server's route table describe the same routes, in both directions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiRoutes, normPath, openapiRoutes, privdRoutes } from './lib/routes.mjs';

const key = (r) => `${r.method} ${normPath(r.path)}`;

test('every route of privd is in docs/openapi.yaml, and every operation there is a route of privd', async () => {
	const served = await privdRoutes();
	const { doc, routes: documented } = await openapiRoutes();
	assert.match(String(doc.openapi), /^3\./, 'an OpenAPI 3 document');
	const s = new Set(served.map(key));
	const d = new Set(documented.map(key));
	const undocumented = [...s].filter((k) => !d.has(k)).sort();
	const unserved = [...d].filter((k) => !s.has(k)).sort();
	assert.deepEqual(undocumented, [], 'routes privd serves that docs/openapi.yaml does not describe');
	assert.deepEqual(unserved, [], 'operations docs/openapi.yaml describes that privd does not serve');
	assert.equal(served.length, s.size, 'privd routes lists each route once');
});

test('docs/openapi.yaml uses the parameter names of docs/api.md and declares each path parameter', async () => {
	const { doc, routes } = await openapiRoutes();
	const deref = (prm) => {
		if (!prm.$ref) return prm;
		const parts = prm.$ref.replace(/^#\//, '').split('/');
		let o = doc;
		for (const part of parts) o = o?.[part];
		assert.ok(o, `${prm.$ref} resolves`);
		return o;
	};
	const byKey = new Map(routes.map((r) => [key(r), r]));
	for (const { method: m, path: p } of await apiRoutes()) {
		const r = byKey.get(`${m} ${normPath(p)}`);
		assert.ok(r, `${m} ${p} is documented`);
		assert.equal(r.path, p, `documented as ${p}`);
	}
	for (const r of routes) {
		const names = [...r.path.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]);
		const declared = [...(r.item.parameters || []), ...(r.op.parameters || [])]
			.map(deref).filter((prm) => prm.in === 'path').map((prm) => prm.name);
		assert.deepEqual([...declared].sort(), [...names].sort(), `${r.method} ${r.path} declares exactly its path parameters`);
	}
});

test('every documented operation documents a response', async () => {
	const { routes } = await openapiRoutes();
	for (const r of routes) {
		assert.ok(r.op.responses && Object.keys(r.op.responses).length > 0, `${r.method} ${r.path} has responses`);
	}
});

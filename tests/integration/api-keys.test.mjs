// SPDX-License-Identifier: AGPL-3.0-or-later
// API keys: created per role, shown once, listed without the secret, revoked with immediate effect.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertJson, assertProblem, forEngines, ID_RE, ROLES, TIME_RE, withServer } from './lib/privd.mjs';

// A route each role may call, answering 200: proves a fresh key works for its role.
const PROBE = {
	admin: ['GET', '/v1/api-keys'],
	operator: ['GET', '/v1/subjects?email=nobody%40example.org'],
	app: ['GET', '/v1/subjects?email=nobody%40example.org'],
	auditor: ['GET', '/v1/audit?limit=1'],
};

forEngines('api keys', (engine) => {
	const ctx = withServer(engine);
	const made = {};

	it('POST /v1/api-keys creates a key for each role: 201 {id,key,name,role,created_at}', async () => {
		for (const role of ROLES) {
			const r = await ctx.srv.req('POST', '/v1/api-keys', { as: 'admin', json: { name: `key for ${role}`, role } });
			const b = assertJson(r, 201);
			assert.match(b.id, ID_RE);
			assert.equal(typeof b.key, 'string');
			assert.ok(b.key.length >= 20, 'a key long enough to be unguessable');
			assert.equal(b.name, `key for ${role}`);
			assert.equal(b.role, role);
			assert.match(b.created_at, TIME_RE);
			made[role] = b;
		}
		assert.equal(new Set(Object.values(made).map((k) => k.key)).size, ROLES.length, 'keys differ');
		assert.equal(new Set(Object.values(made).map((k) => k.id)).size, ROLES.length, 'ids differ');
	});

	it('each new key works for its role at once', async () => {
		for (const role of ROLES) {
			const [m, p] = PROBE[role];
			const r = await ctx.srv.req(m, p, { key: made[role].key });
			assert.equal(r.status, 200, `${role} key on ${m} ${p}: ${r.status} ${r.text}`);
		}
	});

	it('GET /v1/api-keys lists keys without their secrets', async () => {
		const r = await ctx.srv.req('GET', '/v1/api-keys', { as: 'admin' });
		const b = assertJson(r, 200);
		assert.ok(Array.isArray(b.items));
		for (const role of ROLES) {
			const item = b.items.find((i) => i.id === made[role].id);
			assert.ok(item, `the ${role} key is listed`);
			assert.equal(item.name, `key for ${role}`);
			assert.equal(item.role, role);
			assert.match(item.created_at, TIME_RE);
			assert.equal(item.revoked_at, null, 'an active key has revoked_at null');
			assert.ok(!('key' in item), 'no key member in the list');
		}
		for (const k of [...Object.values(made).map((m) => m.key), ...Object.values(ctx.srv.keys)]) {
			assert.ok(!r.text.includes(k), 'the list never contains a key');
		}
	});

	it('GET /v1/api-keys pages with limit and after: every key once, in order, next_after null at the end', async () => {
		const all = assertJson(await ctx.srv.req('GET', '/v1/api-keys', { as: 'admin' }), 200);
		assert.equal(all.next_after, null, 'one page holds every key by default');
		const seen = [];
		let after = '';
		for (let guard = 0; guard < 100; guard++) {
			const q = after ? `?limit=2&after=${encodeURIComponent(after)}` : '?limit=2';
			const page = assertJson(await ctx.srv.req('GET', `/v1/api-keys${q}`, { as: 'admin' }), 200);
			assert.ok(page.items.length <= 2);
			seen.push(...page.items.map((i) => i.id));
			if (page.next_after === null) break;
			assert.equal(page.items.length, 2, 'a page with a next_after is full');
			after = page.next_after;
		}
		assert.deepEqual(seen, all.items.map((i) => i.id), 'the pages together are the whole list, in order');
		for (const bad of ['limit=0', 'limit=1001', 'after=nope']) {
			const r = await ctx.srv.req('GET', `/v1/api-keys?${bad}`, { as: 'admin' });
			assertProblem(r, 422, 'validation', { fields: [bad.split('=')[0]] });
		}
	});

	it('DELETE /v1/api-keys/{id} revokes: 204, and the key gets 401 immediately', async () => {
		const srv = ctx.srv;
		const k = made.app;
		const [m, p] = PROBE.app;
		assert.equal((await srv.req(m, p, { key: k.key })).status, 200);
		const d = await srv.req('DELETE', `/v1/api-keys/${k.id}`, { as: 'admin' });
		assert.equal(d.status, 204, d.text);
		assert.equal(d.text, '', '204 has no body');
		const r = await srv.req(m, p, { key: k.key });
		assertProblem(r, 401, 'unauthorized');
		assert.match(r.headers.get('www-authenticate') || '', /^Bearer/);
		// Every route refuses it, including ones the role could call before.
		assertProblem(await srv.req('POST', '/v1/consent-checks', { key: k.key, json: { checks: [] } }), 401, 'unauthorized');

		const list = assertJson(await srv.req('GET', '/v1/api-keys', { as: 'admin' }), 200);
		const item = list.items.find((i) => i.id === k.id);
		assert.ok(item, 'a revoked key stays listed');
		assert.match(item.revoked_at ?? '', TIME_RE, 'revoked_at is set');
		// The other keys still work.
		for (const role of ['admin', 'operator', 'auditor']) {
			const [m2, p2] = PROBE[role];
			assert.equal((await srv.req(m2, p2, { key: made[role].key })).status, 200, `${role} key still works`);
		}
	});

	it('revoking again, or an unknown id, is a 404 not-found problem', async () => {
		assertProblem(await ctx.srv.req('DELETE', `/v1/api-keys/${made.app.id}`, { as: 'admin' }), 404, 'not-found');
		assertProblem(await ctx.srv.req('DELETE', `/v1/api-keys/${'0'.repeat(32)}`, { as: 'admin' }), 404, 'not-found');
	});

	it('a revoked admin key can no longer create keys', async () => {
		const srv = ctx.srv;
		const k = made.admin;
		assert.equal((await srv.req('DELETE', `/v1/api-keys/${k.id}`, { key: k.key })).status, 204,
			'an admin key may revoke itself');
		assertProblem(await srv.req('POST', '/v1/api-keys', { key: k.key, json: { name: 'x', role: 'app' } }),
			401, 'unauthorized');
	});

	it('invalid key requests are 422 naming the field; malformed JSON is 400', async () => {
		const srv = ctx.srv;
		assertProblem(await srv.req('POST', '/v1/api-keys', { as: 'admin', json: { name: 'x', role: 'root' } }),
			422, 'validation', { fields: ['role'] });
		assertProblem(await srv.req('POST', '/v1/api-keys', { as: 'admin', json: { role: 'app' } }),
			422, 'validation', { fields: ['name'] });
		assertProblem(await srv.req('POST', '/v1/api-keys', { as: 'admin', json: { name: '', role: 'app' } }),
			422, 'validation', { fields: ['name'] });
		assertProblem(await srv.req('POST', '/v1/api-keys', { as: 'admin', json: { name: 7, role: 'nobody' } }),
			422, 'validation', { fields: ['name', 'role'] });
		assertProblem(await srv.req('POST', '/v1/api-keys', {
			as: 'admin', body: '{"name":"x",', headers: { 'content-type': 'application/json' },
		}), 400, 'malformed');
	});

	ctx.closingTest();
});

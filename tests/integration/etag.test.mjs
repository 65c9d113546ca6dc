// SPDX-License-Identifier: AGPL-3.0-or-later
// ETag and If-Match on a subject's profile: GET and PATCH answer the profile's entity tag; a PATCH whose If-Match
// names an older version is refused with 412 and changes nothing; without If-Match PATCH behaves as before.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertJson, assertProblem, forEngines, newPerson, withServer } from './lib/privd.mjs';

const ETAG_RE = /^"[0-9a-f]{16}-[0-9a-f]+"$/;

forEngines('etag', (engine) => {
	const ctx = withServer(engine);

	describe('ETag and If-Match on /v1/subjects/{id}', () => {
		it('GET answers an ETag; PATCH with it succeeds and answers a new one; the old one is then 412', async () => {
			const srv = ctx.srv;
			const b = assertJson(await srv.register(newPerson({ name: 'Анна Первая' })), 201);
			const g = await srv.req('GET', `/v1/subjects/${b.id}`, { as: 'app' });
			assertJson(g, 200);
			const tag = g.headers.get('etag');
			assert.match(tag || '', ETAG_RE);
			const again = await srv.req('GET', `/v1/subjects/${b.id}`, { as: 'app' });
			assert.equal(again.headers.get('etag'), tag, 'the same profile has the same ETag');

			const p = await srv.req('PATCH', `/v1/subjects/${b.id}`, {
				as: 'app', json: { name: 'Анна Вторая' }, headers: { 'if-match': tag },
			});
			assert.equal(assertJson(p, 200).name, 'Анна Вторая');
			const newTag = p.headers.get('etag');
			assert.match(newTag || '', ETAG_RE);
			assert.notEqual(newTag, tag, 'a changed profile has another ETag');
			const g2 = await srv.req('GET', `/v1/subjects/${b.id}`, { as: 'app' });
			assert.equal(g2.headers.get('etag'), newTag, 'PATCH answers the ETag GET then answers');

			const stale = await srv.req('PATCH', `/v1/subjects/${b.id}`, {
				as: 'app', json: { name: 'Анна Третья' }, headers: { 'if-match': tag },
			});
			assertProblem(stale, 412, 'precondition-failed');
			assert.ok(!stale.text.includes('Анна'), 'the problem holds no personal data');
			const after = assertJson(await srv.req('GET', `/v1/subjects/${b.id}`, { as: 'app' }), 200);
			assert.equal(after.name, 'Анна Вторая', 'a refused PATCH changes nothing');
		});

		it('If-Match "*" and a PATCH without If-Match both apply', async () => {
			const srv = ctx.srv;
			const b = assertJson(await srv.register(newPerson()), 201);
			const star = await srv.req('PATCH', `/v1/subjects/${b.id}`, {
				as: 'app', json: { name: 'Звёздочка' }, headers: { 'if-match': '*' },
			});
			assert.equal(assertJson(star, 200).name, 'Звёздочка');
			const plain = await srv.req('PATCH', `/v1/subjects/${b.id}`, { as: 'app', json: { name: 'Без условия' } });
			assert.equal(assertJson(plain, 200).name, 'Без условия');
		});

		it('a stale If-Match on an unknown subject is 404, not 412', async () => {
			const r = await ctx.srv.req('PATCH', `/v1/subjects/${'0'.repeat(32)}`, {
				as: 'app', json: { name: 'X' }, headers: { 'if-match': '"0000000000000000-1"' },
			});
			assertProblem(r, 404, 'not-found');
		});
	});
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// Privacy policies: the default policy installed by init with the operator's name, publishing new versions,
// /privacy as HTML, and what a new version means for registrations and consents (reconsent).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertJson, assertProblem, forEngines, newPerson, TIME_RE, withServer } from './lib/privd.mjs';

const OPERATOR = 'ООО Ромашка Тест 7731';

forEngines('policies', (engine) => {
	const ctx = withServer(engine, { operatorName: OPERATOR });
	let v1;
	let early;

	it('init installs the default policy as version 1', async () => {
		const b = assertJson(await ctx.srv.req('GET', '/v1/policies/current'), 200);
		assert.equal(b.version, '1');
		assert.match(b.sha256, /^[0-9a-f]{64}$/);
		assert.match(b.published_at, TIME_RE);
		v1 = b;
	});

	it('GET /privacy is the policy as HTML with the operator name filled in and no placeholder left', async () => {
		const r = await ctx.srv.req('GET', '/privacy');
		assert.equal(r.status, 200);
		assert.match(r.headers.get('content-type') || '', /^text\/html/);
		assert.ok(/charset=utf-8/i.test(r.headers.get('content-type') || '') || /<meta charset="?utf-8/i.test(r.text),
			'the page declares UTF-8 (header or meta)');
		assert.match(r.text, /<(p|h1|h2|li)\b/i, 'rendered Markdown');
		assert.ok(r.text.includes(OPERATOR), 'the operator name given at init appears in the policy');
		assert.ok(!r.text.includes('{{'), 'no template placeholder left');
		assert.ok(!r.text.includes('}}'), 'no template placeholder left');
	});

	it('a subject registered under version 1 has processing granted without reconsent', async () => {
		early = await ctx.srv.registerOk(newPerson({ consents: { processing: true, third_party_transfer: true, cookies: [] } }));
		const c = assertJson(await ctx.srv.req('GET', `/v1/subjects/${early.id}/consents/processing`, { as: 'app' }), 200);
		assert.equal(c.granted, true);
		assert.equal(c.policy_version, '1');
		assert.equal(c.reconsent_required, false);
	});

	it('POST /v1/policies publishes a new version: 201, and it becomes current', async () => {
		const text = '# Privacy policy v2\n\nWe changed **everything** (marker-5c1f).\n\n- one\n- two\n';
		const r = await ctx.srv.req('POST', '/v1/policies', { as: 'admin', json: { version: '2', text } });
		const b = assertJson(r, 201);
		assert.equal(b.version, '2');
		assert.match(b.sha256, /^[0-9a-f]{64}$/);
		assert.notEqual(b.sha256, v1.sha256);
		assert.match(b.published_at, TIME_RE);
		const cur = assertJson(await ctx.srv.req('GET', '/v1/policies/current'), 200);
		assert.deepEqual(cur, b);
		const page = await ctx.srv.req('GET', '/privacy');
		assert.equal(page.status, 200);
		assert.ok(page.text.includes('marker-5c1f'), '/privacy shows the new version');
		assert.match(page.text, /<strong>everything<\/strong>/, 'Markdown rendered');
		assert.match(page.text, /<li>one<\/li>/);
	});

	it('publishing an existing version is a 409 conflict', async () => {
		for (const version of ['1', '2']) {
			const r = await ctx.srv.req('POST', '/v1/policies', { as: 'admin', json: { version, text: 'again' } });
			assertProblem(r, 409, 'conflict');
		}
		assert.equal(assertJson(await ctx.srv.req('GET', '/v1/policies/current'), 200).version, '2');
	});

	it('an invalid policy is 422 naming the field; malformed JSON is 400', async () => {
		const srv = ctx.srv;
		assertProblem(await srv.req('POST', '/v1/policies', { as: 'admin', json: { version: '3' } }),
			422, 'validation', { fields: ['text'] });
		assertProblem(await srv.req('POST', '/v1/policies', { as: 'admin', json: { text: 'x' } }),
			422, 'validation', { fields: ['version'] });
		assertProblem(await srv.req('POST', '/v1/policies', { as: 'admin', json: { version: '', text: 5 } }),
			422, 'validation', { fields: ['version', 'text'] });
		assertProblem(await srv.req('POST', '/v1/policies', {
			as: 'admin', body: '{"version":"3","text":"x"', headers: { 'content-type': 'application/json' },
		}), 400, 'malformed');
		assert.equal(assertJson(await srv.req('GET', '/v1/policies/current'), 200).version, '2');
	});

	it('registration must name the current version: the old one is 422 on policy_version', async () => {
		const srv = ctx.srv;
		const p = newPerson({ policy_version: '1' });
		assertProblem(await srv.register(p), 422, 'validation', { fields: ['policy_version'] });
		const f = assertJson(await srv.req('GET', `/v1/subjects?email=${encodeURIComponent(p.email)}`, { as: 'app' }), 200);
		assert.deepEqual(f.items, [], 'nothing stored');
		const ok = await srv.registerOk(newPerson({ policy_version: '2' }));
		assert.equal(ok.policy_version, '2');
		const c = assertJson(await srv.req('GET', `/v1/subjects/${ok.id}/consents/processing`, { as: 'app' }), 200);
		assert.equal(c.policy_version, '2');
		assert.equal(c.reconsent_required, false);
	});

	it('after a new version, a consent given under the old one says reconsent_required', async () => {
		const srv = ctx.srv;
		for (const purpose of ['processing', 'third_party_transfer']) {
			const c = assertJson(await srv.req('GET', `/v1/subjects/${early.id}/consents/${purpose}`, { as: 'app' }), 200);
			assert.equal(c.purpose, purpose);
			assert.equal(c.policy_version, '1');
			assert.equal(c.reconsent_required, true, `${purpose} given under version 1 needs reconsent under version 2`);
		}
		const batch = assertJson(await srv.req('POST', '/v1/consent-checks', {
			as: 'app', json: { checks: [{ subject_id: early.id, purpose: 'processing' }] },
		}), 200);
		assert.equal(batch.results[0].reconsent_required, true);
	});

	it('consenting again records the current version and clears reconsent_required', async () => {
		const srv = ctx.srv;
		const rec = assertJson(await srv.req('POST', `/v1/subjects/${early.id}/consents`, {
			as: 'app', json: { purpose: 'processing', granted: true, ip: '198.51.100.9', source: 'banner', text_version: '1' },
		}), 201);
		assert.equal(rec.policy_version, '2');
		const c = assertJson(await srv.req('GET', `/v1/subjects/${early.id}/consents/processing`, { as: 'app' }), 200);
		assert.equal(c.granted, true);
		assert.equal(c.policy_version, '2');
		assert.equal(c.reconsent_required, false);
		const other = assertJson(await srv.req('GET', `/v1/subjects/${early.id}/consents/third_party_transfer`, { as: 'app' }), 200);
		assert.equal(other.reconsent_required, true, 'other purposes still need reconsent');
	});

	ctx.closingTest();
});

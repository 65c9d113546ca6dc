// SPDX-License-Identifier: AGPL-3.0-or-later
// The operator's console: an API key exchanged for a session cookie with CSRF protection, used on the /v1 routes
// as the key's role; sign-out, a revoked key and app keys; and the console's files served with a strict policy.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertJson, assertProblem, forEngines, newPerson, request, TIME_RE, withServer } from './lib/privd.mjs';
import { attach, fileRequest } from './lib/requests.mjs';

/** Signs in with key; resolves to { cookie (name=value), csrf, body, res }. */
async function signIn(srv, key, headers = {}) {
	const res = await request(srv.url, 'POST', '/v1/console/sessions', { json: { key }, headers });
	const body = assertJson(res, 201);
	const setCookie = res.headers.get('set-cookie');
	assert.ok(setCookie, 'sign-in sets a cookie');
	return { cookie: setCookie.split(';')[0], setCookie, csrf: body.csrf, body, res };
}

/** A call with the session's cookie, and its CSRF token when csrf is given. */
function withSession(srv, s, method, p, { csrf, json, body, headers = {} } = {}) {
	const h = { cookie: s.cookie, ...headers };
	if (csrf) h['x-csrf-token'] = csrf;
	return request(srv.url, method, p, { json, body, headers: h });
}

forEngines('console sessions', (engine) => {
	const ctx = withServer(engine);

	it('an operator signs in with their key: 201 {csrf, role, expires_at} and an HttpOnly SameSite=Strict cookie', async () => {
		await ctx.srv.createRoleKeys();
		const s = await signIn(ctx.srv, ctx.srv.keys.operator);
		assert.deepEqual(Object.keys(s.body).sort(), ['csrf', 'expires_at', 'role']);
		assert.equal(s.body.role, 'operator');
		assert.match(s.body.expires_at, TIME_RE);
		assert.ok(Date.parse(s.body.expires_at) > Date.now(), 'expires in the future');
		assert.equal(typeof s.csrf, 'string');
		assert.ok(s.csrf.length >= 32);
		const attrs = s.setCookie.split(';').map((a) => a.trim().toLowerCase());
		assert.match(s.cookie, /^privd_console=[A-Za-z0-9_-]{32,}$/);
		assert.ok(attrs.includes('httponly'), s.setCookie);
		assert.ok(attrs.includes('samesite=strict'), s.setCookie);
		assert.ok(attrs.includes('path=/'), s.setCookie);
		assert.ok(!attrs.includes('secure'), 'no Secure over plain HTTP');
		assert.ok(!s.setCookie.includes(ctx.srv.keys.operator), 'the cookie is not the key');
		assert.ok(!s.res.text.includes(ctx.srv.keys.operator), 'the answer does not repeat the key');
		assert.equal(s.res.headers.get('cache-control'), 'no-store');
	});

	it('over TLS (X-Forwarded-Proto: https from the proxy) the cookie is Secure', async () => {
		const s = await signIn(ctx.srv, ctx.srv.keys.operator, { 'x-forwarded-proto': 'https' });
		assert.ok(s.setCookie.split(';').map((a) => a.trim().toLowerCase()).includes('secure'), s.setCookie);
	});

	it('the session reads as the key role with the cookie alone, and needs X-CSRF-Token to change anything', async () => {
		const srv = ctx.srv;
		const s = await signIn(srv, srv.keys.operator);
		const subj = await srv.registerOk(newPerson());
		const q = await fileRequest(srv, subj.id, 'erase');
		await attach(srv, q.id);
		let r = await withSession(srv, s, 'GET', '/v1/requests?status=received');
		assert.ok(assertJson(r, 200).items.some((i) => i.id === q.id), 'the queue lists the request');
		r = await withSession(srv, s, 'GET', `/v1/requests/${q.id}/document`);
		assert.equal(r.status, 200, 'an operator session opens the scan');
		// POST without the token, with a wrong one: refused, nothing changed
		r = await withSession(srv, s, 'POST', `/v1/requests/${q.id}/decision`, { json: { action: 'accept' } });
		assertProblem(r, 403, 'csrf');
		r = await withSession(srv, s, 'POST', `/v1/requests/${q.id}/decision`,
			{ json: { action: 'accept' }, csrf: 'csrf_' + 'A'.repeat(43) });
		assertProblem(r, 403, 'csrf');
		r = await srv.req('GET', `/v1/requests/${q.id}`, { as: 'operator' });
		assert.equal(assertJson(r, 200).status, 'received', 'the refused calls changed nothing');
		// PATCH and DELETE are guarded too
		r = await withSession(srv, s, 'PATCH', `/v1/subjects/${subj.id}`, { json: { name: 'Other' } });
		assertProblem(r, 403, 'csrf');
		r = await withSession(srv, s, 'DELETE', '/v1/console/sessions/current');
		assertProblem(r, 403, 'csrf');
		// with the token: accepted, then executed
		r = await withSession(srv, s, 'POST', `/v1/requests/${q.id}/decision`,
			{ json: { action: 'accept' }, csrf: s.csrf });
		assert.equal(assertJson(r, 200).status, 'accepted');
		r = await withSession(srv, s, 'POST', `/v1/requests/${q.id}/execute`, { csrf: s.csrf });
		assert.equal(assertJson(r, 200).status, 'completed');
		// another session's token does not fit this one
		const other = await signIn(srv, srv.keys.operator);
		r = await withSession(srv, s, 'PATCH', `/v1/subjects/${subj.id}`, { json: {}, csrf: other.csrf });
		assertProblem(r, 403, 'csrf');
	});

	it('a session has its key role: an auditor session reads the audit log but cannot decide requests', async () => {
		const srv = ctx.srv;
		const s = await signIn(srv, srv.keys.auditor);
		assert.equal(s.body.role, 'auditor');
		let r = await withSession(srv, s, 'GET', '/v1/audit/verify');
		assert.equal(r.status, 200);
		r = await withSession(srv, s, 'GET', '/v1/audit?limit=1000');
		const actions = assertJson(r, 200).items.map((e) => e.action);
		assert.ok(actions.includes('console.signin'), 'sign-ins are audited');
		r = await withSession(srv, s, 'POST', `/v1/requests/${'0'.repeat(32)}/execute`, { csrf: s.csrf });
		assertProblem(r, 403, 'forbidden');
		const admin = await signIn(srv, srv.keys.admin);
		assert.equal(admin.body.role, 'admin');
	});

	it('app keys cannot sign in to the console (403); a wrong key is 401; a bad body names the field', async () => {
		const srv = ctx.srv;
		let r = await request(srv.url, 'POST', '/v1/console/sessions', { json: { key: srv.keys.app } });
		assertProblem(r, 403, 'forbidden');
		assert.equal(r.headers.get('set-cookie'), null, 'no cookie for an app key');
		r = await request(srv.url, 'POST', '/v1/console/sessions', { json: { key: 'pk_' + 'x'.repeat(43) } });
		assertProblem(r, 401, 'unauthorized');
		assert.equal(r.headers.get('set-cookie'), null);
		r = await request(srv.url, 'POST', '/v1/console/sessions', { json: {} });
		assertProblem(r, 422, 'validation', { fields: ['key'] });
		r = await request(srv.url, 'POST', '/v1/console/sessions', { json: { key: 5, extra: 1 } });
		assertProblem(r, 422, 'validation', { fields: ['key', '#2'] }); // an unknown member by its position
	});

	it('a made-up cookie is 401, even on a safe method', async () => {
		const r = await request(ctx.srv.url, 'GET', '/v1/requests', { headers: { cookie: 'privd_console=cs_' + 'A'.repeat(43) } });
		assertProblem(r, 401, 'unauthorized');
	});

	it('sign-out ends the session and clears the cookie; the same cookie then answers 401', async () => {
		const srv = ctx.srv;
		const s = await signIn(srv, srv.keys.operator);
		let r = await withSession(srv, s, 'DELETE', '/v1/console/sessions/current', { csrf: s.csrf });
		assert.equal(r.status, 204);
		const clear = r.headers.get('set-cookie') || '';
		assert.match(clear, /^privd_console=;/);
		assert.match(clear, /Max-Age=0/i);
		r = await withSession(srv, s, 'GET', '/v1/requests');
		assertProblem(r, 401, 'unauthorized');
		r = await srv.req('DELETE', '/v1/console/sessions/current', { as: 'operator' });
		assertProblem(r, 404, 'not-found');
		r = await withSession(srv, s, 'GET', '/v1/audit?limit=1');
		assertProblem(r, 401, 'unauthorized');
	});

	it('revoking the key ends its sessions at once', async () => {
		const srv = ctx.srv;
		const k = assertJson(await srv.req('POST', '/v1/api-keys', { as: 'admin', json: { name: 'op2', role: 'operator' } }), 201);
		const s = await signIn(srv, k.key);
		let r = await withSession(srv, s, 'GET', '/v1/requests');
		assert.equal(r.status, 200);
		r = await srv.req('DELETE', `/v1/api-keys/${k.id}`, { as: 'admin' });
		assert.equal(r.status, 204);
		r = await withSession(srv, s, 'GET', '/v1/requests');
		assertProblem(r, 401, 'unauthorized');
		r = await request(srv.url, 'POST', '/v1/console/sessions', { json: { key: k.key } });
		assertProblem(r, 401, 'unauthorized');
	});

	it('/console/ and /portal/ are served with a strict Content-Security-Policy and revalidating cache headers', async () => {
		const srv = ctx.srv;
		let r = await request(srv.url, 'GET', '/console');
		assert.equal(r.status, 200, 'fetch follows /console to /console/');
		r = await request(srv.url, 'GET', '/console/');
		assert.equal(r.status, 200);
		assert.match(r.headers.get('content-type'), /^text\/html/);
		const csp = r.headers.get('content-security-policy');
		assert.match(csp, /script-src 'self'/);
		assert.match(csp, /default-src 'none'/);
		assert.ok(!/unsafe-inline|'unsafe-eval'|https?:/.test(csp), csp);
		assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/, 'pdf.js\'s WebAssembly decoders may compile here');
		for (const p of ['/i18n/en.json', '/common/base.css']) {
			const other = (await request(srv.url, 'GET', p)).headers.get('content-security-policy');
			assert.match(other, /script-src 'self';/, `${p}: script-src 'self' alone`);
		}
		assert.equal(r.headers.get('cache-control'), 'no-cache');
		assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(r.text), 'no inline script');
		const portal = await request(srv.url, 'GET', '/portal/');
		assert.equal(portal.status, 200);
		assert.equal(portal.headers.get('content-security-policy'), csp, '/portal/ under the same policy');
		assert.equal(portal.headers.get('cache-control'), 'no-cache');
		assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(portal.text), 'no inline script in the portal');
		const etag = r.headers.get('etag');
		r = await request(srv.url, 'GET', '/console/', { headers: { 'if-none-match': etag } });
		assert.equal(r.status, 304);
		for (const p of ['/console/app.js', '/common/base.css', '/i18n/ru.json', '/i18n/en.json']) {
			r = await request(srv.url, 'GET', p);
			assert.equal(r.status, 200, p);
		}
		for (const p of ['/console/../CMakeLists.txt', '/console/.hidden', '/console//app.js', '/console/nope.js',
			'/consoles/app.js', '/i18n/%2e%2e/README.md']) {
			r = await request(srv.url, 'GET', p);
			assert.equal(r.status, 404, p);
		}
	});

	it('GET /v1/consent-stats counts grants and refusals per purpose and week, the current week last', async () => {
		const srv = ctx.srv;
		const week = (b) => {
			const now = new Date();
			const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
			d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
			return b ? d : d.toISOString().slice(0, 10);
		};
		const current = async (purpose) => {
			const r = assertJson(await srv.req('GET', '/v1/consent-stats', { as: 'auditor' }), 200);
			return { body: r, item: r.items.find((i) => i.purpose === purpose && i.week === r.weeks.at(-1)) || { granted: 0, refused: 0 } };
		};
		const subj = await srv.registerOk(newPerson());
		const before = await current('cookies.analytics');
		let r = await srv.req('POST', `/v1/subjects/${subj.id}/consents`,
			{ as: 'app', json: { purpose: 'cookies.analytics', granted: false, source: 'portal' } });
		assert.equal(r.status, 201, r.text);
		const after = await current('cookies.analytics');
		assert.equal(after.body.weeks.length, 12);
		const thisWeek = week();
		const weekNow = after.body.weeks.at(-1);
		// the week may turn between the two readings only on a Monday at midnight: accept either Monday
		assert.ok(weekNow === thisWeek || weekNow === new Date(week(true).getTime() + 7 * 86400000).toISOString().slice(0, 10), weekNow);
		assert.equal(after.item.refused, before.item.refused + 1, 'the refusal is counted this week');
		assert.ok((await current('processing')).item.granted >= 1, 'registrations count as grants of processing');
		for (const it of after.body.items) {
			assert.ok(after.body.weeks.includes(it.week), 'every item is in one of the weeks');
			assert.deepEqual(Object.keys(it).sort(), ['granted', 'purpose', 'refused', 'week']);
		}
		r = assertJson(await srv.req('GET', '/v1/consent-stats?weeks=1', { as: 'operator' }), 200);
		assert.deepEqual(r.weeks, [weekNow]);
		assertProblem(await srv.req('GET', '/v1/consent-stats?weeks=0', { as: 'admin' }), 422, 'validation', { fields: ['weeks'] });
		assertProblem(await srv.req('GET', '/v1/consent-stats?weeks=105', { as: 'admin' }), 422, 'validation', { fields: ['weeks'] });
		assertProblem(await srv.req('GET', '/v1/consent-stats', { as: 'app' }), 403, 'forbidden');
	});

	it('GET /v1/request-stats: received and completed per week, and the median working days to completion', async () => {
		const srv = ctx.srv;
		const r = assertJson(await srv.req('GET', '/v1/request-stats', { as: 'auditor' }), 200);
		assert.equal(r.weeks.length, 12);
		assert.deepEqual(r.items.map((i) => i.week), r.weeks);
		for (const i of r.items) assert.deepEqual(Object.keys(i).sort(), ['completed', 'median_working_days', 'received', 'week']);
		const now = r.items.at(-1);
		// the erasure filed, accepted and executed above, all today: received and completed this week, in 0 working days
		assert.ok(now.received >= 1, JSON.stringify(now));
		assert.ok(now.completed >= 1, JSON.stringify(now));
		assert.equal(now.median_working_days, 0);
		assert.ok(r.items.slice(0, -1).every((i) => i.median_working_days === null || typeof i.median_working_days === 'number'));
		assertProblem(await srv.req('GET', '/v1/request-stats?weeks=0', { as: 'operator' }), 422, 'validation', { fields: ['weeks'] });
		assertProblem(await srv.req('GET', '/v1/request-stats', { as: 'app' }), 403, 'forbidden');
	});

	ctx.closingTest();
});

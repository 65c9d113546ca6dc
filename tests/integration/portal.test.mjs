// SPDX-License-Identifier: AGPL-3.0-or-later
// The person's portal sessions (issue 11): the app asks for a single-use link, the link opens a session cookie
// (HttpOnly, SameSite=Strict, Secure over TLS) scoped to one subject, which lapses after [portal] idle_minutes
// without use; a session reads and acts on its own subject only, and every other subject's id (or request) is
// 404 to it; a change needs the X-Privd-Portal header (CSRF); what a session reads is audited under its own actor.
import assert from 'node:assert/strict';
import { before, it, test } from 'node:test';
import { assertJson, assertProblem, forEngines, newPerson, sleep, TIME_RE, withServer } from './lib/privd.mjs';
import { normPath, privdRoutes } from './lib/routes.mjs';
import { makePng } from './lib/documents.mjs';
import { assertRequest, attach, auditEntries, carryOut, decide, fileRequest } from './lib/requests.mjs';
import { asPortal, COOKIE, openLink, portalLink, portalSession } from './lib/portal.mjs';

const SUBJECT_ROUTES = [
	['GET', '/v1/subjects/{id}'],
	['GET', '/v1/subjects/{id}/consents'],
	['POST', '/v1/subjects/{id}/consents'],
	['POST', '/v1/subjects/{id}/requests'],
	['PUT', '/v1/requests/{id}/document'],
	['GET', '/v1/requests'],
	['GET', '/v1/requests/{id}'],
	['GET', '/v1/requests/{id}/export'],
	['GET', '/v1/subjects/{id}/notifications'],
	['GET', '/v1/subjects/{id}/transfers'],
	['GET', '/v1/portal/session'],
	['DELETE', '/v1/portal/session'],
];

test('`privd routes`: the app asks for portal links; a portal session (role subject) reaches only its routes', async () => {
	const routes = await privdRoutes();
	const link = routes.find((x) => x.method === 'POST' && normPath(x.path) === normPath('/v1/subjects/{id}/portal-sessions'));
	assert.ok(link, 'POST /v1/subjects/{id}/portal-sessions is a route');
	assert.deepEqual(link.roles, ['app']);
	const open = routes.find((x) => x.method === 'GET' && x.path === '/portal/open');
	assert.deepEqual(open?.roles, ['public']);
	const withSubject = routes.filter((x) => x.roles.includes('subject')).map((x) => `${x.method} ${normPath(x.path)}`).sort();
	assert.deepEqual(withSubject, SUBJECT_ROUTES.map(([m, p]) => `${m} ${normPath(p)}`).sort());
});

forEngines('portal sessions', (engine) => {
	const ctx = withServer(engine);
	let me;
	let other;
	let otherReq;
	let cookie;

	before(async () => {
		me = await ctx.srv.registerOk(newPerson());
		other = await ctx.srv.registerOk(newPerson());
		otherReq = await fileRequest(ctx.srv, other.id, 'inquiry', undefined).catch(() => null);
		if (!otherReq) {
			const r = await ctx.srv.req('POST', `/v1/subjects/${other.id}/requests`, { as: 'app', json: { type: 'erase' } });
			otherReq = assertJson(r, 201);
		}
	});

	it('the app gets a link: 201 {url, expires_at}, the URL under /portal/open with a token, lapsing within 30 minutes', async () => {
		const t0 = Date.now();
		const r = await portalLink(ctx.srv, me.id);
		const b = assertJson(r, 201);
		assert.deepEqual(Object.keys(b).sort(), ['expires_at', 'url']);
		const u = new URL(b.url);
		assert.equal(u.pathname, '/portal/open');
		assert.match(u.searchParams.get('token'), /^pl_[A-Za-z0-9_-]{40,}$/);
		assert.match(b.expires_at, TIME_RE);
		const exp = Date.parse(b.expires_at);
		assert.ok(exp > t0 + 29 * 60_000 && exp <= Date.now() + 30 * 60_000 + 1000, `expires_at ${b.expires_at}`);
		assert.equal(r.headers.get('cache-control'), 'no-store');
	});

	it('only the app asks for links; an unknown subject is 404, a body with members 422', async () => {
		for (const as of ['admin', 'operator', 'auditor']) assertProblem(await portalLink(ctx.srv, me.id, { as }), 403, 'forbidden');
		assertProblem(await ctx.srv.req('POST', `/v1/subjects/${me.id}/portal-sessions`), 401, 'unauthorized');
		assertProblem(await portalLink(ctx.srv, 'f'.repeat(32)), 404, 'not-found');
		assertProblem(await portalLink(ctx.srv, me.id, { json: { subject: other.id } }), 422, 'validation', { fields: ['#1'] });
	});

	it('the link opens once: 303 to /portal/ with the cookie HttpOnly, SameSite=Strict, Path=/ (Secure only over TLS); again it is 404', async () => {
		const l = assertJson(await portalLink(ctx.srv, me.id), 201);
		const o = await openLink(ctx.srv, l.url);
		assert.equal(o.status, 303);
		assert.equal(o.headers.get('location'), '/portal/');
		assert.equal(o.headers.get('cache-control'), 'no-store');
		assert.equal(o.headers.get('referrer-policy'), 'no-referrer');
		const parts = o.setCookie.split(';').map((x) => x.trim());
		assert.match(parts[0], new RegExp(`^${COOKIE}=ps_[A-Za-z0-9_-]{40,}$`));
		assert.ok(parts.includes('HttpOnly'), o.setCookie);
		assert.ok(parts.includes('SameSite=Strict'), o.setCookie);
		assert.ok(parts.includes('Path=/'), o.setCookie);
		assert.ok(!parts.includes('Secure'), 'not Secure over plain HTTP');
		cookie = parts[0].split('=')[1];

		const again = await openLink(ctx.srv, l.url);
		assert.equal(again.status, 404);
		assert.equal(again.setCookie, null, 'a used link sets no cookie');
		assert.match(again.headers.get('content-type'), /^text\/html/);
		assert.match(again.text, /no longer works/);
		assert.match(again.headers.get('content-security-policy'), /default-src 'none'/);

		const bad = await openLink(ctx.srv, `${ctx.srv.url}/portal/open?token=pl_${'A'.repeat(43)}`);
		assert.equal(bad.status, 404);
		assert.equal((await openLink(ctx.srv, `${ctx.srv.url}/portal/open`)).status, 404);
	});

	it('behind a TLS proxy (X-Forwarded-Proto: https) the cookie is Secure', async () => {
		const l = assertJson(await portalLink(ctx.srv, me.id), 201);
		const o = await openLink(ctx.srv, l.url, { 'x-forwarded-proto': 'https' });
		assert.equal(o.status, 303);
		assert.ok(o.setCookie.split(';').map((x) => x.trim()).includes('Secure'), o.setCookie);
	});

	it('the session reads its own subject: who it is, the decrypted data, consents, requests and notifications', async () => {
		const s = assertJson(await asPortal(ctx.srv, cookie, 'GET', '/v1/portal/session'), 200);
		assert.equal(s.subject_id, me.id);
		assert.match(s.expires_at, TIME_RE);
		assert.deepEqual(s.document, { max_bytes: 10485760, types: ['application/pdf', 'image/jpeg', 'image/png', 'image/tiff'] },
			'the server\'s rules for a scan, which the page checks before uploading');
		const p = assertJson(await asPortal(ctx.srv, cookie, 'GET', `/v1/subjects/${me.id}`), 200);
		assert.equal(p.id, me.id);
		assert.equal(typeof p.email, 'string');
		const c = assertJson(await asPortal(ctx.srv, cookie, 'GET', `/v1/subjects/${me.id}/consents`), 200);
		assert.ok(Array.isArray(c.history) && c.history.length > 0);
		const q = assertJson(await asPortal(ctx.srv, cookie, 'GET', '/v1/requests'), 200);
		assert.deepEqual(q.items, []);
		assertJson(await asPortal(ctx.srv, cookie, 'GET', `/v1/subjects/${me.id}/notifications`), 200);
	});

	it('a change needs X-Privd-Portal: 1 (403 csrf without it); with it the person files an erasure with a PNG scan and sees it listed', async () => {
		const no = await asPortal(ctx.srv, cookie, 'POST', `/v1/subjects/${me.id}/requests`, { json: { type: 'erase' }, csrf: false });
		assertProblem(no, 403, 'csrf');
		const wrong = await asPortal(ctx.srv, cookie, 'POST', `/v1/subjects/${me.id}/requests`,
			{ json: { type: 'erase' }, csrf: false, headers: { 'x-privd-portal': '0' } });
		assertProblem(wrong, 403, 'csrf');
		const q = assertRequest(assertJson(await asPortal(ctx.srv, cookie, 'POST', `/v1/subjects/${me.id}/requests`,
			{ json: { type: 'erase' } }), 201), { type: 'erase', status: 'awaiting_document', subjectId: me.id });
		const noDoc = await asPortal(ctx.srv, cookie, 'PUT', `/v1/requests/${q.id}/document`,
			{ body: makePng(), headers: { 'content-type': 'image/png' }, csrf: false });
		assertProblem(noDoc, 403, 'csrf');
		const d = assertJson(await asPortal(ctx.srv, cookie, 'PUT', `/v1/requests/${q.id}/document`,
			{ body: makePng(), headers: { 'content-type': 'image/png' } }), 200);
		assert.equal(d.status, 'received');
		const list = assertJson(await asPortal(ctx.srv, cookie, 'GET', '/v1/requests'), 200);
		assert.deepEqual(list.items.map((x) => x.id), [q.id]);
		assert.equal(assertJson(await asPortal(ctx.srv, cookie, 'GET', `/v1/requests/${q.id}`), 200).status, 'received');
	});

	it('the person changes a cookie category themselves (source portal, from the address they call from); other purposes are refused', async () => {
		const r = assertJson(await asPortal(ctx.srv, cookie, 'POST', `/v1/subjects/${me.id}/consents`,
			{ json: { purpose: 'cookies.analytics', granted: true, source: 'api', ip: '203.0.113.9' } }), 201);
		assert.equal(r.purpose, 'cookies.analytics');
		assert.equal(r.granted, true);
		assert.equal(r.source, 'portal');
		const check = assertJson(await ctx.srv.req('GET', `/v1/subjects/${me.id}/consents/cookies.analytics`, { as: 'app' }), 200);
		assert.equal(check.granted, true);
		const hist = assertJson(await ctx.srv.req('GET', `/v1/subjects/${me.id}/consents`, { as: 'operator' }), 200);
		const last = hist.history.filter((x) => x.purpose === 'cookies.analytics').at(-1);
		assert.equal(last.ip, '127.0.0.1', 'the address the call came from, not the body\'s');
		assertJson(await asPortal(ctx.srv, cookie, 'POST', `/v1/subjects/${me.id}/consents`,
			{ json: { purpose: 'cookies.analytics', granted: false } }), 201);
		assertProblem(await asPortal(ctx.srv, cookie, 'POST', `/v1/subjects/${me.id}/consents`,
			{ json: { purpose: 'processing', granted: false } }), 422, 'validation', { fields: ['purpose'] });
		assertProblem(await asPortal(ctx.srv, cookie, 'POST', `/v1/subjects/${me.id}/consents`,
			{ json: { purpose: 'cookies.marketing', granted: true }, csrf: false }), 403, 'csrf');
	});

	it('every other subject id, and another subject\'s request, is 404 to the session on every route that names one', async () => {
		const o = other.id;
		const r = otherReq.id;
		const calls = [
			['GET', `/v1/subjects/${o}`], ['PATCH', `/v1/subjects/${o}`, { name: 'X' }],
			['GET', `/v1/subjects/${o}/consents`], ['POST', `/v1/subjects/${o}/consents`, { purpose: 'processing', granted: false }],
			['GET', `/v1/subjects/${o}/consents/processing`],
			['POST', `/v1/subjects/${o}/requests`, { type: 'erase' }], ['GET', `/v1/subjects/${o}/notifications`],
			['POST', `/v1/subjects/${o}/legal-hold`, { hold: true, reason: 'x' }],
			['POST', `/v1/subjects/${o}/portal-sessions`],
			['GET', `/v1/requests/${r}`], ['PUT', `/v1/requests/${r}/document`], ['GET', `/v1/requests/${r}/document`],
			['POST', `/v1/requests/${r}/decision`, { action: 'accept' }], ['POST', `/v1/requests/${r}/execute`],
			['POST', `/v1/requests/${r}/answer`, { answer: 'x' }], ['GET', `/v1/requests/${r}/export`],
			['GET', `/v1/requests?subject_id=${o}`],
			['GET', `/v1/subjects/${'0'.repeat(32)}`], ['GET', `/v1/requests/${'0'.repeat(32)}`],
		];
		const details = new Set();
		for (const [m, p, json] of calls) {
			const res = await asPortal(ctx.srv, cookie, m, p, { json });
			assertProblem(res, 404, 'not-found');
			details.add(res.json.detail);
		}
		assert.equal(details.size, 1, 'another person\'s id answers exactly as an id that does not exist');
		// nothing of the other person was read
		const entries = await auditEntries(ctx.srv);
		assert.ok(!entries.some((e) => e.actor.startsWith('portal:') && e.object_id === o), 'no portal audit entry on the other subject');
	});

	it('its own subject on routes a session may not call is 403; routes of no subject are 403; without a cookie 401', async () => {
		assertProblem(await asPortal(ctx.srv, cookie, 'PATCH', `/v1/subjects/${me.id}`, { json: { name: 'X' } }), 403, 'forbidden');
		assertProblem(await asPortal(ctx.srv, cookie, 'POST', `/v1/subjects/${me.id}/legal-hold`, { json: { hold: true, reason: 'x' } }), 403, 'forbidden');
		assertProblem(await asPortal(ctx.srv, cookie, 'POST', `/v1/subjects/${me.id}/portal-sessions`), 403, 'forbidden');
		assertProblem(await asPortal(ctx.srv, cookie, 'GET', '/v1/audit'), 403, 'forbidden');
		assertProblem(await asPortal(ctx.srv, cookie, 'GET', '/v1/notifications'), 403, 'forbidden');
		assertProblem(await asPortal(ctx.srv, cookie, 'GET', '/v1/api-keys'), 403, 'forbidden');
		assertProblem(await asPortal(ctx.srv, 'ps_nope', 'GET', `/v1/subjects/${me.id}`), 401, 'unauthorized');
		assertProblem(await ctx.srv.req('GET', '/v1/portal/session'), 401, 'unauthorized');
		assertProblem(await ctx.srv.req('GET', '/v1/portal/session', { as: 'app' }), 403, 'forbidden');
	});

	it('the audit log names the link, its opening and each read of the person\'s data by the session', async () => {
		const entries = await auditEntries(ctx.srv);
		const mine = entries.filter((e) => e.object_id === me.id);
		assert.ok(mine.some((e) => e.action === 'portal.link' && e.actor.startsWith('apikey:')));
		const opened = mine.filter((e) => e.action === 'portal.open');
		assert.ok(opened.length >= 1);
		assert.match(opened[0].actor, /^portal:[0-9a-f]{32}$/);
		assert.ok(mine.some((e) => e.action === 'subject.read' && e.actor.startsWith('portal:')), 'the read of the data is audited');
		for (const e of entries) assert.ok(!JSON.stringify(e).includes('ps_') && !JSON.stringify(e).includes('pl_'), 'no token in the audit log');
	});

	it('signing out needs the header, ends the session and clears the cookie', async () => {
		const c = await portalSession(ctx.srv, me.id);
		assertProblem(await asPortal(ctx.srv, c, 'DELETE', '/v1/portal/session', { csrf: false }), 403, 'csrf');
		const d = await asPortal(ctx.srv, c, 'DELETE', '/v1/portal/session');
		assert.equal(d.status, 204);
		assert.match(d.headers.get('set-cookie'), new RegExp(`^${COOKIE}=;.*Max-Age=0`));
		assertProblem(await asPortal(ctx.srv, c, 'GET', '/v1/portal/session'), 401, 'unauthorized');
	});

	it('once the person is erased, their session and their unopened links stop working', async () => {
		const p = await ctx.srv.registerOk(newPerson());
		const c = await portalSession(ctx.srv, p.id);
		const l = assertJson(await portalLink(ctx.srv, p.id), 201);
		assertJson(await asPortal(ctx.srv, c, 'GET', `/v1/subjects/${p.id}`), 200);
		await carryOut(ctx.srv, p.id, 'erase');
		assertProblem(await asPortal(ctx.srv, c, 'GET', `/v1/subjects/${p.id}`), 401, 'unauthorized');
		assertProblem(await portalLink(ctx.srv, p.id), 410, 'gone');
		const o = await openLink(ctx.srv, l.url);
		assert.equal(o.status, 303, 'the link itself opens (it is single-use, not tied to the data)');
		const m = new RegExp(`^${COOKIE}=([^;]+)`).exec(o.setCookie);
		assertProblem(await asPortal(ctx.srv, m[1], 'GET', '/v1/portal/session'), 401, 'unauthorized');
	});

	ctx.closingTest();
});

forEngines('portal sessions lapse when idle ([portal] idle_minutes)', (engine) => {
	// 0.2 minute: 12 seconds, so a machine busy for a few seconds does not end a session in use
	const ctx = withServer(engine, { serve: { env: { PRIVD_PORTAL_IDLE_MINUTES: '0.2' } } });
	let me;

	before(async () => { me = await ctx.srv.registerOk(newPerson()); });

	it('a session in use stays open past the idle time, an unopened link lapses, and a session left alone ends', async () => {
		const l = assertJson(await portalLink(ctx.srv, me.id), 201);
		const exp = Date.parse(l.expires_at);
		assert.ok(exp - Date.now() <= 12_500 && exp - Date.now() > 10_000, `expires_at ${l.expires_at} is about 12 s away`);
		const c = await portalSession(ctx.srv, me.id);
		const t0 = Date.now();
		while (Date.now() - t0 < 15_000) {
			assertJson(await asPortal(ctx.srv, c, 'GET', '/v1/portal/session'), 200);
			await sleep(1000);
		}
		const o = await openLink(ctx.srv, l.url);
		assert.equal(o.status, 404, 'the link lapsed unopened');
		assert.equal(o.setCookie, null);
		await sleep(14_000);
		assertProblem(await asPortal(ctx.srv, c, 'GET', `/v1/subjects/${me.id}`), 401, 'unauthorized');
	});

	ctx.closingTest();
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// The authorisation matrix: every route of the router's own table (`privd routes`) against every caller: a key of
// each role (app, operator, auditor, admin), no credentials, a revoked key, malformed Authorization headers, the
// person's portal session on its own subject and on another's, and a console session. The status each must get is
// derived from the same table's roles column: the route's success status for a role it lists, 403 for a key or
// session whose role it does not list, 401 without a valid credential, 404 for a portal session naming another
// person's subject or request (as if it did not exist); a public route answers everyone alike. The table must agree
// with docs/api.md and docs/openapi.yaml's x-roles, and every route needs a rule below saying how to call it with
// success: a route added without one fails here.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it, test } from 'node:test';
import { makePdf } from './lib/documents.mjs';
import {
	assertJson, assertProblem, forEngines, newPerson, piiOf, request, ROLES, withServer,
} from './lib/privd.mjs';
import { COOKIE, portalSession } from './lib/portal.mjs';
import { startRecipient } from './lib/recipient.mjs';
import { attach, decide, execute } from './lib/requests.mjs';
import { apiRoutes, normPath, openapiRoutes, privdRoutes } from './lib/routes.mjs';

const ORIGIN = 'https://shop.example';
// webhooks to a closed port of the loopback host: nothing listens, nothing leaves the machine
const ENV = { PRIVD_COOKIES_ORIGINS: ORIGIN, PRIVD_COOKIES_RATE_LIMIT: '0', PRIVD_WEBHOOKS_ALLOW_HTTP: 'true' };
const HOOK = { url: 'http://127.0.0.1:9/hook', events: ['request.filed'] };
const key = (r) => `${r.method} ${normPath(r.path)}`;
const sorted = (a) => [...a].sort();

test('`privd routes`, docs/api.md and docs/openapi.yaml (x-roles) give every route the same roles', async () => {
	const served = new Map((await privdRoutes()).map((r) => [key(r), sorted(r.roles)]));
	for (const [what, list] of [['docs/api.md', await apiRoutes()], ['docs/openapi.yaml', (await openapiRoutes()).routes]]) {
		const got = new Map(list.map((r) => [key(r), sorted(r.roles || [])]));
		assert.deepEqual(sorted(got.keys()), sorted(served.keys()), `${what} lists the routes privd serves`);
		for (const [k, roles] of served) assert.deepEqual(got.get(k), roles, `${what}: the roles of ${k}`);
	}
});

// ---- the rules: how an allowed caller calls each route with success ------------------------------------------
// ok: the status then (or a function of the caller); path(ids): the path, from the ids of the caller's subject;
// json/body/headers(ids): what is sent; prep(ctx, ids, caller): makes what one successful call uses up (a fresh
// request, key, incident...) and returns the ids to use, run only for callers expected to succeed.

const grantBody = { purpose: 'cookies.analytics', granted: true, ip: '198.51.100.5' };
const fresh = () => randomBytes(4).toString('hex');

function rules(m) {
	const subj = (tail = '') => (ids) => `/v1/subjects/${ids.subject}${tail}`;
	const req = (tail = '') => (ids) => `/v1/requests/${ids.request}${tail}`;
	const inc = (tail = '') => (ids) => `/v1/incidents/${ids.incident}${tail}`;
	const newRequest = (type, stage) => async (ctx, ids) => ({ ...ids, request: await m.request(ids.subject, type, stage) });
	return {
		'GET /healthz': { ok: 200 },
		'GET /readyz': { ok: 200 },
		'GET /metrics': { ok: 200 },
		'GET /privacy': { ok: 200 },
		'GET /consent/{}': { ok: 200, path: () => '/consent/processing' },
		'GET /v1/policies/current': { ok: 200 },
		'POST /v1/policies': { ok: 201, json: () => ({ version: `m${fresh()}`, language: 'en', text: '# Policy\n\nText.' }) },
		'GET /v1/consent-texts/current': { ok: 200, path: () => '/v1/consent-texts/current?purpose=processing' },
		'POST /v1/consent-texts': {
			ok: 201, json: () => ({ purpose: 'processing', version: `m${fresh()}`, language: 'en', text: '# Consent\n\nText.' }),
		},
		'POST /v1/api-keys': { ok: 201, json: () => ({ name: `k${fresh()}`, role: 'app' }) },
		'GET /v1/api-keys': { ok: 200 },
		'DELETE /v1/api-keys/{}': {
			ok: 204, path: (ids) => `/v1/api-keys/${ids.key}`, prep: async (ctx, ids) => ({ ...ids, key: await m.apiKey() }),
		},
		'POST /v1/subjects': { ok: 201, json: () => m.person() },
		'GET /v1/subjects': { ok: 200, path: () => `/v1/subjects?email=${encodeURIComponent('nobody@example.org')}` },
		'GET /v1/subjects/{}': { ok: 200, path: subj() },
		'PATCH /v1/subjects/{}': { ok: 200, path: subj(), json: () => ({ name: `Пётр Ролевой ${fresh()}` }) },
		'POST /v1/subjects/{}/consents': { ok: 201, path: subj('/consents'), json: () => grantBody },
		'GET /v1/subjects/{}/consents': { ok: 200, path: subj('/consents') },
		'GET /v1/subjects/{}/consents/{}': { ok: 200, path: subj('/consents/processing') },
		'POST /v1/consent-checks': { ok: 200, json: (ids) => ({ checks: [{ subject_id: ids.subject, purpose: 'processing' }] }) },
		'GET /v1/audit': { ok: 200, path: () => '/v1/audit?limit=5' },
		'GET /v1/audit/verify': { ok: 200 },
		'POST /v1/subjects/{}/requests': { ok: 201, path: subj('/requests'), json: () => ({ type: 'access' }) },
		'PUT /v1/requests/{}/document': {
			ok: 200, path: req('/document'), body: () => makePdf(), headers: () => ({ 'content-type': 'application/pdf' }),
			prep: newRequest('access', 'filed'),
		},
		'GET /v1/requests': { ok: 200 },
		'GET /v1/requests/{}': { ok: 200, path: req() },
		'GET /v1/requests/{}/document': { ok: 200, path: req('/document') },
		'POST /v1/requests/{}/decision': {
			ok: 200, path: req('/decision'), json: () => ({ action: 'accept' }), prep: newRequest('access', 'received'),
		},
		'POST /v1/requests/{}/execute': { ok: 200, path: req('/execute'), prep: newRequest('access', 'accepted') },
		'POST /v1/requests/{}/answer': {
			ok: 200, path: req('/answer'), json: () => ({ text: 'Никому.' }), prep: newRequest('inquiry', 'received'),
		},
		'GET /v1/requests/{}/export': { ok: 200, path: (ids) => `/v1/requests/${ids.completed}/export` },
		'GET /v1/subjects/{}/notifications': { ok: 200, path: subj('/notifications') },
		'POST /v1/subjects/{}/legal-hold': { ok: 200, path: subj('/legal-hold'), json: () => ({ hold: false }) },
		'GET /v1/destruction-records': { ok: 200 },
		'GET /v1/destruction-records/{}': { ok: 200, path: () => `/v1/destruction-records/${m.ids.destruction}` },
		'GET /v1/notifications': { ok: 200 },
		'POST /v1/recipients': { ok: 201, json: () => m.recipientBody() },
		'GET /v1/recipients': { ok: 200 },
		'GET /v1/recipients/{}': { ok: 200, path: () => `/v1/recipients/${m.ids.recipient}` },
		'PATCH /v1/recipients/{}': {
			ok: 200, path: () => `/v1/recipients/${m.ids.recipient}`, json: () => ({ name: `ООО «Доставка ${fresh()}»` }),
		},
		'DELETE /v1/recipients/{}': {
			ok: 200, path: (ids) => `/v1/recipients/${ids.recipient}`,
			prep: async (ctx, ids) => ({ ...ids, recipient: await m.recipient() }),
		},
		'POST /v1/transfers': {
			ok: 201,
			json: (ids) => ({ recipient_id: m.ids.recipient, subject_ids: [ids.subject], fields: ['name'], legal_basis: 'law',
				reference: 'Art. 6 p.1(2)' }),
		},
		'GET /v1/transfers': { ok: 200 },
		'GET /v1/transfers/{}': { ok: 200, path: () => `/v1/transfers/${m.ids.transfer}` },
		'GET /v1/subjects/{}/transfers': { ok: 200, path: subj('/transfers') },
		'GET /v1/exports/aggregate': { ok: 200, path: () => '/v1/exports/aggregate?by=residence_country&k=5' },
		'GET /consent.js': { ok: 200 },
		'GET /v1/cookie-config': { ok: 200 },
		'PUT /v1/cookie-config': { ok: 200, json: () => ({ categories: m.cookieCategories }) },
		'POST /v1/cookie-consents': {
			ok: 201, headers: () => ({ origin: ORIGIN }),
			json: () => m.choice(randomBytes(16).toString('hex')),
		},
		'OPTIONS /v1/cookie-consents': {
			ok: 204, headers: () => ({ origin: ORIGIN, 'access-control-request-method': 'POST' }),
		},
		'GET /v1/cookie-consents/{}': { ok: 200, path: () => `/v1/cookie-consents/${m.ids.visitor}`, headers: () => ({ origin: ORIGIN }) },
		'OPTIONS /v1/cookie-consents/{}': {
			ok: 204, path: () => `/v1/cookie-consents/${m.ids.visitor}`,
			headers: () => ({ origin: ORIGIN, 'access-control-request-method': 'GET' }),
		},
		'POST /v1/console/sessions': { ok: 201, json: () => ({ key: m.keys.operator }) },
		// a bearer key has no console session to end: 404; a console session ends its own (a fresh one each time)
		'DELETE /v1/console/sessions/current': { ok: (c) => (c.kind === 'console' ? 204 : 404), freshConsole: true },
		'GET /v1/consent-stats': { ok: 200 },
		'POST /v1/subjects/{}/portal-sessions': { ok: 201, path: subj('/portal-sessions'), json: () => ({}) },
		'GET /v1/portal/session': { ok: 200 },
		'DELETE /v1/portal/session': { ok: 204, freshPortal: true },
		'GET /portal/open': {
			ok: 303, path: (ids) => `/portal/open?token=${ids.token}`, prep: async (ctx, ids) => ({ ...ids, token: await m.link() }),
		},
		'POST /v1/incidents': {
			ok: 201,
			json: (ids) => ({ detected_at: new Date(Date.now() - 3600_000).toISOString(), description: 'A laptop was lost.',
				data_categories: ['email'], scope: { subject_ids: [ids.subject] } }),
		},
		'GET /v1/incidents': { ok: 200 },
		'GET /v1/incidents/{}': { ok: 200, path: inc() },
		'PATCH /v1/incidents/{}': { ok: 200, path: inc(), json: () => ({ measures: `measures ${fresh()}` }) },
		'POST /v1/incidents/{}/regulator-reports': {
			ok: 201, path: inc('/regulator-reports'), json: () => ({ kind: 'initial', sent_at: new Date().toISOString(), reference: 'RKN-0001' }),
			prep: async (ctx, ids) => ({ ...ids, incident: await m.incident() }),
		},
		'GET /v1/incidents/{}/regulator-notice': { ok: 200, path: inc('/regulator-notice?kind=initial') },
		'POST /v1/incident-scope-count': { ok: 200, json: (ids) => ({ scope: { subject_ids: [ids.subject] } }) },
		'GET /v1/request-stats': { ok: 200, path: () => '/v1/request-stats?weeks=4' },
		'POST /v1/webhooks': { ok: 201, json: () => HOOK },
		'GET /v1/webhooks': { ok: 200 },
		'DELETE /v1/webhooks/{}': {
			ok: 204, path: (ids) => `/v1/webhooks/${ids.webhook ?? m.ids.webhook}`, prep: async (ctx, ids) => ({ ...ids, webhook: await m.webhook() }),
		},
		'GET /v1/webhooks/{}/deliveries': { ok: 200, path: () => `/v1/webhooks/${m.ids.webhook}/deliveries` },
	};
}

// ---- the callers ---------------------------------------------------------------------------------------------

const CALLERS = [
	...ROLES.map((role) => ({ name: `${role} key`, kind: 'key', role })),
	{ name: 'no credentials', kind: 'none' },
	{ name: 'a revoked key', kind: 'revoked' },
	{ name: 'Authorization: Basic', kind: 'malformed', header: (k) => `Basic ${Buffer.from(`x:${k}`).toString('base64')}` },
	{ name: 'Authorization: Bearer (no key)', kind: 'malformed', header: () => 'Bearer ' },
	{ name: 'Authorization: a key of another scheme', kind: 'malformed', header: (k) => `Token ${k}` },
	{ name: 'Authorization: a key cut short', kind: 'malformed', header: (k) => `Bearer ${k.slice(0, -2)}` },
	{ name: 'a portal session, its own subject', kind: 'portal', other: false },
	{ name: 'a portal session, another subject', kind: 'portal', other: true },
	{ name: 'a console session (operator)', kind: 'console', role: 'operator' },
];

/** Whether the path names a subject or a request, the things a portal session is scoped to. */
const scoped = (tmpl) => /^\/v1\/(subjects|requests)\/\{/.test(tmpl);

/** The status caller c must get on route rt (roles from `privd routes`) with rule. */
function expected(rt, rule, c) {
	const ok = typeof rule.ok === 'function' ? rule.ok(c) : rule.ok;
	if (rt.roles.includes('public')) return ok;
	switch (c.kind) {
	case 'key':
	case 'console':
		return rt.roles.includes(c.role) ? ok : 403;
	case 'portal':
		if (c.other && scoped(rt.path)) return 404;
		return rt.roles.includes('subject') ? ok : 403;
	default:
		return 401;
	}
}

forEngines('authorisation matrix', (engine) => {
	const ctx = withServer(engine, { serve: { env: ENV } });
	const m = { ids: {}, keys: {} };
	let routes;
	let rcpt;
	let probes = 0;

	/** A person registered under the current policy. */
	m.person = async () => {
		const cur = await ctx.srv.req('GET', '/v1/policies/current');
		const p = newPerson({ policy_version: cur.json.version });
		ctx.srv.pii.push(...piiOf(p));
		return p;
	};
	m.register = async () => assertJson(await ctx.srv.req('POST', '/v1/subjects', { as: 'admin', json: await m.person() }), 201).id;
	/** A request of subject of type, taken to stage: filed, received (a scan attached), accepted or completed. */
	m.request = async (subject, type, stage) => {
		const json = type === 'inquiry' ? { type, question: 'Кому передавались мои данные?' } : { type };
		const q = assertJson(await ctx.srv.req('POST', `/v1/subjects/${subject}/requests`, { as: 'app', json }), 201);
		if (stage === 'filed') return q.id;
		if (q.status === 'awaiting_document') await attach(ctx.srv, q.id);
		if (stage === 'received') return q.id;
		assertJson(await decide(ctx.srv, q.id, { action: 'accept' }), 200);
		if (stage === 'accepted') return q.id;
		assertJson(await execute(ctx.srv, q.id), 200);
		return q.id;
	};
	m.apiKey = async () => assertJson(await ctx.srv.req('POST', '/v1/api-keys', { as: 'admin', json: { name: `v${fresh()}`, role: 'app' } }), 201).id;
	m.recipientBody = () => ({
		name: 'ООО «Доставка»', purpose: 'Delivery of orders', country: 'RU', endpoint: rcpt.url, public_key: rcpt.publicKey,
		confidentiality_ref: 'NDA-2026/17', fields_allowed: ['name', 'email'],
	});
	m.recipient = async () => assertJson(await ctx.srv.req('POST', '/v1/recipients', { as: 'admin', json: m.recipientBody() }), 201).id;
	m.incident = async () => assertJson(await ctx.srv.req('POST', '/v1/incidents', {
		as: 'operator',
		json: { detected_at: new Date(Date.now() - 3600_000).toISOString(), description: 'A laptop was lost.',
			data_categories: ['email'], scope: { subject_ids: [m.ids.subject] } },
	}), 201).id;
	m.webhook = async () => assertJson(await ctx.srv.req('POST', '/v1/webhooks', { as: 'admin', json: HOOK }), 201).id;
	m.link = async () => {
		const l = assertJson(await ctx.srv.req('POST', `/v1/subjects/${m.ids.subject}/portal-sessions`, { as: 'app', json: {} }), 201);
		return new URL(l.url).searchParams.get('token');
	};
	/** A visitor's cookie choice under the banner's current policy version. */
	m.choice = async (visitor) => ({
		visitor_id: visitor, categories: { preferences: false, analytics: true, marketing: false },
		policy_version: assertJson(await ctx.srv.req('GET', '/v1/cookie-config'), 200).policy_version,
	});
	m.console = async (role) => {
		const r = await request(ctx.srv.url, 'POST', '/v1/console/sessions', { json: { key: ctx.srv.keys[role] } });
		const b = assertJson(r, 201);
		return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: b.csrf };
	};

	before(async () => {
		const srv = ctx.srv;
		routes = await privdRoutes();
		m.keys = srv.keys;
		rcpt = await startRecipient();
		m.ids.subject = await m.register();
		m.ids.other = await m.register();
		m.ids.request = await m.request(m.ids.subject, 'access', 'received');
		m.ids.otherRequest = await m.request(m.ids.other, 'access', 'received');
		m.ids.completed = await m.request(m.ids.subject, 'access', 'completed');
		m.ids.otherCompleted = await m.request(m.ids.other, 'access', 'completed');
		m.ids.incident = await m.incident();
		m.ids.recipient = await m.recipient();
		m.ids.webhook = await m.webhook();
		m.ids.transfer = assertJson(await srv.req('POST', '/v1/transfers', {
			as: 'operator',
			json: { recipient_id: m.ids.recipient, subject_ids: [m.ids.subject], fields: ['name'], legal_basis: 'law', reference: 'Art. 6' },
		}), 201).id;
		const erased = await m.register();
		await m.request(erased, 'erase', 'completed');
		const d = assertJson(await srv.req('GET', `/v1/destruction-records?subject_id=${erased}`, { as: 'operator' }), 200);
		assert.equal(d.items.length, 1, 'the erasure made a destruction record');
		m.ids.destruction = d.items[0].id;
		m.ids.visitor = randomBytes(16).toString('hex');
		assertJson(await request(srv.url, 'POST', '/v1/cookie-consents', {
			headers: { origin: ORIGIN },
			json: await m.choice(m.ids.visitor),
		}), 201);
		m.cookieCategories = assertJson(await srv.req('GET', '/v1/cookie-config'), 200).categories;
		const rev = assertJson(await srv.req('POST', '/v1/api-keys', { as: 'admin', json: { name: 'revoked', role: 'admin' } }), 201);
		assert.equal((await srv.req('DELETE', `/v1/api-keys/${rev.id}`, { as: 'admin' })).status, 204);
		m.revoked = rev.key;
		m.portal = await portalSession(srv, m.ids.subject);
		m.consoleSession = await m.console('operator');
	});

	after(async () => {
		if (rcpt) await rcpt.close();
	});

	/** Sends one probe: the route called by caller c with the rule's request; resolves to the response. */
	async function probe(rt, rule, c, succeeds) {
		const own = { subject: m.ids.subject, request: m.ids.request, completed: m.ids.completed, incident: m.ids.incident };
		let ids = c.kind === 'portal' && c.other
			? { ...own, subject: m.ids.other, request: m.ids.otherRequest, completed: m.ids.otherCompleted } : own;
		if (succeeds && rule.prep) ids = await rule.prep(ctx, ids, c);
		const p = rule.path ? rule.path(ids) : rt.path;
		const json = rule.json ? await rule.json(ids) : undefined;
		const body = rule.body ? rule.body(ids) : undefined;
		const headers = { ...(rule.headers ? rule.headers(ids) : {}) };
		const change = rt.method !== 'GET' && rt.method !== 'HEAD';
		probes += 1;
		const h = { ...headers };
		switch (c.kind) {
		case 'key':
			h.authorization = `Bearer ${ctx.srv.keys[c.role]}`;
			break;
		case 'revoked':
			h.authorization = `Bearer ${m.revoked}`;
			break;
		case 'malformed':
			h.authorization = c.header(ctx.srv.keys.admin);
			break;
		case 'portal':
			h.cookie = `${COOKIE}=${succeeds && rule.freshPortal ? await portalSession(ctx.srv, m.ids.subject) : m.portal}`;
			if (change) h['x-privd-portal'] = '1';
			break;
		case 'console': {
			const s = succeeds && rule.freshConsole ? await m.console(c.role) : m.consoleSession;
			h.cookie = s.cookie;
			if (change) h['x-csrf-token'] = s.csrf;
			break;
		}
		default:
			break;
		}
		let b = body;
		if (json !== undefined) {
			b = JSON.stringify(json);
			h['content-type'] = 'application/json';
		}
		// a redirect is the answer (the portal's link), not followed
		const res = await fetch(ctx.srv.url + p, { method: rt.method, headers: h, body: b, redirect: 'manual' });
		const text = await res.text();
		let parsed;
		if (/json/.test(res.headers.get('content-type') || '')) {
			try { parsed = JSON.parse(text); } catch { parsed = undefined; }
		}
		return { status: res.status, headers: res.headers, text, json: parsed };
	}

	it('every route has a rule, and every caller gets the status its role is documented to get', async () => {
		const table = rules(m);
		const missing = routes.filter((rt) => !table[key(rt)]).map(key);
		assert.deepEqual(missing, [], 'routes without a rule in tests/integration/roles.test.mjs (add one)');
		const failures = [];
		for (const rt of routes) {
			const rule = table[key(rt)];
			for (const c of CALLERS) {
				if (c.kind === 'portal' && c.other && !scoped(rt.path) && !rt.roles.includes('public')) continue; // as its own
				const want = expected(rt, rule, c);
				const r = await probe(rt, rule, c, want < 400);
				if (r.status !== want) {
					failures.push(`${rt.method} ${rt.path} with ${c.name}: expected ${want}, got ${r.status} ${r.text.slice(0, 160)}`);
					continue;
				}
				if (want === 401) {
					assertProblem(r, 401, 'unauthorized');
					assert.match(r.headers.get('www-authenticate') || '', /^Bearer/, `${rt.method} ${rt.path} with ${c.name}: WWW-Authenticate`);
				} else if (want === 403) {
					assertProblem(r, 403, 'forbidden');
				} else if (want === 404 && c.kind === 'portal') {
					assertProblem(r, 404, 'not-found');
				}
			}
		}
		assert.deepEqual(failures, [], `${failures.length} of ${probes} probes got another status`);
		console.log(`authorisation matrix (${engine}): ${probes} probes over ${routes.length} routes and ${CALLERS.length} callers`);
	});

	it('authentication comes before parsing: no key and a malformed body is 401, not 400', async () => {
		const r = await request(ctx.srv.url, 'POST', '/v1/subjects', { body: '{"name":', headers: { 'content-type': 'application/json' } });
		assertProblem(r, 401, 'unauthorized');
	});

	it('a refused call changes nothing: a registration refused with 403 stores no one, a refused revocation revokes nothing', async () => {
		const p = await m.person();
		assertProblem(await ctx.srv.req('POST', '/v1/subjects', { as: 'operator', json: p }), 403, 'forbidden');
		const f = assertJson(await ctx.srv.req('GET', `/v1/subjects?email=${encodeURIComponent(p.email)}`, { as: 'admin' }), 200);
		assert.deepEqual(f.items, []);
		const victim = await m.apiKey();
		assertProblem(await ctx.srv.req('DELETE', `/v1/api-keys/${victim}`, { as: 'operator' }), 403, 'forbidden');
		const l = assertJson(await ctx.srv.req('GET', '/v1/api-keys?limit=1000', { as: 'admin' }), 200);
		assert.equal(l.items.find((i) => i.id === victim)?.revoked_at, null);
	});

	ctx.closingTest();
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// Every route against every role: allowed roles succeed, other roles get 403, no key or a bad key gets 401.
// The expected table is docs/api.md's; `privd routes` must declare the same roles.
import assert from 'node:assert/strict';
import { before, it, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import {
	assertJson, assertProblem, forEngines, newPerson, piiOf, ROLES, withServer,
} from './lib/privd.mjs';
import { API_ROUTES, normPath, privdRoutes } from './lib/routes.mjs';

test('`privd routes` declares the roles of docs/api.md for every route', async () => {
	const routes = await privdRoutes();
	const got = new Map(routes.map((r) => [`${r.method} ${normPath(r.path)}`, [...r.roles].sort()]));
	for (const [m, p, roles] of API_ROUTES) {
		const k = `${m} ${normPath(p)}`;
		assert.ok(got.has(k), `privd routes lists ${m} ${p}`);
		assert.deepEqual(got.get(k), [...roles].sort(), `roles of ${m} ${p}`);
	}
});

forEngines('roles', (engine) => {
	const ctx = withServer(engine);
	let subject;
	let n = 0;

	before(async () => {
		subject = await ctx.srv.registerOk(newPerson());
	});

	// For each protected route: a request that would succeed for an allowed role, and the status it gets then.
	// make(role) is called once per attempt, so that creating requests do not collide.
	const cases = {
		'POST /v1/policies': {
			ok: 201, make: () => ({ json: { version: `r${++n}-${randomBytes(3).toString('hex')}`, text: '# Policy\n\nText.' } }),
		},
		'POST /v1/consent-texts': {
			ok: 201,
			make: () => ({ json: { purpose: 'processing', version: `r${++n}-${randomBytes(3).toString('hex')}`, language: 'en',
				text: '# Consent\n\nText.' } }),
		},
		'POST /v1/api-keys': { ok: 201, make: () => ({ json: { name: `k${++n}`, role: 'app' } }) },
		'GET /v1/api-keys': { ok: 200, make: () => ({}) },
		'DELETE /v1/api-keys/{id}': {
			ok: 204,
			make: async () => {
				const r = await ctx.srv.req('POST', '/v1/api-keys', { as: 'admin', json: { name: `victim${++n}`, role: 'app' } });
				assert.equal(r.status, 201);
				return { path: `/v1/api-keys/${r.json.id}`, victim: r.json };
			},
		},
		'POST /v1/subjects': {
			ok: 201,
			make: async () => {
				// POST /v1/policies above publishes versions: register under whichever is current.
				const cur = await ctx.srv.req('GET', '/v1/policies/current');
				const p = newPerson({ policy_version: cur.json.version });
				ctx.srv.pii.push(...piiOf(p));
				return { json: p, person: p };
			},
		},
		'GET /v1/subjects': { ok: 200, make: () => ({ path: '/v1/subjects?email=' + encodeURIComponent('x@example.org') }) },
		'GET /v1/subjects/{id}': { ok: 200, make: () => ({ path: `/v1/subjects/${subject.id}` }) },
		'PATCH /v1/subjects/{id}': {
			ok: 200, make: () => ({ path: `/v1/subjects/${subject.id}`, json: { name: `Пётр Ролевой ${++n}` } }),
		},
		'POST /v1/subjects/{id}/consents': {
			ok: 201,
			make: () => ({ path: `/v1/subjects/${subject.id}/consents`, json: { purpose: 'cookies.analytics', granted: true, ip: '198.51.100.5' } }),
		},
		'GET /v1/subjects/{id}/consents': { ok: 200, make: () => ({ path: `/v1/subjects/${subject.id}/consents` }) },
		'GET /v1/subjects/{id}/consents/{purpose}': {
			ok: 200, make: () => ({ path: `/v1/subjects/${subject.id}/consents/processing` }),
		},
		'POST /v1/consent-checks': {
			ok: 200, make: () => ({ json: { checks: [{ subject_id: subject.id, purpose: 'processing' }] } }),
		},
		'GET /v1/audit': { ok: 200, make: () => ({ path: '/v1/audit?limit=5' }) },
		'GET /v1/audit/verify': { ok: 200, make: () => ({}) },
		'PUT /v1/cookie-config': {
			ok: 200,
			make: async () => ({ json: { categories: (await ctx.srv.req('GET', '/v1/cookie-config')).json.categories } }),
		},
	};

	// Public routes whose path needs a parameter to answer 200.
	const publicPaths = {
		'GET /consent/{purpose}': '/consent/processing',
		'GET /v1/consent-texts/current': '/v1/consent-texts/current?purpose=processing',
	};

	for (const [method, tmpl, roles] of API_ROUTES) {
		const key = `${method} ${tmpl}`;
		if (roles.includes('public')) {
			it(`${key} is public: 200 without a key`, async () => {
				const r = await ctx.srv.req(method, publicPaths[key] || tmpl);
				assert.equal(r.status, 200, `${key}: ${r.status} ${r.text.slice(0, 300)}`);
			});
			continue;
		}
		const c = cases[key];
		it(`${key}: ${roles.join(', ')} allowed; ${ROLES.filter((x) => !roles.includes(x)).join(', ')} 403; no or bad key 401`,
			async () => {
				const srv = ctx.srv;
				const send = async (auth) => {
					const m = await c.make();
					const r = await srv.req(method, m.path || tmpl, { ...auth, json: m.json });
					return { r, m };
				};
				for (const role of ROLES) {
					const { r, m } = await send({ as: role });
					if (roles.includes(role)) {
						assert.equal(r.status, c.ok, `${key} as ${role}: expected ${c.ok}, got ${r.status} ${r.text.slice(0, 300)}`);
					} else {
						assertProblem(r, 403, 'forbidden');
						if (m.person) {
							// A refused registration stores nothing.
							const f = assertJson(await srv.req('GET',
								`/v1/subjects?email=${encodeURIComponent(m.person.email)}`, { as: 'admin' }), 200);
							assert.deepEqual(f.items, [], `a registration refused with 403 for ${role} stored a subject`);
						}
						if (m.victim) {
							const l = assertJson(await srv.req('GET', '/v1/api-keys', { as: 'admin' }), 200);
							assert.equal(l.items.find((i) => i.id === m.victim.id)?.revoked_at, null,
								`a key revocation refused for ${role} revoked the key`);
						}
					}
				}
				for (const [what, auth] of [
					['no key', {}],
					['an unknown key', { key: randomBytes(24).toString('base64url') }],
					['an empty bearer', { headers: { authorization: 'Bearer ' } }],
					['a Basic credential', { headers: { authorization: `Basic ${Buffer.from(`x:${srv.keys.admin}`).toString('base64')}` } }],
				]) {
					const { r } = await send(auth);
					assertProblem(r, 401, 'unauthorized');
					assert.match(r.headers.get('www-authenticate') || '', /^Bearer/, `${key} with ${what}: WWW-Authenticate`);
				}
			});
	}

	it('authentication comes before parsing: no key and a malformed body is 401, not 400', async () => {
		const r = await ctx.srv.req('POST', '/v1/subjects', { body: '{"name":', headers: { 'content-type': 'application/json' } });
		assertProblem(r, 401, 'unauthorized');
	});

	ctx.closingTest();
});

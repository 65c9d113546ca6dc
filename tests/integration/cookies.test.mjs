// SPDX-License-Identifier: AGPL-3.0-or-later
// Cookie consent on the website, through the API the banner uses: consent.js served from memory (ETag, 304, gzip,
// its size budget and the published integrity hash), the banner's configuration (public read, admin write, every
// bad field named), visitors' choices recorded and read back across origins (CORS for [cookies] origins only, a
// small body, a rate limit per address), and a visitor's choice becoming the subject's when the person registers,
// with a revocation seen by the banner on its next read and an erasure taking the visitor's choices too.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import http from 'node:http';
import { it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
	assertJson, assertProblem, forEngines, newPerson, privd, removeInstance, ROOT, startPrivd, TIME_RE, withServer,
} from './lib/privd.mjs';
import { auditEntries, carryOut } from './lib/requests.mjs';

const ORIGIN = 'https://shop.example';
const ENV = { PRIVD_COOKIES_ORIGINS: `${ORIGIN}, https://www.shop.example`, PRIVD_COOKIES_RATE_LIMIT: '0' };
const SCRIPT = path.join(ROOT, 'web/consent.js');
const visitor = () => randomBytes(16).toString('hex');
const CATS = ['necessary', 'preferences', 'analytics', 'marketing'];

/** A choice as the banner posts it. */
function choice(visitorId, { preferences = false, analytics = false, marketing = false, policy = '1', gpc = false } = {}) {
	return { visitor_id: visitorId, categories: { preferences, analytics, marketing }, policy_version: policy, gpc };
}

/** GET without decoding: { status, headers, body (Buffer) }. */
function rawGet(url, headers) {
	return new Promise((resolve, reject) => {
		http.get(url, { headers }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
		}).on('error', reject);
	});
}

function post(srv, body, headers = { origin: ORIGIN }) {
	return srv.req('POST', '/v1/cookie-consents', { json: body, headers });
}

forEngines('cookie consent on the website', (engine) => {
	const ctx = withServer(engine, { serve: { env: ENV } });

	it('GET /consent.js: the file from web/, cacheable, readable from any origin, 304 on its ETag, gzip when asked', async () => {
		const file = await readFile(SCRIPT);
		const r = await fetch(`${ctx.srv.url}/consent.js`, { headers: { 'accept-encoding': 'identity' } });
		assert.equal(r.status, 200);
		assert.match(r.headers.get('content-type'), /^text\/javascript/);
		assert.match(r.headers.get('cache-control'), /max-age=\d+/);
		assert.equal(r.headers.get('access-control-allow-origin'), '*');
		const etag = r.headers.get('etag');
		assert.match(etag, /^"[0-9a-f]{32}"$/);
		assert.ok(Buffer.from(await r.arrayBuffer()).equals(file), 'the bytes served are web/consent.js');
		const again = await fetch(`${ctx.srv.url}/consent.js`, { headers: { 'if-none-match': etag } });
		assert.equal(again.status, 304);
		assert.equal((await again.arrayBuffer()).byteLength, 0);
		// fetch decodes gzip itself: read the raw answer
		const gz = await rawGet(`${ctx.srv.url}/consent.js`, { 'accept-encoding': 'gzip, deflate, br' });
		assert.equal(gz.headers['content-encoding'], 'gzip');
		assert.match(gz.headers.vary, /Accept-Encoding/);
		assert.ok(gz.body.length < file.length / 2, 'gzip makes it much smaller');
		assert.ok(gunzipSync(gz.body).equals(file), 'the gzipped answer decodes to the file');
	});

	it('GET /v1/cookie-config: four categories, each titled and described in Russian and English, public, with an ETag', async () => {
		const r = await ctx.srv.req('GET', '/v1/cookie-config', { headers: { origin: 'https://anyone.example' } });
		const c = assertJson(r, 200);
		assert.equal(r.headers.get('access-control-allow-origin'), '*');
		assert.equal(c.policy_version, '1');
		assert.match(c.updated_at, TIME_RE);
		assert.deepEqual(Object.keys(c.categories), CATS);
		for (const cat of CATS) {
			const k = c.categories[cat];
			for (const f of ['title', 'description']) {
				assert.ok(k[f].ru && k[f].en, `${cat}.${f} in ru and en`);
				assert.match(k[f].ru, /[а-яё]/i, `${cat}.${f}.ru is Russian`);
			}
			assert.ok(Array.isArray(k.services) && Array.isArray(k.cookies));
		}
		assert.ok(c.categories.analytics.services.length > 0, 'analytics names the services it shares data with');
		const etag = r.headers.get('etag');
		assert.ok(etag);
		assert.equal((await ctx.srv.req('GET', '/v1/cookie-config', { headers: { 'if-none-match': etag } })).status, 304);
	});

	it('PUT /v1/cookie-config: admin only; every bad field named and nothing changed; a good one is served at once', async () => {
		const srv = ctx.srv;
		const before = assertJson(await srv.req('GET', '/v1/cookie-config'), 200);
		const doc = { categories: structuredClone(before.categories) };
		assert.equal((await srv.req('PUT', '/v1/cookie-config', { json: doc })).status, 401);
		assertProblem(await srv.req('PUT', '/v1/cookie-config', { as: 'app', json: doc }), 403, 'forbidden');
		const bad = structuredClone(doc);
		bad.categories.analytics.title.en = '   ';
		bad.categories.analytics.services = [{ name: 'Tracker', url: 'javascript:alert(1)' }];
		bad.categories.marketing.cookies = ['ok_name', 'bad name'];
		bad.categories.preferences.colour = 'red';
		delete bad.categories.necessary;
		assertProblem(await srv.req('PUT', '/v1/cookie-config', { as: 'admin', json: bad }), 422, 'validation', {
			fields: ['categories.analytics.title.en', 'categories.analytics.services[0].url',
				// an unknown member by its position (the last), never by the name sent
				'categories.marketing.cookies[1]', `categories.preferences.#${Object.keys(bad.categories.preferences).length}`,
				'categories.necessary'],
		});
		assertProblem(await srv.req('PUT', '/v1/cookie-config', {
			as: 'admin', body: '{"categories":', headers: { 'content-type': 'application/json' },
		}), 400, 'malformed');
		assert.deepEqual(assertJson(await srv.req('GET', '/v1/cookie-config'), 200).categories, before.categories,
			'a refused configuration changed nothing');
		const good = structuredClone(doc);
		good.categories.analytics.services = [{ name: 'Matomo', url: 'https://matomo.org/privacy-policy/' }];
		good.categories.analytics.cookies = ['_pk_*'];
		good.categories.analytics.description.en = '  Counting visits, on our own server.  ';
		const put = assertJson(await srv.req('PUT', '/v1/cookie-config', { as: 'admin', json: good }), 200);
		assert.deepEqual(put.categories.analytics.services, [{ name: 'Matomo', url: 'https://matomo.org/privacy-policy/' }]);
		assert.equal(put.categories.analytics.description.en, 'Counting visits, on our own server.', 'texts are trimmed');
		const now = assertJson(await srv.req('GET', '/v1/cookie-config'), 200);
		assert.deepEqual(now.categories, put.categories);
		const audit = await auditEntries(srv);
		assert.ok(audit.some((e) => e.action === 'cookie_config.update'), 'the change is an audit entry');
	});

	it('POST /v1/cookie-consents records a choice (201) that GET reads back; reject-all is recorded as such', async () => {
		const srv = ctx.srv;
		const v = visitor();
		const r = await post(srv, choice(v, { analytics: true }));
		const rec = assertJson(r, 201);
		assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN);
		assert.equal(r.headers.get('location'), `/v1/cookie-consents/${v}`);
		assert.deepEqual(rec.categories, { necessary: true, preferences: false, analytics: true, marketing: false });
		assert.equal(rec.visitor_id, v);
		assert.equal(rec.policy_version, '1');
		assert.equal(rec.gpc, false);
		assert.match(rec.recorded_at, TIME_RE);
		const g = await srv.req('GET', `/v1/cookie-consents/${v}`, { headers: { origin: ORIGIN } });
		assert.deepEqual(assertJson(g, 200), rec);
		assert.equal(g.headers.get('access-control-allow-origin'), ORIGIN);
		assert.match(g.headers.get('cache-control'), /no-store/);
		// a later choice replaces it
		assertJson(await post(srv, choice(v)), 201);
		const now = assertJson(await srv.req('GET', `/v1/cookie-consents/${v}`), 200);
		assert.deepEqual(now.categories, { necessary: true, preferences: false, analytics: false, marketing: false });
		assertProblem(await srv.req('GET', `/v1/cookie-consents/${visitor()}`), 404, 'not-found');
		assertProblem(await srv.req('GET', '/v1/cookie-consents/not-a-visitor'), 404, 'not-found');
	});

	it('Sec-GPC: 1 is recorded with the choice', async () => {
		const v = visitor();
		const rec = assertJson(await post(ctx.srv, choice(v, { preferences: true }), { origin: ORIGIN, 'sec-gpc': '1' }), 201);
		assert.equal(rec.gpc, true);
		assert.equal(rec.sec_gpc, true);
		assert.equal(rec.categories.marketing, false);
		const rec2 = assertJson(await post(ctx.srv, choice(visitor(), { gpc: true })), 201);
		assert.equal(rec2.gpc, true, 'the banner saw navigator.globalPrivacyControl');
		assert.equal(rec2.sec_gpc, false);
	});

	it('CORS: only [cookies] origins may record or read; the preflight says what is allowed', async () => {
		const srv = ctx.srv;
		const pre = await srv.req('OPTIONS', '/v1/cookie-consents', {
			headers: { origin: 'https://www.shop.example', 'access-control-request-method': 'POST' },
		});
		assert.equal(pre.status, 204);
		assert.equal(pre.headers.get('access-control-allow-origin'), 'https://www.shop.example');
		assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
		assert.match(pre.headers.get('access-control-allow-headers'), /content-type/i);
		assertProblem(await srv.req('OPTIONS', '/v1/cookie-consents', { headers: { origin: 'https://evil.example' } }),
			403, 'forbidden');
		const v = visitor();
		const r = await post(srv, choice(v, { marketing: true }), { origin: 'https://evil.example' });
		assertProblem(r, 403, 'forbidden');
		assert.equal(r.headers.get('access-control-allow-origin'), null);
		assertProblem(await srv.req('GET', `/v1/cookie-consents/${v}`), 404, 'not-found'); // nothing was recorded
		assertProblem(await srv.req('GET', `/v1/cookie-consents/${v}`, { headers: { origin: 'http://shop.example' } }),
			403, 'forbidden');
	});

	it('bad choices are refused naming each field, and nothing is recorded', async () => {
		const srv = ctx.srv;
		const v = visitor();
		assertProblem(await post(srv, { visitor_id: 'ABC', categories: { analytics: 'yes' }, policy_version: 7, extra: 1 }),
			422, 'validation', {
				fields: ['visitor_id', 'categories.preferences', 'categories.analytics', 'categories.marketing',
					'policy_version', '#4'],
			});
		assertProblem(await post(srv, { ...choice(v), categories: { necessary: false, preferences: true, analytics: true, marketing: true } }),
			422, 'validation', { fields: ['categories.necessary'] });
		assertProblem(await post(srv, choice(v, { policy: '0.9' })), 422, 'validation', { fields: ['policy_version'] });
		assertProblem(await post(srv, { ...choice(v), visitor_id: 'g'.repeat(32) }), 422, 'validation', { fields: ['visitor_id'] });
		assertProblem(await srv.req('GET', `/v1/cookie-consents/${v}`), 404, 'not-found');
		const big = await post(srv, { ...choice(v), pad: 'x'.repeat(4000) });
		assertProblem(big, 413, 'too-large');
		const text = await srv.req('POST', '/v1/cookie-consents', {
			body: JSON.stringify(choice(v)), headers: { origin: ORIGIN, 'content-type': 'text/plain' },
		});
		assertProblem(text, 415, 'unsupported-media-type');
	});

	it('a registration with visitor_id makes the visitor\'s choice the subject\'s cookie consents, and links them', async () => {
		const srv = ctx.srv;
		const v = visitor();
		assertJson(await post(srv, choice(v, { preferences: true, analytics: true })), 201);
		// the visitor's recorded choice wins over consents.cookies
		const subj = await srv.registerOk(newPerson({
			visitor_id: v, consents: { processing: true, third_party_transfer: false, cookies: ['marketing'] },
		}));
		const check = async (p) => assertJson(await srv.req('GET', `/v1/subjects/${subj.id}/consents/${p}`, { as: 'app' }), 200).granted;
		assert.equal(await check('cookies.preferences'), true);
		assert.equal(await check('cookies.analytics'), true);
		assert.equal(await check('cookies.marketing'), false);
		const hist = assertJson(await srv.req('GET', `/v1/subjects/${subj.id}/consents`, { as: 'app' }), 200);
		const records = hist.history ?? hist.records ?? hist.items ?? [];
		assert.ok(records.some((x) => x.purpose === 'cookies.analytics' && x.source === 'banner'),
			`the cookie consents name the banner: ${JSON.stringify(records)}`);
		// a later choice from that browser is the subject's too
		assertJson(await post(srv, choice(v, { preferences: true })), 201);
		assert.equal(await check('cookies.analytics'), false);
		assert.equal(await check('cookies.preferences'), true);
		// a registration without a choice still links: later choices are the subject's
		const v2 = visitor();
		const s2 = await srv.registerOk(newPerson({ visitor_id: v2 }));
		assertJson(await post(srv, choice(v2, { marketing: true })), 201);
		assert.equal(assertJson(await srv.req('GET', `/v1/subjects/${s2.id}/consents/cookies.marketing`, { as: 'app' }), 200).granted, true);
		assertProblem(await srv.register(newPerson({ visitor_id: 'not-a-visitor' })), 422, 'validation', { fields: ['visitor_id'] });
	});

	it('a revoke_cookies request is what the banner reads back for the linked visitor; an erasure removes its choices', async () => {
		const srv = ctx.srv;
		const v = visitor();
		assertJson(await post(srv, choice(v, { preferences: true, analytics: true, marketing: true })), 201);
		const subj = await srv.registerOk(newPerson({ visitor_id: v }));
		const before = assertJson(await srv.req('GET', `/v1/cookie-consents/${v}`), 200);
		assert.deepEqual(before.categories, { necessary: true, preferences: true, analytics: true, marketing: true });
		await carryOut(srv, subj.id, 'revoke_cookies');
		const after = assertJson(await srv.req('GET', `/v1/cookie-consents/${v}`), 200);
		assert.deepEqual(after.categories, { necessary: true, preferences: false, analytics: false, marketing: false },
			'the revocation is seen on the banner\'s next read');
		assert.ok(Date.parse(after.recorded_at) >= Date.parse(before.recorded_at));
		// the consents API withdrawing one purpose is seen too
		assertJson(await post(srv, choice(v, { analytics: true })), 201);
		assert.equal(assertJson(await srv.req('GET', `/v1/cookie-consents/${v}`), 200).categories.analytics, true);
		assertJson(await srv.req('POST', `/v1/subjects/${subj.id}/consents`, {
			as: 'app', json: { purpose: 'cookies.analytics', granted: false },
		}), 201);
		assert.equal(assertJson(await srv.req('GET', `/v1/cookie-consents/${v}`), 200).categories.analytics, false);
		await carryOut(srv, subj.id, 'erase');
		assertProblem(await srv.req('GET', `/v1/cookie-consents/${v}`), 404, 'not-found');
	});

	ctx.closingTest();
});

forEngines('cookie choices: the rate limit per address', (engine) => {
	it('past [cookies] rate_burst at once, a POST gets 429 with Retry-After; other routes are not limited', async () => {
		const srv = await startPrivd(engine, {
			serve: { env: { PRIVD_COOKIES_ORIGINS: ORIGIN, PRIVD_COOKIES_RATE_LIMIT: '1', PRIVD_COOKIES_RATE_BURST: '3' } },
		});
		try {
			for (let i = 0; i < 3; i++) assertJson(await post(srv, choice(visitor())), 201);
			const r = await post(srv, choice(visitor()));
			assertProblem(r, 429, 'too-many-requests');
			assert.match(r.headers.get('retry-after'), /^[1-9]\d*$/);
			assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN, 'the banner can read the refusal');
			assert.equal((await srv.req('GET', '/v1/cookie-config')).status, 200);
		} finally {
			await srv.stop();
			await removeInstance(srv.inst);
		}
	});
});

it('consent.js stays within 12 KiB gzipped, and the integrity hash docs/website.md publishes is the file\'s', async () => {
	const file = await readFile(SCRIPT);
	const size = gzipSync(file, { level: 9 }).length;
	assert.ok(size <= 12 * 1024, `consent.js is ${size} bytes gzipped, over the 12 KiB budget`);
	const hash = `sha512-${createHash('sha512').update(file).digest('base64')}`;
	const out = await privd(['integrity']);
	assert.equal(out.code, 0, out.stderr);
	assert.equal(out.stdout.split(' ')[1], hash, '`privd integrity` prints the file\'s hash');
	const doc = await readFile(path.join(ROOT, 'docs/website.md'), 'utf8');
	const published = [...doc.matchAll(/sha512-[A-Za-z0-9+/]{86}==/g)].map((m) => m[0]);
	assert.ok(published.length > 0, 'docs/website.md publishes the hash');
	for (const h of published) assert.equal(h, hash, 'docs/website.md publishes the hash of web/consent.js as it is');
});

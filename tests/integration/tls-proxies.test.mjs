// SPDX-License-Identifier: AGPL-3.0-or-later
// HTTPS and reverse proxies (issue 13, "closing what an attacker tries first"): with [http] tls_cert and tls_key
// privd serves HTTPS itself, TLS 1.2 and 1.3 only (an old client's TLS 1.0 or 1.1, or a CBC cipher, is refused),
// every answer with Strict-Transport-Security, and its session cookies Secure; [http] trusted_proxies is the only
// way a forwarded header (X-Forwarded-For, or Forwarded with forwarded_header = forwarded) is believed for the
// client's address, which the portal records with a cookie choice and the banner's rate limit counts. The
// certificate is made at test time with the openssl command, which also plays the old clients.
import assert from 'node:assert/strict';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
	assertJson, assertProblem, forEngines, initInstance, newPerson, privd, removeInstance, run, serve, withServer,
} from './lib/privd.mjs';
import { asPortal, portalSession } from './lib/portal.mjs';

const ORIGIN = 'https://shop.example';
const visitor = () => randomBytes(16).toString('hex');
const choice = (v) => ({ visitor_id: v, categories: { preferences: true, analytics: false, marketing: false },
	policy_version: '1', gpc: false });

/** A self-signed certificate for 127.0.0.1 (and a second key that is not its own) in a new directory. */
async function makeCert() {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'privd-tls-'));
	const cert = path.join(dir, 'cert.pem');
	const key = path.join(dir, 'key.pem');
	const other = path.join(dir, 'other.pem');
	const r = await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
		'-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=privd test', '-addext',
		'subjectAltName=IP:127.0.0.1']);
	assert.equal(r.code, 0, `openssl req: ${r.stderr}`);
	const o = await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', other]);
	assert.equal(o.code, 0, `openssl genpkey: ${o.stderr}`);
	return { dir, cert, key, other, ca: await readFile(cert) };
}

/** A request over HTTPS trusting only ca; resolves to { status, headers (lowercase names), text, json }. */
function httpsReq(port, ca, method, p, { key, json, headers = {} } = {}) {
	const h = { ...headers };
	if (key) h.authorization = `Bearer ${key}`;
	const body = json !== undefined ? JSON.stringify(json) : undefined;
	if (body !== undefined) h['content-type'] = 'application/json';
	return new Promise((resolve, reject) => {
		const req = https.request({ host: '127.0.0.1', port, method, path: p, headers: h, ca, agent: false }, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (d) => { text += d; });
			res.on('end', () => {
				let parsed;
				try { parsed = JSON.parse(text); } catch { parsed = undefined; }
				resolve({ status: res.statusCode, headers: res.headers, text, json: parsed });
			});
		});
		req.on('error', reject);
		req.end(body);
	});
}

/** openssl s_client with extra arguments; resolves to { ok, out }. */
async function sClient(port, args) {
	const r = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args], { input: '', timeout: 30_000 });
	return { ok: r.code === 0, out: r.stdout + r.stderr };
}

/** The address recorded with the person's last choice of cookies.analytics. */
async function lastIp(get, subjectId) {
	const hist = await get(`/v1/subjects/${subjectId}/consents`);
	assert.equal(hist.status, 200, hist.text);
	return hist.json.history.filter((x) => x.purpose === 'cookies.analytics').at(-1)?.ip;
}

forEngines('HTTPS served by privd ([http] tls_cert, tls_key)', (engine) => {
	let tls, inst, srv, port, keys;
	const req = (method, p, opts) => httpsReq(port, tls.ca, method, p, opts);

	before(async () => {
		tls = await makeCert();
		inst = await initInstance({ engine });
		// behind it, a proxy on this machine that reports clients in Forwarded (RFC 7239)
		srv = await serve(inst, { env: { PRIVD_HTTP_TLS_CERT: tls.cert, PRIVD_HTTP_TLS_KEY: tls.key,
			PRIVD_HTTP_TRUSTED_PROXIES: '127.0.0.1, ::1', PRIVD_HTTP_FORWARDED_HEADER: 'forwarded' } });
		port = srv.port;
		keys = { admin: inst.adminKey };
		for (const role of ['app', 'operator']) {
			const r = await req('POST', '/v1/api-keys', { key: keys.admin, json: { name: `tls ${role}`, role } });
			assert.equal(r.status, 201, r.text);
			keys[role] = r.json.key;
		}
	});
	after(async () => {
		if (srv) await srv.stop();
		if (inst) await removeInstance(inst);
		if (tls) await rm(tls.dir, { recursive: true, force: true });
	});

	it('answers over HTTPS with Strict-Transport-Security; plain HTTP on its port gets no answer', async () => {
		const r = await req('GET', '/healthz');
		assert.equal(r.status, 200);
		assert.equal(r.headers['strict-transport-security'], 'max-age=31536000');
		assert.equal(r.headers['x-content-type-options'], 'nosniff');
		const e = await req('GET', '/v1/subjects/nope', { key: keys.app });
		assert.equal(e.headers['strict-transport-security'], 'max-age=31536000', 'errors carry it too');
		const js = await req('GET', '/consent.js');
		assert.equal(js.status, 200);
		assert.equal(js.headers['strict-transport-security'], 'max-age=31536000', 'and the prepared answers');
		await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(10_000) }));
		assert.match(srv.log, /"event":"http.tls"/);
	});

	it('speaks TLS 1.2 and 1.3 with a verified certificate, and refuses TLS 1.0, 1.1 and CBC ciphers', async () => {
		for (const v of ['-tls1_2', '-tls1_3']) {
			const c = await sClient(port, [v, '-CAfile', tls.cert, '-verify_return_error']);
			assert.ok(c.ok, `${v} connects: ${c.out}`);
			assert.match(c.out, /Verify return code: 0 \(ok\)/);
		}
		// the client is made willing (security level 0), so that only the server can be the one refusing
		for (const v of ['-tls1', '-tls1_1']) {
			const c = await sClient(port, [v, '-cipher', 'DEFAULT@SECLEVEL=0']);
			assert.ok(!c.ok, `${v} must be refused: ${c.out}`);
			assert.doesNotMatch(c.out, /Cipher is (?!\(NONE\))/, `${v}: no cipher was agreed`);
		}
		const cbc = await sClient(port, ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384']);
		assert.ok(!cbc.ok, `a CBC cipher must be refused: ${cbc.out}`);
	});

	it('the portal\'s cookie is Secure over TLS, and Forwarded from the trusted proxy names the client', async () => {
		const s = await req('POST', '/v1/subjects', { key: keys.app, json: newPerson() });
		assert.equal(s.status, 201, s.text);
		const l = await req('POST', `/v1/subjects/${s.json.id}/portal-sessions`, { key: keys.app });
		assert.equal(l.status, 201, l.text);
		const u = new URL(l.json.url);
		const o = await req('GET', u.pathname + u.search);
		assert.equal(o.status, 303);
		const set = [].concat(o.headers['set-cookie'] || []).join('\n');
		assert.match(set, /privd_portal=[^;]+;.*; Secure/, 'Secure without any X-Forwarded-Proto');
		const cookie = /privd_portal=([^;]+)/.exec(set)[1];
		const post = (headers) => req('POST', `/v1/subjects/${s.json.id}/consents`, {
			json: { purpose: 'cookies.analytics', granted: true },
			headers: { cookie: `privd_portal=${cookie}`, 'x-privd-portal': '1', ...headers } });
		const get = (p) => req('GET', p, { key: keys.operator });
		assert.equal((await post({ forwarded: 'for=192.0.2.1, for="[2001:db8::5]:4711";proto=https' })).status, 201);
		assert.equal(await lastIp(get, s.json.id), '2001:db8::5');
		// this proxy's header is Forwarded: X-Forwarded-For is not read at all
		assert.equal((await post({ 'x-forwarded-for': '198.51.100.4' })).status, 201);
		assert.equal(await lastIp(get, s.json.id), '127.0.0.1');
	});
});

forEngines('a forwarded header is believed from [http] trusted_proxies only', (engine) => {
	const env = { PRIVD_COOKIES_ORIGINS: ORIGIN, PRIVD_COOKIES_RATE_LIMIT: '1', PRIVD_COOKIES_RATE_BURST: '2' };

	describe('the proxy in front (127.0.0.1) trusted', () => {
		const ctx = withServer(engine, { serve: { env: { ...env, PRIVD_HTTP_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1' } } });
		let me, cookie;
		before(async () => {
			me = await ctx.srv.registerOk(newPerson());
			cookie = await portalSession(ctx.srv, me.id);
		});
		const post = (headers) => asPortal(ctx.srv, cookie, 'POST', `/v1/subjects/${me.id}/consents`,
			{ json: { purpose: 'cookies.analytics', granted: true }, headers });
		const get = (p) => ctx.srv.req('GET', p, { as: 'operator' });

		it('the portal records the rightmost hop outside the trusted proxies, never what the client wrote left of it', async () => {
			assertJson(await post({ 'x-forwarded-for': '203.0.113.66, 198.51.100.7, 10.1.2.3' }), 201);
			assert.equal(await lastIp(get, me.id), '198.51.100.7');
			assertJson(await post({ 'x-forwarded-for': '2001:db8::9' }), 201);
			assert.equal(await lastIp(get, me.id), '2001:db8::9');
			// a hop that is not an address: nothing past the proxy is believed
			assertJson(await post({ 'x-forwarded-for': '198.51.100.7, unknown' }), 201);
			assert.equal(await lastIp(get, me.id), '127.0.0.1');
			// Forwarded is not the header configured here
			assertJson(await post({ forwarded: 'for=198.51.100.8' }), 201);
			assert.equal(await lastIp(get, me.id), '127.0.0.1');
		});

		it('the banner\'s rate limit counts each forwarded client apart', async () => {
			const from = (ip) => ctx.srv.req('POST', '/v1/cookie-consents',
				{ json: choice(visitor()), headers: { origin: ORIGIN, 'x-forwarded-for': ip } });
			for (let i = 0; i < 2; i++) assertJson(await from('198.51.100.20'), 201);
			assertProblem(await from('198.51.100.20'), 429, 'too-many-requests');
			assertJson(await from('198.51.100.21'), 201);
		});

		ctx.closingTest();
	});

	describe('the peer (127.0.0.1) not among the trusted proxies', () => {
		const ctx = withServer(engine, { serve: { env: { ...env, PRIVD_HTTP_TRUSTED_PROXIES: '10.0.0.0/8, 2001:db8::/32' } } });

		it('X-Forwarded-For and Forwarded are ignored: the portal records the connection\'s address', async () => {
			const me = await ctx.srv.registerOk(newPerson());
			const cookie = await portalSession(ctx.srv, me.id);
			const get = (p) => ctx.srv.req('GET', p, { as: 'operator' });
			for (const headers of [{ 'x-forwarded-for': '198.51.100.7' }, { forwarded: 'for=198.51.100.7' }]) {
				assertJson(await asPortal(ctx.srv, cookie, 'POST', `/v1/subjects/${me.id}/consents`,
					{ json: { purpose: 'cookies.analytics', granted: true }, headers }), 201);
				assert.equal(await lastIp(get, me.id), '127.0.0.1');
			}
		});

		it('and the banner\'s rate limit cannot be dodged by writing the header', async () => {
			const from = (ip) => ctx.srv.req('POST', '/v1/cookie-consents',
				{ json: choice(visitor()), headers: { origin: ORIGIN, 'x-forwarded-for': ip } });
			for (let i = 0; i < 2; i++) assertJson(await from(`198.51.100.${30 + i}`), 201);
			assertProblem(await from('198.51.100.40'), 429, 'too-many-requests');
		});

		ctx.closingTest();
	});
});

describe('check-config and serve name a bad certificate, key or proxy list', () => {
	let tls, inst;
	before(async () => {
		tls = await makeCert();
		inst = await initInstance();
	});
	after(async () => {
		if (inst) await removeInstance(inst);
		if (tls) await rm(tls.dir, { recursive: true, force: true });
	});
	const check = (env) => privd(['check-config', '--data-dir', inst.dataDir], { env });

	it('a good pair passes', async () => {
		const r = await check({ PRIVD_HTTP_TLS_CERT: tls.cert, PRIVD_HTTP_TLS_KEY: tls.key });
		assert.equal(r.code, 0, r.stderr);
	});

	it('an unreadable certificate, a missing key, a key not the certificate\'s, one without the other', async () => {
		const missing = path.join(tls.dir, 'missing.pem');
		let r = await check({ PRIVD_HTTP_TLS_CERT: missing, PRIVD_HTTP_TLS_KEY: tls.key });
		assert.equal(r.code, 1);
		assert.match(r.stderr, /http\.tls_cert/);
		assert.ok(r.stderr.includes(missing), r.stderr);
		r = await check({ PRIVD_HTTP_TLS_CERT: tls.cert, PRIVD_HTTP_TLS_KEY: missing });
		assert.equal(r.code, 1);
		assert.match(r.stderr, /http\.tls_key/);
		r = await check({ PRIVD_HTTP_TLS_CERT: tls.cert, PRIVD_HTTP_TLS_KEY: tls.other });
		assert.equal(r.code, 1);
		assert.match(r.stderr, /not a certificate and its key/);
		r = await check({ PRIVD_HTTP_TLS_CERT: tls.cert });
		assert.equal(r.code, 1);
		assert.match(r.stderr, /http\.tls_key/);
		const s = await privd(['serve', '--data-dir', inst.dataDir, '--listen', '127.0.0.1:0'],
			{ env: { PRIVD_HTTP_TLS_CERT: tls.cert, PRIVD_HTTP_TLS_KEY: missing }, timeout: 20_000 });
		assert.notEqual(s.code, 0, 'serve does not start without its key');
		assert.match(s.stderr, /tls_key/);
	});

	it('a bad entry of trusted_proxies is named; [cookies] ip_header says what replaced it', async () => {
		let r = await check({ PRIVD_HTTP_TRUSTED_PROXIES: '10.0.0.0/8, 10.0.0.1/33' });
		assert.equal(r.code, 1);
		assert.match(r.stderr, /http\.trusted_proxies entry 2 \(10\.0\.0\.1\/33\)/);
		r = await check({ PRIVD_HTTP_TRUSTED_PROXIES: 'proxy.example.ru' });
		assert.match(r.stderr, /entry 1 \(proxy\.example\.ru\)/);
		r = await check({ PRIVD_HTTP_TRUSTED_PROXIES: '10.1.2.3/8' });
		assert.match(r.stderr, /entry 1/, 'bits past the prefix are a typo for something');
		r = await check({ PRIVD_HTTP_TRUSTED_PROXIES: '192.0.2.0/24, 2001:db8::/32, ::1' });
		assert.equal(r.code, 0, r.stderr);
		r = await check({ PRIVD_COOKIES_IP_HEADER: 'X-Real-IP' });
		assert.equal(r.code, 1);
		assert.match(r.stderr, /trusted_proxies/);
	});
});

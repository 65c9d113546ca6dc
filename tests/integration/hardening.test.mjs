// SPDX-License-Identifier: AGPL-3.0-or-later
// Regression tests for what an attacker on the internet found first (issue 13, "Found from outside"), each named
// after what went wrong, and the headers every answer carries. The framing and slow-client tests talk raw TCP
// (lib/net.mjs) to a privd with small limits; the ones about stored data run on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
	assertJson, assertProblem, BIN, findStored, forEngines, freePort, grant, initInstance, newPerson, psql,
	removeInstance, serve, sleep, sqlite, withServer,
} from './lib/privd.mjs';
import { exchange, rawRequest, responses, trickle } from './lib/net.mjs';
import { makePdf } from './lib/documents.mjs';
import { attach, carryOut, decide, fileRequest, getRequest } from './lib/requests.mjs';

/** A metric's value from GET /metrics (0 when absent). */
async function metric(srv, name, opts = {}) {
	const r = await srv.req('GET', '/metrics', opts);
	assert.equal(r.status, 200, r.text.slice(0, 300));
	const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(r.text);
	return m ? Number(m[1]) : 0;
}

/** SQL on the instance's data database; rows as arrays of columns. */
async function sql(inst, q) {
	const out = inst.engine === 'postgres' ? await psql(inst.dbUrl, q) : await sqlite(path.join(inst.dataDir, 'privd.db'), q);
	return out.split('\n').filter(Boolean).map((l) => l.split('|'));
}

// ---------------------------------------------------------------------------------------------------------------
// framing and slow clients: engine-independent, one privd with small limits

describe('hardening: framing, slow clients and memory (SQLite)', { concurrency: 1 }, () => {
	const ctx = withServer('sqlite', {
		serve: {
			env: {
				PRIVD_SERVER_HEADER_TIMEOUT: '2',
				PRIVD_SERVER_REQUEST_TIMEOUT: '3',
				PRIVD_SERVER_MAX_CONNECTIONS: '128',
				PRIVD_SERVER_CONNECTIONS_PER_IP: '32',
				PRIVD_SERVER_BODY_MEMORY: String(4 * 1024 * 1024),
				PRIVD_REQUESTS_DOCUMENT_LIMIT: String(1024 * 1024),
			},
		},
	});
	let s;
	before(async () => { s = await ctx.srv.registerOk(newPerson()); });
	const port = () => ctx.srv.port;
	const auth = (role = 'app') => ['Authorization', `Bearer ${ctx.srv.keys[role]}`];

	it('a raw request is served as fetch\'s is, keep-alive and bare LF line ends included', async () => {
		const r = await exchange(port(), [
			rawRequest('GET', `/v1/subjects/${s.id}`, [auth()]),
			Buffer.from('GET /healthz HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n', 'latin1'),
		], { gap: 100 });
		assert.deepEqual(responses(r.data).map((x) => x.status), [200, 200], r.data.toString('latin1').slice(0, 300));
	});

	describe('1. slow clients take privd offline at the usual open-file limit', () => {
		it('privd raises its soft open-file limit to the hard one at start', async () => {
			const limits = await readFile('/proc/self/limits', 'utf8');
			const hard = Number(/^Max open files\s+\S+\s+(\d+|unlimited)/m.exec(limits)[1]);
			assert.ok(hard > 256, `the hard limit (${hard}) leaves nothing to raise`);
			const inst = ctx.srv.inst;
			const p = await freePort();
			// the same data directory, another port: started with a soft limit of 256
			const proc = spawn('sh', ['-c', 'ulimit -Sn 256 && exec "$0" "$@"', BIN, 'serve', '--data-dir', inst.dataDir,
				'--listen', `127.0.0.1:${p}`], { stdio: ['ignore', 'ignore', 'pipe'] });
			let log = '';
			proc.stderr.on('data', (d) => { log += d; });
			try {
				for (let i = 0; i < 100 && !/"event":"http.listening"/.test(log); i++) await sleep(100);
				const line = log.split('\n').find((l) => l.includes('"http.limits"'));
				assert.ok(line, `privd logs http.limits: ${log}`);
				const own = await readFile(`/proc/${proc.pid}/limits`, 'utf8');
				const [, soft, hardOwn] = /^Max open files\s+(\d+)\s+(\d+)/m.exec(own);
				assert.equal(soft, hardOwn, 'the soft limit is the hard one');
				assert.equal(JSON.parse(line).open_files, Number(soft));
			} finally {
				proc.kill('SIGTERM');
				await new Promise((r) => proc.on('exit', r));
			}
		});

		it('200 connections trickling headers from one address: legitimate requests from another are all served', async () => {
			const slow = [];
			for (let i = 0; i < 200; i++) {
				slow.push(trickle(port(), `GET /v1/subjects/${s.id} HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}`,
					{ localAddress: '127.0.0.2' }));
			}
			try {
				await sleep(300);
				const seen = [];
				const t0 = Date.now();
				while (Date.now() - t0 < 3000) {
					const r = await ctx.srv.req('GET', `/v1/subjects/${s.id}/consents/processing`, { as: 'app' });
					seen.push(r.status);
				}
				assert.ok(seen.length >= 5, `only ${seen.length} requests in 3 s`);
				assert.deepEqual([...new Set(seen)], [200], `every legitimate request answered 200: ${seen}`);
				// past the per-address cap the slow ones were refused at once; the others ran out of header time
				const open = await Promise.race([Promise.all(slow.map((c) => c.closed)), sleep(10_000).then(() => null)]);
				assert.ok(open, 'every trickling connection was closed by privd within 10 s');
			} finally {
				for (const c of slow) c.stop();
			}
		});

		it('200 connections trickling from 200 addresses fill every slot; the header deadline frees them for others', async () => {
			const slow = [];
			for (let i = 0; i < 200; i++) {
				slow.push(trickle(port(), `GET /healthz HTTP/1.1\r\nX-Slow: ${'a'.repeat(200)}`,
					{ localAddress: `127.0.${1 + Math.floor(i / 200)}.${2 + (i % 200)}`, every: 200 }));
			}
			try {
				await sleep(300);
				const got = await Promise.all(Array.from({ length: 10 }, () =>
					ctx.srv.req('GET', `/v1/subjects/${s.id}/consents/processing`, { as: 'app' }).then((r) => r.status)));
				assert.deepEqual([...new Set(got)], [200], `every legitimate request answered 200: ${got}`);
			} finally {
				for (const c of slow) c.stop();
			}
		});

		it('a client sending its headers a byte at a time (never idle) is closed at the header deadline', async () => {
			const c = trickle(port(), `GET /healthz HTTP/1.1\r\nX-Slow: ${'a'.repeat(500)}`, { every: 100 });
			const ms = await Promise.race([c.closed, sleep(12_000).then(() => null)]);
			c.stop();
			assert.ok(ms !== null, 'closed within 12 s (header_timeout = 2 s)');
			assert.equal(Buffer.concat(c.received).length, 0, 'nothing is answered to a request never sent');
		});

		it('a client trickling its body is answered 408 at the request deadline and closed', async () => {
			const head = rawRequest('POST', '/v1/subjects', [auth(), ['Content-Type', 'application/json'],
				['Content-Length', '2000']]);
			const pieces = [head, ...Array.from({ length: 100 }, () => '{')];
			const r = await exchange(port(), pieces, { gap: 100, timeout: 12_000 });
			assert.ok(r.closed, 'closed within 12 s (request_timeout = 3 s)');
			const [res] = responses(r.data);
			assert.equal(res?.status, 408, r.data.toString('latin1').slice(0, 300));
			assert.equal(JSON.parse(res.body).type, 'urn:privd:problem:timeout');
		});
	});

	describe('2. uploads have no overall memory cap', () => {
		it('uploads beyond [server] body_memory get 503 with Retry-After at once; memory comes back when they end', async () => {
			const q = await fileRequest(ctx.srv, s.id, 'access');
			const size = 1024 * 1024 - 1;
			const head = rawRequest('PUT', `/v1/requests/${q.id}/document`, [auth(), ['Content-Type', 'application/pdf'],
				['Content-Length', String(size)]]);
			const stalled = [];
			const answers = [];
			for (let i = 0; i < 8; i++) {
				// each sends its headers and most of its body, then stalls (a declared length alone takes no more than
				// 256 KiB: the memory is taken as the bytes arrive)
				const c = exchange(port(), [head, Buffer.alloc(700 * 1024, 0x25)], { timeout: 2500 });
				stalled.push(c);
				await sleep(150);
			}
			const ends = await Promise.all(stalled);
			for (const e of ends) answers.push(responses(e.data)[0]?.status ?? null);
			const refused = ends.filter((e) => responses(e.data)[0]?.status === 503);
			assert.ok(refused.length >= 4, `4 MiB hold at most 4 bodies of 1 MiB: ${answers}`);
			for (const e of refused) {
				const [res] = responses(e.data);
				assert.ok(Number(res.headers['retry-after']) > 0, 'Retry-After');
				assert.equal(JSON.parse(res.body).type, 'urn:privd:problem:unavailable');
				assert.ok(e.closed && e.ms < 2000, 'answered and closed at once, not when the body would end');
			}
			let held = 1;
			for (let i = 0; i < 50 && held > 0; i++) {
				held = await metric(ctx.srv, 'privd_http_body_memory_bytes');
				if (held > 0) await sleep(200);
			}
			assert.equal(held, 0, 'the memory of the stalled bodies is given back once they are closed');
			assert.ok(await metric(ctx.srv, 'privd_http_body_memory_refused_total') >= 4);
			const ok = await attach(ctx.srv, q.id, { data: makePdf(['after']), as: 'operator' });
			assert.equal(ok.document.type, 'application/pdf');
		});
	});

	describe('4. conflicting duplicate Content-Length headers are accepted', () => {
		it('two Content-Length headers: 400 and close; the bytes after the first length are not a second request', async () => {
			const smuggled = `GET /v1/subjects/${s.id} HTTP/1.1\r\nHost: x\r\n${auth().join(': ')}\r\n\r\n`;
			const body = '{"a":1}' + smuggled;
			const r = await exchange(port(), rawRequest('POST', `/v1/subjects/${s.id}/consents`, [auth(),
				['Content-Type', 'application/json'], ['Content-Length', '7'], ['Content-Length', String(body.length)]], body));
			const all = responses(r.data);
			assert.deepEqual(all.map((x) => x.status), [400], r.data.toString('latin1').slice(0, 400));
			assert.equal(JSON.parse(all[0].body).type, 'urn:privd:problem:malformed');
			assert.ok(r.closed, 'the connection is closed');
		});

		it('Content-Length with Transfer-Encoding: 400 and close', async () => {
			const r = await exchange(port(), rawRequest('POST', `/v1/subjects/${s.id}/consents`, [auth(),
				['Content-Type', 'application/json'], ['Content-Length', '3'], ['Transfer-Encoding', 'chunked']], '0\r\n\r\n'));
			assert.deepEqual(responses(r.data).map((x) => x.status), [400]);
			assert.ok(r.closed);
		});
	});

	describe('5. framing without an answer', () => {
		for (const te of ['gzip', 'identity', 'chunked, gzip']) {
			it(`Transfer-Encoding: ${te} gets 501 at once and is closed`, async () => {
				const r = await exchange(port(), rawRequest('POST', `/v1/subjects/${s.id}/consents`, [auth(),
					['Content-Type', 'application/json'], ['Transfer-Encoding', te]], 'abc'), { timeout: 5000 });
				const [res] = responses(r.data);
				assert.equal(res?.status, 501, r.data.toString('latin1').slice(0, 300));
				assert.equal(JSON.parse(res.body).type, 'urn:privd:problem:not-implemented');
				assert.ok(r.closed, 'closed, not left to the idle timeout');
			});
		}

		it('a chunk of ffffffffffffffff bytes gets 413 as soon as the body passes the limit', async () => {
			const r = await exchange(port(), [rawRequest('POST', `/v1/subjects/${s.id}/consents`, [auth(),
				['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']], 'ffffffffffffffff\r\n'),
			Buffer.alloc(70_000, 0x61)], { timeout: 5000, gap: 50 });
			const [res] = responses(r.data);
			assert.equal(res?.status, 413, r.data.toString('latin1').slice(0, 300));
			assert.equal(JSON.parse(res.body).type, 'urn:privd:problem:too-large');
			assert.ok(r.closed, 'and closed');
		});

		it('a chunk of ffffffffffffffff bytes that never comes is closed at the request deadline', async () => {
			const r = await exchange(port(), rawRequest('POST', `/v1/subjects/${s.id}/consents`, [auth(),
				['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']], 'ffffffffffffffff\r\nab'),
			{ timeout: 12_000 });
			assert.ok(r.closed, 'closed within 12 s (request_timeout = 3 s)');
			assert.equal(responses(r.data)[0]?.status, 408);
		});

		it('a NUL in the Authorization header does not authenticate: 400', async () => {
			const r = await exchange(port(), rawRequest('GET', `/v1/subjects/${s.id}`,
				[['Authorization', `Bearer ${ctx.srv.keys.app}\0junk`]]));
			assert.deepEqual(responses(r.data).map((x) => x.status), [400], r.data.toString('latin1').slice(0, 300));
			const r2 = await exchange(port(), rawRequest('GET', `/v1/subjects/${s.id}`,
				[['Authorization', `Bearer ${ctx.srv.keys.app}\0`]]));
			assert.deepEqual(responses(r2.data).map((x) => x.status), [400]);
		});

		it('a NUL in a header name, a folded header and a space before the colon: 400', async () => {
			for (const h of [[['X-A\0b', 'c']], [['X-Folded', 'a\r\n b']], [['Content-Length ', '0']]]) {
				const r = await exchange(port(), rawRequest('GET', `/v1/subjects/${s.id}`, [auth(), ...h]));
				assert.deepEqual(responses(r.data).map((x) => x.status), [400], JSON.stringify(h));
			}
		});

		it('a NUL in the path, sent as %00 or as the byte itself, is 400, not the route before it', async () => {
			for (const target of [`/v1/subjects/${s.id}%00/consents`, `/v1/subjects/${s.id}\0/consents`,
				`/v1/subjects/${s.id}/consents?x=%00`]) {
				const r = await exchange(port(), rawRequest('GET', target, [auth()]));
				const [res] = responses(r.data);
				assert.equal(res?.status, 400, `${JSON.stringify(target)}: ${r.data.toString('latin1').slice(0, 300)}`);
			}
		});

		it('framing refusals are counted in /metrics', async () => {
			assert.ok(await metric(ctx.srv, 'privd_http_framing_refused_total') >= 10);
			assert.ok(await metric(ctx.srv, 'privd_http_timeouts_total') >= 1);
		});
	});

	ctx.closingTest();
});

// ---------------------------------------------------------------------------------------------------------------
// stored data and answers, on both engines

forEngines('hardening: what is stored and answered', (engine) => {
	const ctx = withServer(engine);
	let s;
	before(async () => { s = await ctx.srv.registerOk(newPerson()); });

	describe('3. unknown JSON members are accepted', () => {
		const cases = [
			['POST /v1/subjects/{id}/consents', () => `/v1/subjects/${s.id}/consents`, 'app',
				() => ({ ...grant('cookies.analytics'), sourse: 'web' }), '#4'],
			['POST /v1/subjects/{id}/consents', () => `/v1/subjects/${s.id}/consents`, 'app',
				() => ({ purpose: 'cookies.analytics', granted: true, ip_address: '198.51.100.9' }), '#3'],
			['POST /v1/consent-checks', () => '/v1/consent-checks', 'app',
				() => ({ checks: [{ subject_id: s.id, purpose: 'processing' }], verbose: true }), '#2'],
			['POST /v1/consent-checks', () => '/v1/consent-checks', 'app',
				() => ({ checks: [{ subject_id: s.id, purpose: 'processing', strict: 1 }] }), 'checks[0].#3'],
			['POST /v1/api-keys', () => '/v1/api-keys', 'admin',
				() => ({ name: 'typo', role: 'auditor', expires: '2030-01-01' }), '#3'],
			['POST /v1/policies', () => '/v1/policies', 'admin',
				() => ({ version: `typo-${Date.now()}`, language: 'en', text: '# P', publish: true }), '#4'],
			['POST /v1/consent-texts', () => '/v1/consent-texts', 'admin',
				() => ({ purpose: 'processing', version: `typo-${Date.now()}`, language: 'en', text: '# C', draft: 1 }), '#5'],
		];
		for (const [route, target, as, body, field] of cases) {
			it(`${route}: 422 naming ${field}, the member's position, not its name; nothing written`, async () => {
				const before = await ctx.srv.req('GET', '/v1/audit?limit=1000', { as: 'auditor' });
				const b = body();
				const r = await ctx.srv.req('POST', target(), { as, json: b });
				const prob = assertProblem(r, 422, 'validation', { fields: [field] });
				for (const k of Object.keys(b).concat(Object.keys(b.checks?.[0] ?? {}))) {
					if (!['purpose', 'granted', 'ip', 'source', 'checks', 'subject_id', 'name', 'role', 'version',
						'language', 'text'].includes(k)) {
						assert.ok(!r.text.includes(k), `the answer repeats the member's name ${k}: ${r.text}`);
					}
				}
				assert.ok(prob.errors.every((e) => typeof e.reason === 'string'));
				const after = await ctx.srv.req('GET', '/v1/audit?limit=1000', { as: 'auditor' });
				assert.equal(after.json.items.length, before.json.items.length, 'no audit entry: nothing was written');
			});
		}
	});

	describe('6. the legal-hold reason is stored in plain text', () => {
		it('a hold\'s reason is sealed under the person\'s key: it is in no stored byte', async () => {
			const p = await ctx.srv.registerOk(newPerson());
			const reason = `Court order ${Date.now()} about Ivan Holdov`;
			assertJson(await ctx.srv.req('POST', `/v1/subjects/${p.id}/legal-hold`, {
				as: 'operator', json: { hold: true, reason },
			}), 200);
			assert.deepEqual(await findStored(ctx.srv.inst, [reason, 'Ivan Holdov']), []);
			const rows = await sql(ctx.srv.inst, `SELECT legal_hold, legal_hold_reason IS NULL, legal_hold_reason_ct IS NOT NULL
				FROM subjects WHERE subject_id = '${p.id}'`);
			assert.deepEqual(rows[0].map((v) => ['1', 't', 'true'].includes(v)), [true, true, true]);
		});

		it('a reason stored in plain text by an older privd is sealed when privd starts again', async () => {
			const inst = await initInstance({ engine });
			let srv = await serve(inst);
			try {
				await srv.createRoleKeys();
				const p = await srv.registerOk(newPerson());
				assertJson(await srv.req('POST', `/v1/subjects/${p.id}/legal-hold`, {
					as: 'operator', json: { hold: true, reason: 'sealed from the start' },
				}), 200);
				assert.equal((await srv.stop()).code, 0);
				await sql(inst, `UPDATE subjects SET legal_hold_reason = 'Old plain reason', legal_hold_reason_ct = NULL
					WHERE subject_id = '${p.id}'`);
				const keys = srv.keys;
				srv = await serve(inst);
				srv.keys = keys;
				const rows = await sql(inst, `SELECT legal_hold_reason IS NULL, legal_hold_reason_ct IS NOT NULL
					FROM subjects WHERE subject_id = '${p.id}'`);
				assert.deepEqual(rows[0].map((v) => ['1', 't', 'true'].includes(v)), [true, true]);
				assert.match(srv.log, /"event":"legal_hold.reasons_sealed".*"sealed":1/);
				// still held: lifting it works and clears the sealed reason too
				assertJson(await srv.req('POST', `/v1/subjects/${p.id}/legal-hold`, { as: 'operator', json: { hold: false } }), 200);
				const after = await sql(inst, `SELECT legal_hold_reason_ct IS NULL FROM subjects WHERE subject_id = '${p.id}'`);
				assert.ok(['1', 't', 'true'].includes(after[0][0]));
			} finally {
				await srv.stop();
				await removeInstance(inst);
			}
		});
	});

	describe('7. error answers echo what the client sent', () => {
		it('instance is the route\'s template: an e-mail typed as an id does not come back', async () => {
			const email = 'anna.echo@example.org';
			for (const [method, p, status] of [['GET', `/v1/subjects/${email}`, 404], ['DELETE', `/v1/subjects/${email}`, 405],
				['GET', `/v1/subjects/${email}/consents/processing`, 404]]) {
				const r = await ctx.srv.req(method, p, { as: 'app' });
				assert.equal(r.status, status);
				assert.ok(!r.text.includes('anna.echo'), `${method} ${p}: ${r.text}`);
				assert.match(r.json.instance, /^\/v1\/subjects\/\{id\}/);
			}
			const unmatched = await ctx.srv.req('GET', `/v1/nothing/${email}`, { as: 'app' });
			assert.equal(unmatched.status, 404);
			assert.ok(!unmatched.text.includes('anna.echo'), unmatched.text);
		});
	});

	describe('8. an erased person\'s request keeps the scan\'s type, size and hash readable by app and auditor keys', () => {
		let p;
		let q;
		let ext;
		const reason = `Extension reason ${Date.now()} naming Petr Erasov`;
		before(async () => {
			p = await ctx.srv.registerOk(newPerson());
			q = await fileRequest(ctx.srv, p.id, 'access');
			await attach(ctx.srv, q.id);
			ext = await fileRequest(ctx.srv, p.id, 'transfer_info');
			await attach(ctx.srv, ext.id);
			assertJson(await decide(ctx.srv, ext.id, { action: 'extend', reason }), 200);
		});

		it('before the erasure: operator and admin see the scan and the extension\'s reason; app and auditor do not', async () => {
			for (const as of ['operator', 'admin']) {
				assert.equal((await getRequest(ctx.srv, q.id, as)).document.type, 'application/pdf');
				assert.equal((await getRequest(ctx.srv, ext.id, as)).reason, reason);
			}
			for (const as of ['app', 'auditor']) {
				const g = await getRequest(ctx.srv, q.id, as);
				assert.equal(g.document, null, `${as} sees no scan`);
				assert.equal((await getRequest(ctx.srv, ext.id, as)).reason, null);
			}
		});

		it('after the erasure: app and auditor still see no scan; the extension\'s reason went with the key', async () => {
			await carryOut(ctx.srv, p.id, 'erase');
			assert.equal((await ctx.srv.req('GET', `/v1/subjects/${p.id}`, { as: 'operator' })).status, 410);
			for (const as of ['app', 'auditor']) {
				const r = await ctx.srv.req('GET', `/v1/requests/${q.id}`, { as });
				if (r.status === 200) assert.equal(r.json.document, null, `${as} sees no scan of an erased person`);
				const list = await ctx.srv.req('GET', `/v1/requests?subject_id=${p.id}`, { as });
				if (list.status === 200) {
					for (const item of list.json.items) assert.equal(item.document, null, `${as} lists no scan`);
				}
			}
			const op = await getRequest(ctx.srv, ext.id, 'operator');
			assert.equal(op.reason, null, 'the sealed reason is unreadable once the key is destroyed');
			const rows = await sql(ctx.srv.inst, `SELECT COUNT(*) FROM requests WHERE subject_id = '${p.id}'
				AND (reason_ct IS NOT NULL OR details_ct IS NOT NULL)`);
			assert.equal(Number(rows[0][0]), 0);
			assert.deepEqual(await findStored(ctx.srv.inst, ['Petr Erasov']), []);
		});
	});

	describe('9. unknown API keys cost a database lookup each', () => {
		it('the same unknown key, sent again and again, is looked up once; a key created anywhere clears the memory', async () => {
			const bad = `pk_${'x'.repeat(40)}`;
			const first = await metric(ctx.srv, 'privd_apikey_lookups_total');
			for (let i = 0; i < 30; i++) {
				assertProblem(await ctx.srv.req('GET', `/v1/subjects/${s.id}`, { key: bad }), 401, 'unauthorized');
			}
			const after30 = await metric(ctx.srv, 'privd_apikey_lookups_total');
			assert.ok(after30 - first <= 2, `30 attempts, ${after30 - first} database lookups`);
			assert.ok(await metric(ctx.srv, 'privd_apikey_unknown_cached_total') >= 28);
			const k = assertJson(await ctx.srv.req('POST', '/v1/api-keys', { as: 'admin', json: { name: 'new', role: 'app' } }), 201);
			assertProblem(await ctx.srv.req('GET', `/v1/subjects/${s.id}`, { key: bad }), 401, 'unauthorized');
			assert.equal(await metric(ctx.srv, 'privd_apikey_lookups_total'), after30 + 1, 'looked up again after a key was created');
			assertJson(await ctx.srv.req('GET', `/v1/subjects/${s.id}`, { key: k.key }), 200);
			assert.equal((await ctx.srv.req('DELETE', `/v1/api-keys/${k.id}`, { as: 'admin' })).status, 204);
			assertProblem(await ctx.srv.req('GET', `/v1/subjects/${s.id}`, { key: k.key }), 401, 'unauthorized');
		});
	});

	describe('response headers', () => {
		it('every answer: nosniff, no-store, no referrer; a page: a policy that allows no script but privd\'s own', async () => {
			const answers = [
				await ctx.srv.req('GET', `/v1/subjects/${s.id}`, { as: 'app' }),
				await ctx.srv.req('GET', '/v1/subjects/0', { as: 'app' }),
				await ctx.srv.req('GET', '/healthz'),
				await ctx.srv.req('GET', '/metrics'),
				await ctx.srv.req('GET', '/privacy'),
				await ctx.srv.req('GET', '/consent/processing'),
			];
			for (const r of answers) {
				assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
				assert.equal(r.headers.get('cache-control'), 'no-store');
				assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
			}
			for (const r of answers.slice(4)) {
				assert.equal(r.status, 200);
				const csp = r.headers.get('content-security-policy') || '';
				assert.match(csp, /default-src 'none'/);
				// no script but the cookie banner's own, from privd's origin (/privacy has the cookie settings)
				const script = /script-src ([^;]*)/.exec(csp);
				assert.ok(!script || script[1].trim() === "'self'", `script-src: ${csp}`);
				assert.match(csp, /frame-ancestors 'none'/);
			}
			assert.doesNotMatch(answers[5].headers.get('content-security-policy'), /script-src/,
				'a consent text runs no script at all');
			assert.equal(answers[0].headers.get('content-security-policy'), null, 'JSON carries no page policy');
		});

		it('a scan is served as an attachment unless ?inline=1', async () => {
			const q = await fileRequest(ctx.srv, s.id, 'access');
			await attach(ctx.srv, q.id);
			const dl = await ctx.srv.req('GET', `/v1/requests/${q.id}/document`, { as: 'operator' });
			assert.match(dl.headers.get('content-disposition'), /^attachment; filename="request-[0-9a-f]{32}\.pdf"$/);
			const inline = await ctx.srv.req('GET', `/v1/requests/${q.id}/document?inline=1`, { as: 'operator' });
			assert.match(inline.headers.get('content-disposition'), /^inline; filename=/);
			assert.equal(inline.headers.get('x-content-type-options'), 'nosniff');
			assertProblem(await ctx.srv.req('GET', `/v1/requests/${q.id}/document?inline=yes`, { as: 'operator' }),
				422, 'validation', { fields: ['inline'] });
		});
	});

	ctx.closingTest();
});

// ---------------------------------------------------------------------------------------------------------------
// /metrics kept from the public

describe('9. /metrics, public, shows counts of registrations, erasures and exports', () => {
	let inst;
	after(async () => { if (inst) await removeInstance(inst); });

	it('[metrics] require_key: 401 without a key, 403 for an app key, 200 for an auditor', async () => {
		inst = await initInstance({ engine: 'sqlite' });
		const srv = await serve(inst, { env: { PRIVD_METRICS_REQUIRE_KEY: 'true' } });
		try {
			await srv.createRoleKeys();
			assertProblem(await srv.req('GET', '/metrics'), 401, 'unauthorized');
			assertProblem(await srv.req('GET', '/metrics', { as: 'app' }), 403, 'forbidden');
			for (const as of ['auditor', 'operator', 'admin']) assert.equal((await srv.req('GET', '/metrics', { as })).status, 200);
		} finally {
			assert.equal((await srv.stop()).code, 0);
		}
	});

	it('[metrics] listen: /metrics only there, and nothing else there', async () => {
		const mport = await freePort();
		const srv = await serve(inst, { env: { PRIVD_METRICS_LISTEN: `127.0.0.1:${mport}` } });
		try {
			assertProblem(await srv.req('GET', '/metrics'), 404, 'not-found');
			const m = await fetch(`http://127.0.0.1:${mport}/metrics`);
			assert.equal(m.status, 200);
			assert.match(await m.text(), /privd_http_requests_total/);
			for (const p of ['/healthz', '/v1/subjects', '/metrics/x']) {
				assert.equal((await fetch(`http://127.0.0.1:${mport}${p}`)).status, 404, p);
			}
			assert.equal((await srv.req('GET', '/healthz')).status, 200);
			assert.match(srv.log, /"event":"http.metrics_listening"/);
		} finally {
			assert.equal((await srv.stop()).code, 0);
		}
	});
});

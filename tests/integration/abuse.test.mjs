// SPDX-License-Identifier: AGPL-3.0-or-later
// The malformed-request campaign (tests/abuse/) on each engine: generated requests over every route of the router
// table, with a key of each role so that bodies reach the parsers, taken apart as attackers do. Asserted: no 5xx
// (but 501 and 505, HTTP's own answers to a coding, method or version privd does not speak), privd alive
// throughout (its pid, GET /healthz), every request answered (or its connection closed) within the bound, no
// answer repeating what was sent; and at the end the log without personal data.
//
// Size: PRIVD_ABUSE_COUNT requests per engine (5,000 here; `make abuse` runs 100,000), PRIVD_ABUSE_SEED (random
// when unset; printed, so that a run can be replayed), PRIVD_ABUSE_ONLY=<index> (one request alone),
// PRIVD_ABUSE_MAX_MS (the bound per answer: 5,000 ms here, for a shared machine; the report gives the real
// distribution), PRIVD_ABUSE_CONCURRENCY (clients at once, 8), PRIVD_ABUSE_REPORT (a directory for the JSON reports).
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { forEngines, newPerson, withServer } from './lib/privd.mjs';
import { loadContext, prepare, runCampaign, summary } from '../abuse/campaign.mjs';
import { send } from '../abuse/client.mjs';

const env = process.env;
const COUNT = Number(env.PRIVD_ABUSE_COUNT || 5000);
const SEED = env.PRIVD_ABUSE_SEED ? Number(env.PRIVD_ABUSE_SEED) >>> 0 : randomInt(2 ** 32);
const ONLY = env.PRIVD_ABUSE_ONLY ? Number(env.PRIVD_ABUSE_ONLY) : null;
const MAX_MS = Number(env.PRIVD_ABUSE_MAX_MS || 5000);
const CONCURRENCY = Number(env.PRIVD_ABUSE_CONCURRENCY || 8);

/** The request's bytes: line, headers in order, body. */
const raw = (line, headers, body = '') =>
	Buffer.from(`${line}\r\nHost: 127.0.0.1\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`, 'latin1');

forEngines('malformed requests', (engine) => {
	const ctx = withServer(engine);

	// What the campaign found, each pinned on its own (answered within 2 s: each waited for a deadline before)
	it('a query of 500 parameters is answered 400 at once (it got no answer until the deadline)', async () => {
		for (const n of [65, 500, 3000]) {
			const res = await send(ctx.srv.port, raw(`GET /v1/subjects?${'a=1&'.repeat(n)} HTTP/1.1`,
				[['Authorization', `Bearer ${ctx.srv.keys.app}`]]), { timeout: 2000 });
			assert.equal(res.outcome, 'answer', `${n} parameters: ${res.outcome} after ${Math.round(res.ms)} ms`);
			assert.equal(res.status, 400, `${n} parameters`);
			assert.doesNotMatch(res.data.toString('latin1'), /a=1/, 'the query is not repeated');
		}
		const ok = await send(ctx.srv.port, raw(`GET /healthz?${'a=1&'.repeat(60)} HTTP/1.1`, []), { timeout: 2000 });
		assert.equal(ok.status, 200, 'a query of 61 parameters is served');
	});

	it('a refused request declaring a body of 2^63 bytes is answered at once (it waited for the body)', async () => {
		const s = await ctx.srv.registerOk(newPerson());
		for (const [what, line, headers] of [
			['no route', 'GET /v1/nothing-here HTTP/1.1', []],
			['no such method', `PUT /v1/subjects/${s.id} HTTP/1.1`, [['Authorization', `Bearer ${ctx.srv.keys.app}`]]],
			['no key', `PATCH /v1/subjects/${s.id} HTTP/1.1`, []],
			['a key of another role', 'POST /v1/policies HTTP/1.1', [['Authorization', `Bearer ${ctx.srv.keys.app}`]]],
		]) {
			for (const length of ['9223372036854775807', '99999999999999999999999']) {
				const res = await send(ctx.srv.port, raw(line, [...headers, ['Content-Type', 'application/json'],
					['Content-Length', length]], '{"a":'), { timeout: 2000 });
				assert.equal(res.outcome, 'answer', `${what}, ${length}: ${res.outcome} after ${Math.round(res.ms)} ms`);
				assert.ok(res.status >= 400 && res.status < 500, `${what}, ${length}: ${res.status}`);
			}
		}
		const res = await send(ctx.srv.port, raw('POST /v1/consent-checks HTTP/1.1', [
			['Authorization', `Bearer ${ctx.srv.keys.app}`], ['Content-Type', 'application/json'],
			['Content-Length', '99999999999999999999999']], '{"a":'), { timeout: 2000 });
		assert.equal(res.status, 413, 'a length past 2^64 on a route that takes a body: 413 at once');
	});

	it('a refused request whose chunk claims 2^64 bytes is answered at once (it waited for the chunk)', async () => {
		for (const [line, headers] of [['POST /v1/nothing-here HTTP/1.1', []], ['POST /v1/policies HTTP/1.1', []]]) {
			const res = await send(ctx.srv.port, raw(line, [...headers, ['Content-Type', 'application/json'],
				['Transfer-Encoding', 'chunked']], 'ffffffffffffffff\r\n{"a":'), { timeout: 2000 });
			assert.equal(res.outcome, 'answer', `${line}: ${res.outcome} after ${Math.round(res.ms)} ms`);
			assert.ok([401, 404].includes(res.status), `${line}: ${res.status}`);
		}
	});

	it('an id that is not UTF-8 is 404 on every route, PostgreSQL included (it was 500 there)', async () => {
		const s = await ctx.srv.registerOk(newPerson());
		for (const [p, as] of [['/v1/destruction-records/%c0%ae%c0%ae', 'operator'], ['/v1/subjects/%ff%fe', 'app'],
			[`/v1/subjects/${s.id}/consents/%c3%28`, 'app'], ['/v1/requests/%80', 'operator'],
			['/v1/incidents/%ed%a0%80', 'operator'], ['/v1/cookie-consents/%c0%80', null], ['/v1/api-keys/%fe', 'admin']]) {
			const r = await ctx.srv.req(p.startsWith('/v1/api-keys') ? 'DELETE' : 'GET', p, as ? { as } : {});
			assert.equal(r.status, 404, `${p}: ${r.status} ${r.text}`);
		}
	});

	it('a batch consent check repeats no subject id or purpose that is not one (an e-mail typed as an id)', async () => {
		const s = await ctx.srv.registerOk(newPerson());
		const email = 'typed.as.an.id@example.org';
		const r = await ctx.srv.req('POST', '/v1/consent-checks', { as: 'app', json: { checks: [
			{ subject_id: email, purpose: 'processing' }, { subject_id: s.id, purpose: 'not-a-purpose-zq' },
			{ subject_id: s.id, purpose: 'processing' }, { subject_id: 'f'.repeat(32), purpose: 'processing' }] } });
		assert.equal(r.status, 200, r.text);
		assert.ok(!r.text.includes(email) && !r.text.includes('not-a-purpose-zq'), r.text);
		const [a, b, c, d] = r.json.results;
		assert.deepEqual(a, { subject_id: null, purpose: 'processing', granted: false, error: 'not found' });
		assert.deepEqual(b, { subject_id: s.id, purpose: null, granted: false, error: 'not found' });
		assert.equal(c.granted, true);
		assert.deepEqual(d, { subject_id: 'f'.repeat(32), purpose: 'processing', granted: false, error: 'not found' });
	});

	it(`${ONLY !== null ? `request #${ONLY}` : COUNT} generated (seed ${SEED}): no 5xx, privd alive, each answered ` +
		`within ${MAX_MS} ms, nothing echoed`, { timeout: 180_000 + COUNT * 30 }, async (t) => {
		const c = await loadContext();
		await prepare(ctx.srv, c);
		const rep = await runCampaign(ctx.srv, c, {
			count: COUNT, seed: SEED, only: ONLY, concurrency: CONCURRENCY, maxMs: MAX_MS, timeout: MAX_MS + 2000,
			log: (l) => t.diagnostic(l),
		});
		for (const line of summary(engine, rep, { failures: false }).split('\n')) t.diagnostic(line);
		const text = summary(engine, rep);
		if (env.PRIVD_ABUSE_REPORT) {
			await writeFile(path.join(env.PRIVD_ABUSE_REPORT, `abuse-${engine}.json`), JSON.stringify(rep, null, 1));
		}
		assert.ok(rep.alive, `privd exited during the campaign: ${JSON.stringify(rep.exit)}\n${text}`);
		assert.equal(rep.health.failed, 0, `GET /healthz failed ${rep.health.failed} times\n${text}`);
		assert.equal(rep.count, ONLY !== null ? 1 : COUNT, `every request was sent\n${text}`);
		assert.equal(rep.failed, 0, text);
	});
	ctx.closingTest();
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// Consents: state after registration, recording and revoking, history, the single and the batch check.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
	assertJson, assertProblem, forEngines, grant, newPerson, PURPOSES, TIME_RE, withServer,
} from './lib/privd.mjs';

const CHECK_KEYS = ['purpose', 'granted', 'since', 'policy_version', 'reconsent_required'];

function assertCheck(c, purpose, granted) {
	for (const k of CHECK_KEYS) assert.ok(k in c, `check has ${k}: ${JSON.stringify(c)}`);
	assert.equal(c.purpose, purpose);
	assert.equal(c.granted, granted, `${purpose} granted: ${JSON.stringify(c)}`);
	assert.equal(typeof c.reconsent_required, 'boolean');
	if (c.since !== null) assert.match(c.since, TIME_RE);
}

forEngines('consents', (engine) => {
	const ctx = withServer(engine);
	let s;
	const check = async (id, purpose, as = 'app') =>
		assertJson(await ctx.srv.req('GET', `/v1/subjects/${id}/consents/${purpose}`, { as }), 200);

	before(async () => {
		s = await ctx.srv.registerOk(newPerson({
			consents: { processing: true, third_party_transfer: true, cookies: ['preferences'] },
		}));
	});

	describe('state after registration', () => {
		it('what the registration consented to is granted, under policy 1, without reconsent', async () => {
			for (const purpose of ['processing', 'third_party_transfer', 'cookies.preferences']) {
				const c = await check(s.id, purpose);
				assertCheck(c, purpose, true);
				assert.match(c.since, TIME_RE);
				assert.equal(c.policy_version, '1');
				assert.equal(c.reconsent_required, false);
			}
		});

		it('what it did not consent to is not granted', async () => {
			for (const purpose of ['cookies.analytics', 'cookies.marketing']) assertCheck(await check(s.id, purpose), purpose, false);
			const other = await ctx.srv.registerOk(newPerson());
			assertCheck(await check(other.id, 'third_party_transfer'), 'third_party_transfer', false);
		});

		it('every record the registration made keeps the address it came from, readable in the history', async () => {
			const p = newPerson({ ip: '203.0.113.77' });
			const who = await ctx.srv.registerOk(p);
			const h = assertJson(await ctx.srv.req('GET', `/v1/subjects/${who.id}/consents`, { as: 'operator' }), 200);
			assert.equal(h.history.length, 5, 'one record per purpose');
			for (const rec of h.history) assert.equal(rec.ip, '203.0.113.77', `${rec.purpose} keeps the address`);
		});

		it('operator and admin may check too', async () => {
			assertCheck(await check(s.id, 'processing', 'operator'), 'processing', true);
			assertCheck(await check(s.id, 'processing', 'admin'), 'processing', true);
		});
	});

	describe('recording', () => {
		it('POST consents appends a record: 201 {seq,subject_id,purpose,granted,policy_version,ip,source,created_at}', async () => {
			const r = await ctx.srv.req('POST', `/v1/subjects/${s.id}/consents`, {
				as: 'app', json: { purpose: 'cookies.analytics', granted: true, ip: '2001:DB8::42', source: 'banner' },
			});
			const b = assertJson(r, 201);
			assert.equal(typeof b.seq, 'number');
			assert.equal(b.subject_id, s.id);
			assert.equal(b.purpose, 'cookies.analytics');
			assert.equal(b.granted, true);
			assert.equal(b.policy_version, '1');
			assert.equal(b.ip, '2001:db8::42');
			assert.equal(b.source, 'banner');
			assert.match(b.created_at, TIME_RE);
			const c = await check(s.id, 'cookies.analytics');
			assertCheck(c, 'cookies.analytics', true);
			assert.equal(c.since, b.created_at);
		});

		it('152-FZ Art. 9 p.1: a grant without its ip is 422 naming ip; source defaults to api', async () => {
			assertProblem(await ctx.srv.req('POST', `/v1/subjects/${s.id}/consents`, {
				as: 'admin', json: { purpose: 'cookies.marketing', granted: true },
			}), 422, 'validation', { fields: ['ip'] });
			assertCheck(await check(s.id, 'cookies.marketing'), 'cookies.marketing', false);
			const b = assertJson(await ctx.srv.req('POST', `/v1/subjects/${s.id}/consents`, {
				as: 'admin', json: { purpose: 'cookies.marketing', granted: true, ip: '192.0.2.44' },
			}), 201);
			assert.equal(b.ip, '192.0.2.44');
			assert.equal(b.source, 'api');
			assert.equal(b.text_version, null, 'a cookie category names no consent text');
			assertCheck(await check(s.id, 'cookies.marketing'), 'cookies.marketing', true);
		});

		it('every source is accepted', async () => {
			for (const source of ['api', 'banner', 'portal', 'registration', 'request']) {
				const r = await ctx.srv.req('POST', `/v1/subjects/${s.id}/consents`, {
					as: 'app', json: { purpose: 'cookies.preferences', granted: true, ip: '192.0.2.45', source },
				});
				assert.equal(assertJson(r, 201).source, source);
			}
		});

		it('revoking answers not granted at once, for every purpose', async () => {
			for (const purpose of ['cookies.marketing', 'third_party_transfer', 'processing']) {
				assertCheck(await check(s.id, purpose), purpose, true);
				const r = await ctx.srv.req('POST', `/v1/subjects/${s.id}/consents`, {
					as: 'app', json: { purpose, granted: false, source: 'portal' },
				});
				const b = assertJson(r, 201);
				assert.equal(b.granted, false);
				assert.equal(b.ip, null, 'a revocation needs no ip');
				const c = await check(s.id, purpose);
				assertCheck(c, purpose, false);
				assert.equal(c.since, b.created_at, 'since is the time of the revocation');
				const batch = assertJson(await ctx.srv.req('POST', '/v1/consent-checks', {
					as: 'app', json: { checks: [{ subject_id: s.id, purpose }] },
				}), 200);
				assert.equal(batch.results[0].granted, false);
			}
		});

		it('granting again after a revocation is granted (processing first: while it is revoked nothing else is)',
			async () => {
				for (const purpose of ['processing', 'cookies.marketing']) {
					assertJson(await ctx.srv.req('POST', `/v1/subjects/${s.id}/consents`, {
						as: 'app', json: grant(purpose, { ip: '192.0.2.46' }),
					}), 201);
					assertCheck(await check(s.id, purpose), purpose, true);
				}
			});

		it('invalid records are 422 naming the field', async () => {
			const post = (json) => ctx.srv.req('POST', `/v1/subjects/${s.id}/consents`, { as: 'app', json });
			assertProblem(await post({ purpose: 'cookies.everything', granted: true }), 422, 'validation', { fields: ['purpose'] });
			assertProblem(await post({ granted: true }), 422, 'validation', { fields: ['purpose'] });
			assertProblem(await post({ purpose: 'processing', granted: 'yes' }), 422, 'validation', { fields: ['granted'] });
			assertProblem(await post({ purpose: 'processing' }), 422, 'validation', { fields: ['granted'] });
			assertProblem(await post({ purpose: 'processing', granted: true, ip: '10.0.0.256' }), 422, 'validation', { fields: ['ip'] });
			assertProblem(await post({ purpose: 'processing', granted: true, source: 'fax' }), 422, 'validation', { fields: ['source'] });
			assertProblem(await post({ purpose: 'nope', granted: 1, source: 'fax' }), 422, 'validation',
				{ fields: ['purpose', 'granted', 'source'] });
			assertProblem(await ctx.srv.req('POST', `/v1/subjects/${s.id}/consents`, {
				as: 'app', body: '{"purpose":"processing",', headers: { 'content-type': 'application/json' },
			}), 400, 'malformed');
		});

		it('a record for an unknown subject is 404', async () => {
			assertProblem(await ctx.srv.req('POST', `/v1/subjects/${'0'.repeat(32)}/consents`, {
				as: 'app', json: { purpose: 'processing', granted: true, ip: '192.0.2.47', text_version: '1' },
			}), 404, 'not-found');
		});

		it('many changes at once for one person: every one is 201, and the check answers what the newest record says', async () => {
			const p = await ctx.srv.registerOk(newPerson());
			const changes = Array.from({ length: 40 }, (_, i) => ctx.srv.req('POST', `/v1/subjects/${p.id}/consents`, {
				as: 'app',
				json: { purpose: i % 2 ? 'cookies.marketing' : 'cookies.analytics', granted: i % 3 !== 0, ip: `192.0.2.${i + 1}` },
			}));
			// checks asked while the changes are being written answer 200 throughout
			const checks = Array.from({ length: 10 }, () => check(p.id, 'cookies.analytics'));
			for (const r of await Promise.all(changes)) assertJson(r, 201);
			await Promise.all(checks);
			const h = assertJson(await ctx.srv.req('GET', `/v1/subjects/${p.id}/consents?limit=1000`, { as: 'app' }), 200);
			for (const purpose of ['cookies.analytics', 'cookies.marketing']) {
				const newest = h.history.filter((r) => r.purpose === purpose).sort((a, b) => b.seq - a.seq)[0];
				const c = await check(p.id, purpose);
				assert.equal(c.granted, newest.granted, `${purpose}: the check agrees with record ${newest.seq}`);
				assert.equal(Date.parse(c.since), Date.parse(newest.created_at));
				assert.deepEqual(h.current[purpose].granted, newest.granted);
			}
		});
	});

	describe('history and checks', () => {
		it('GET consents returns the current state of every purpose and the full history in order', async () => {
			const b = assertJson(await ctx.srv.req('GET', `/v1/subjects/${s.id}/consents`, { as: 'operator' }), 200);
			assert.equal(b.subject_id, s.id);
			for (const purpose of PURPOSES) {
				assert.ok(b.current[purpose], `current has ${purpose}`);
				assertCheck(b.current[purpose], purpose, (await check(s.id, purpose)).granted);
			}
			assert.ok(Array.isArray(b.history));
			// Registration records + 1 analytics + 1 marketing + 5 sources + 3 revocations + 2 regrants.
			assert.ok(b.history.length >= 11, `history holds every record (${b.history.length})`);
			const seqs = b.history.map((h) => h.seq);
			assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'history is in order');
			for (const h of b.history) {
				assert.equal(h.subject_id, s.id);
				assert.ok(PURPOSES.includes(h.purpose));
				assert.equal(typeof h.granted, 'boolean');
				assert.match(h.created_at, TIME_RE);
				assert.ok('ip' in h && 'source' in h && 'policy_version' in h);
			}
			const proc = b.history.filter((h) => h.purpose === 'processing');
			assert.equal(proc[0].granted, true, 'processing granted at registration');
			assert.equal(proc[0].source, 'registration');
			assert.deepEqual(proc.map((h) => h.granted).slice(1), [false, true], 'then revoked once and granted again');
			const mk = b.history.filter((h) => h.purpose === 'cookies.marketing').map((h) => h.granted);
			assert.deepEqual(mk.slice(-3), [true, false, true], 'marketing: granted, revoked, granted');
		});

		it('GET consents pages the history with limit and after; current is the whole state on every page', async () => {
			const url = `/v1/subjects/${s.id}/consents`;
			const all = assertJson(await ctx.srv.req('GET', url, { as: 'operator' }), 200);
			assert.equal(all.next_after, null, 'one page holds the whole history by default');
			const seqs = [];
			let after = 0;
			for (let guard = 0; guard < 100; guard++) {
				const page = assertJson(await ctx.srv.req('GET', `${url}?limit=3&after=${after}`, { as: 'operator' }), 200);
				assert.deepEqual(page.current, all.current, 'each page answers the current state of every purpose');
				seqs.push(...page.history.map((h) => h.seq));
				if (page.next_after === null) break;
				assert.equal(page.history.length, 3, 'a page with a next_after is full');
				assert.equal(page.next_after, page.history[2].seq);
				after = page.next_after;
			}
			assert.deepEqual(seqs, all.history.map((h) => h.seq), 'the pages together are the whole history, in order');
			for (const bad of ['limit=0', 'limit=1001', 'after=-1', 'after=x']) {
				assertProblem(await ctx.srv.req('GET', `${url}?${bad}`, { as: 'operator' }), 422, 'validation',
					{ fields: [bad.split('=')[0]] });
			}
		});

		it('an unknown purpose is 404; an unknown subject is 404', async () => {
			assertProblem(await ctx.srv.req('GET', `/v1/subjects/${s.id}/consents/cookies.everything`, { as: 'app' }), 404, 'not-found');
			assertProblem(await ctx.srv.req('GET', `/v1/subjects/${'0'.repeat(32)}/consents/processing`, { as: 'app' }), 404, 'not-found');
			assertProblem(await ctx.srv.req('GET', `/v1/subjects/${'0'.repeat(32)}/consents`, { as: 'app' }), 404, 'not-found');
		});
	});

	describe('batch check', () => {
		let subjects;
		before(async () => {
			subjects = [];
			for (let i = 0; i < 10; i++) {
				subjects.push(await ctx.srv.registerOk(newPerson({
					consents: { processing: true, third_party_transfer: i % 2 === 0, cookies: i % 3 === 0 ? ['analytics'] : [] },
				})));
			}
		});

		it('checks 1,000 pairs in one call, in order', async () => {
			const checks = [];
			for (let i = 0; i < 1000; i++) {
				const j = i % subjects.length;
				checks.push({ subject_id: subjects[j].id, purpose: PURPOSES[Math.floor(i / subjects.length) % PURPOSES.length] });
			}
			const t0 = Date.now();
			const b = assertJson(await ctx.srv.req('POST', '/v1/consent-checks', { as: 'app', json: { checks } }), 200);
			const ms = Date.now() - t0;
			assert.equal(b.results.length, 1000);
			b.results.forEach((r, i) => {
				const { subject_id: sid, purpose } = checks[i];
				assert.equal(r.subject_id, sid, `result ${i} is for its pair`);
				assert.equal(r.purpose, purpose);
				const j = subjects.findIndex((x) => x.id === sid);
				const want = purpose === 'processing' || (purpose === 'third_party_transfer' && j % 2 === 0)
					|| (purpose === 'cookies.analytics' && j % 3 === 0);
				assert.equal(r.granted, want, `result ${i}: ${purpose} of subject ${j}`);
				for (const k of CHECK_KEYS) assert.ok(k in r, `result ${i} has ${k}`);
			});
			assert.ok(ms < 5000, `1,000 checks took ${ms} ms`);
		});

		it('1,001 pairs, or none, is 422 naming checks', async () => {
			const checks = Array.from({ length: 1001 }, () => ({ subject_id: subjects[0].id, purpose: 'processing' }));
			assertProblem(await ctx.srv.req('POST', '/v1/consent-checks', { as: 'app', json: { checks } }), 422, 'validation', { fields: ['checks'] });
			assertProblem(await ctx.srv.req('POST', '/v1/consent-checks', { as: 'app', json: { checks: [] } }), 422, 'validation', { fields: ['checks'] });
			assertProblem(await ctx.srv.req('POST', '/v1/consent-checks', { as: 'app', json: {} }), 422, 'validation', { fields: ['checks'] });
		});

		it('an unknown subject or purpose answers granted:false with an error in its place', async () => {
			const unknown = 'e'.repeat(32);
			const b = assertJson(await ctx.srv.req('POST', '/v1/consent-checks', {
				as: 'app', json: { checks: [
					{ subject_id: subjects[0].id, purpose: 'processing' },
					{ subject_id: unknown, purpose: 'processing' },
					{ subject_id: subjects[0].id, purpose: 'cookies.everything' },
				] },
			}), 200);
			assert.equal(b.results.length, 3);
			assert.equal(b.results[0].granted, true);
			assert.deepEqual(b.results[1], { subject_id: unknown, purpose: 'processing', granted: false, error: 'not found' });
			// what is not a purpose is not repeated (tests/integration/abuse.test.mjs)
			assert.deepEqual(b.results[2], { subject_id: subjects[0].id, purpose: null, granted: false, error: 'not found' });
		});

		it('an unknown pair that is no id or no purpose (quotes, control characters, other scripts, long strings) is not repeated: null in its place, valid JSON', async () => {
			const odd = ['"quoted" \\ back\\slash', 'line\nbreak\ttab\u0001', 'Согласие ✓ 同意', 'x'.repeat(5000)];
			const r = await ctx.srv.req('POST', '/v1/consent-checks', {
				as: 'app', json: { checks: odd.map((s, i) => (i % 2 ? { subject_id: s, purpose: 'processing' } : { subject_id: subjects[0].id, purpose: s })) },
			});
			const b = assertJson(r, 200);
			assert.deepEqual(b.results, odd.map((s, i) => ({
				subject_id: i % 2 ? null : subjects[0].id, purpose: i % 2 ? 'processing' : null, granted: false, error: 'not found',
			})));
			for (const s of odd) assert.ok(!r.text.includes(JSON.stringify(s).slice(1, -1)), `not repeated: ${s.slice(0, 20)}`);
		});

		it('the same checks written in any JSON form get the same answer, and every odd body its own error', async () => {
			const a = subjects[0].id, b = subjects[1].id;
			const plain = `{"checks":[{"subject_id":"${a}","purpose":"processing"},{"subject_id":"${b}","purpose":"third_party_transfer"}]}`;
			const forms = [
				plain,
				// whitespace of every kind between tokens, members in the other order
				` \r\n{ "checks" :\t[ { "purpose" : "processing" , "subject_id" : "${a}" } ,\n{"purpose":"third_party_transfer","subject_id":"${b}"} ] }\n`,
				// an escape in a string, a charset parameter: read the general way
				`{"checks":[{"subject_id":"${a}","purpose":"\\u0070rocessing"},{"subject_id":"${b}","purpose":"third_party_transfer"}]}`,
			];
			const send = (body, type = 'application/json') => ctx.srv.req('POST', '/v1/consent-checks', {
				as: 'app', body, headers: { 'content-type': type },
			});
			const want = assertJson(await send(plain), 200);
			assert.equal(want.results.length, 2);
			assert.equal(want.results[0].granted, true);
			for (const f of forms) assert.deepEqual(assertJson(await send(f), 200), want, f);
			assert.deepEqual(assertJson(await send(plain, 'application/json; charset=utf-8'), 200), want);
			assertProblem(await send(plain, 'text/plain'), 415, 'unsupported-media-type');
			const odd = [
				[`{"checks":[{"subject_id":"${a}","purpose":"processing","purpose":"processing"}]}`, 400, 'malformed'],
				[`{"checks":[{"subject_id":"${a}","subject_id":"${a}"}]}`, 400, 'malformed'],
				[`{"checks":[{"subject_id":"${a}","purpose":"processing"}],"extra":1}`, 422, 'validation'],
				[`{"checks":[{"subject_id":"${a}","purpose":"processing","sourse":"x"}]}`, 422, 'validation'],
				[`{"checks":[{"subject_id":"${a}","purpose":1}]}`, 422, 'validation'],
				[`{"checks":[{"subject_id":"${a}","purpose":"processing"},]}`, 400, 'malformed'],
				[`{"checks":[{"subject_id":"${a}","purpose":"processing"}]} x`, 400, 'malformed'],
				[`{"checks":[]}`, 422, 'validation'],
			];
			for (const [body, status, type] of odd) assertProblem(await send(body), status, type);
		});

		it('malformed JSON is 400', async () => {
			assertProblem(await ctx.srv.req('POST', '/v1/consent-checks', {
				as: 'app', body: '{"checks":[', headers: { 'content-type': 'application/json' },
			}), 400, 'malformed');
		});
	});

	ctx.closingTest();
});

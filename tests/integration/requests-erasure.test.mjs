// SPDX-License-Identifier: AGPL-3.0-or-later
// Erasure by request (crypto-shredding: 410 afterwards, consent not granted, the notice kept, the audit log
// verifying, no database file holding the person's name, e-mail or phone, the e-mail free again), revocation of
// consent to processing with erasure scheduled 30 days later, and the sweeper that carries scheduled erasures out
// unless a legal hold is recorded.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
	assertJson, assertProblem, corePii, findStored, forEngines, newPerson, sleep, TIME_RE, withServer,
} from './lib/privd.mjs';
import {
	assertAuditOk, assertRequest, attach, auditEntries, carryOut, decide, execute, fileRequest, getRequest,
	notifications, poll,
} from './lib/requests.mjs';

const DAY = 86_400_000;

async function checkGranted(srv, id, purpose) {
	return assertJson(await srv.req('GET', `/v1/subjects/${id}/consents/${purpose}`, { as: 'app' }), 200).granted;
}

async function assertNoTrace(srv, person) {
	const hits = await findStored(srv, corePii(person));
	assert.deepEqual(hits, [], `personal data of the erased person is still stored: ${JSON.stringify(hits)}`);
}

async function assertAuditClean(srv, person) {
	await assertAuditOk(srv);
	const text = JSON.stringify(await auditEntries(srv));
	for (const v of corePii(person)) assert.ok(!text.includes(v), `the audit log contains ${JSON.stringify(v)}`);
}

forEngines('request erasure', (engine) => {
	const ctx = withServer(engine);

	describe('erase', () => {
		let p;
		let subj;
		let access;
		let q;
		let done;
		before(async () => {
			p = newPerson({ consents: { processing: true, third_party_transfer: true, cookies: ['analytics'] } });
			subj = await ctx.srv.registerOk(p);
			access = await carryOut(ctx.srv, subj.id, 'access');
			q = await fileRequest(ctx.srv, subj.id, 'erase');
			await attach(ctx.srv, q.id);
			assertJson(await decide(ctx.srv, q.id, { action: 'accept' }), 200);
			// Still there until executed.
			assertJson(await ctx.srv.req('GET', `/v1/subjects/${subj.id}`, { as: 'operator' }), 200);
			done = assertRequest(assertJson(await execute(ctx.srv, q.id), 200), { status: 'completed', type: 'erase' });
		});

		it('execute completes the request; its result holds no personal data', async () => {
			assert.match(done.completed_at, TIME_RE);
			const text = JSON.stringify(done);
			for (const v of corePii(p)) assert.ok(!text.includes(v), `the response contains ${JSON.stringify(v)}`);
			assert.equal((await getRequest(ctx.srv, q.id)).status, 'completed', 'the request itself is still readable');
		});

		it('GET /v1/subjects/{id} is 410 Gone; the subject cannot be changed or file requests', async () => {
			for (const as of ['app', 'operator', 'admin']) {
				assertProblem(await ctx.srv.req('GET', `/v1/subjects/${subj.id}`, { as }), 410, 'gone');
			}
			assertProblem(await ctx.srv.req('PATCH', `/v1/subjects/${subj.id}`, { as: 'app', json: { name: 'Кто-то Другой' } }), 410, 'gone');
			assertProblem(await ctx.srv.req('POST', `/v1/subjects/${subj.id}/requests`, { as: 'app', json: { type: 'access' } }), 410, 'gone');
		});

		it('consent checks answer not granted', async () => {
			for (const purpose of ['processing', 'third_party_transfer', 'cookies.analytics']) {
				assert.equal(await checkGranted(ctx.srv, subj.id, purpose), false, `${purpose} after erasure`);
			}
			const b = assertJson(await ctx.srv.req('POST', '/v1/consent-checks', {
				as: 'app', json: { checks: [{ subject_id: subj.id, purpose: 'processing' }] },
			}), 200);
			assert.equal(b.results[0].granted, false);
		});

		it('the notifications still show the completion notice', async () => {
			const n = await notifications(ctx.srv, subj.id);
			const mine = n.filter((x) => x.request_id === q.id).map((x) => x.kind);
			assert.deepEqual(mine, ['request.received', 'request.completed']);
			const text = JSON.stringify(n);
			for (const v of corePii(p)) assert.ok(!text.includes(v), 'the outbox listing holds no personal data');
		});

		it('what was decrypted under the destroyed key is gone: the old export and the scans are not served', async () => {
			const x = await ctx.srv.req('GET', `/v1/requests/${access.id}/export`, { as: 'operator' });
			assertProblem(x, 410, 'gone');
			for (const id of [access.id, q.id]) {
				const d = await ctx.srv.req('GET', `/v1/requests/${id}/document`, { as: 'operator' });
				assert.ok([404, 410].includes(d.status), `the scan of ${id} after erasure: ${d.status} ${d.text.slice(0, 200)}`);
				assertProblem(d, d.status, d.status === 410 ? 'gone' : 'not-found');
			}
		});

		it('the audit log still verifies and never held the name, e-mail or phone', async () => {
			await assertAuditClean(ctx.srv, p);
			const acts = (await auditEntries(ctx.srv)).filter((e) => e.object_id === q.id).map((e) => e.action);
			assert.ok(acts.includes('request.execute'), `erasure is audited: ${acts}`);
		});

		it('no database file holds the person\'s name, e-mail or phone', async () => {
			await assertNoTrace(ctx.srv, p);
		});

		it('the e-mail and phone can be registered again, as a new subject', async () => {
			assert.deepEqual(assertJson(await ctx.srv.req('GET', `/v1/subjects?email=${encodeURIComponent(p.email)}`, { as: 'app' }), 200).items, []);
			const again = await ctx.srv.registerOk(newPerson({ email: p.email, phone: p.phone }));
			assert.notEqual(again.id, subj.id);
			assert.equal(again.status, 'active');
		});
	});

	describe('revoke_processing', () => {
		let subj;
		let q;
		let t0;
		before(async () => {
			subj = await ctx.srv.registerOk(newPerson());
			t0 = Date.now();
			q = await carryOut(ctx.srv, subj.id, 'revoke_processing');
		});

		it('processing answers not granted at once', async () => {
			assert.equal(await checkGranted(ctx.srv, subj.id, 'processing'), false);
		});

		it('erasure is scheduled 30 days later (result.erase_after); the subject is kept until then', async () => {
			const at = q.result.erase_after;
			assert.equal(typeof at, 'string', `result: ${JSON.stringify(q.result)}`);
			const ms = Date.parse(at);
			assert.ok(Number.isFinite(ms), `erase_after is a time: ${at}`);
			assert.ok(Math.abs(ms - (t0 + 30 * DAY)) < DAY, `erase_after ${at} is about 30 days ahead`);
			assertJson(await ctx.srv.req('GET', `/v1/subjects/${subj.id}`, { as: 'operator' }), 200);
		});

		it('erase_after follows the API\'s time format (RFC 3339 UTC with milliseconds)', async () => {
			assert.match(q.result.erase_after, TIME_RE);
		});

		it('the person is told', async () => {
			const kinds = (await notifications(ctx.srv, subj.id)).map((x) => x.kind);
			assert.deepEqual(kinds, ['request.received', 'request.completed']);
		});
	});

	describe('legal hold', () => {
		it('POST legal-hold records and lifts a hold: {subject_id, legal_hold, reason}', async () => {
			const subj = await ctx.srv.registerOk(newPerson());
			const on = assertJson(await ctx.srv.req('POST', `/v1/subjects/${subj.id}/legal-hold`, {
				as: 'operator', json: { hold: true, reason: 'litigation 12/2026' },
			}), 200);
			assert.deepEqual(on, { subject_id: subj.id, legal_hold: true, reason: 'litigation 12/2026' });
			const off = assertJson(await ctx.srv.req('POST', `/v1/subjects/${subj.id}/legal-hold`, {
				as: 'operator', json: { hold: false },
			}), 200);
			assert.equal(off.legal_hold, false);
			assert.equal(off.subject_id, subj.id);
		});

		it('a hold needs a reason; hold must be a boolean; unknown subjects are 404', async () => {
			const subj = await ctx.srv.registerOk(newPerson());
			const post = (json, id = subj.id) => ctx.srv.req('POST', `/v1/subjects/${id}/legal-hold`, { as: 'operator', json });
			assertProblem(await post({ hold: true }), 422, 'validation', { fields: ['reason'] });
			assertProblem(await post({ hold: true, reason: '' }), 422, 'validation', { fields: ['reason'] });
			assertProblem(await post({ reason: 'x' }), 422, 'validation', { fields: ['hold'] });
			assertProblem(await post({ hold: 'yes', reason: 'x' }), 422, 'validation', { fields: ['hold'] });
			assertProblem(await post({ hold: true, reason: 'x', until: '2027-01-01' }), 422, 'validation');
			assertProblem(await post({ hold: true, reason: 'x' }, '0'.repeat(32)), 404, 'not-found');
		});
	});

	ctx.closingTest();
});

forEngines('request erasure: scheduled erasure by the sweeper', (engine) => {
	const ctx = withServer(engine, { serve: { env: { PRIVD_REQUESTS_ERASE_AFTER_REVOKE_DAYS: '0' } } });
	let a;
	let b;
	let pa;
	let pb;
	let qa;
	let executedAt;

	before(async () => {
		pa = newPerson();
		pb = newPerson();
		a = await ctx.srv.registerOk(pa);
		b = await ctx.srv.registerOk(pb);
		assertJson(await ctx.srv.req('POST', `/v1/subjects/${b.id}/legal-hold`, {
			as: 'operator', json: { hold: true, reason: 'Судебный запрос 12/2026' },
		}), 200);
		[qa] = await Promise.all([carryOut(ctx.srv, a.id, 'revoke_processing'), carryOut(ctx.srv, b.id, 'revoke_processing')]);
		executedAt = Date.now();
	});

	it('with erase_after_revoke_days = 0 the subject is erased within seconds', async () => {
		assert.equal(await checkGranted(ctx.srv, a.id, 'processing'), false);
		const status = await poll(async () => {
			const r = await ctx.srv.req('GET', `/v1/subjects/${a.id}`, { as: 'operator' });
			return r.status === 410 ? r.status : null;
		}, { ms: 10_000 });
		assert.equal(status, 410, 'the subject was not erased by the sweeper within 10 s');
	});

	it('after the scheduled erasure: no trace in any database file, the notice kept, the audit log verifying', async () => {
		await assertNoTrace(ctx.srv, pa);
		const kinds = (await notifications(ctx.srv, a.id)).filter((x) => x.request_id === qa.id).map((x) => x.kind);
		assert.deepEqual(kinds, ['request.received', 'request.completed']);
		await assertAuditClean(ctx.srv, pa);
		const erased = (await auditEntries(ctx.srv)).filter((e) => e.object_id === a.id && e.action === 'subject.erase');
		assert.equal(erased.length, 1, 'the scheduled erasure is an audit entry');
		assert.equal(await checkGranted(ctx.srv, a.id, 'processing'), false);
	});

	it('a subject under a legal hold is kept (still 200 after several seconds), processing not granted', async () => {
		const wait = executedAt + 4000 - Date.now();
		if (wait > 0) await sleep(wait);
		const g = assertJson(await ctx.srv.req('GET', `/v1/subjects/${b.id}`, { as: 'operator' }), 200);
		assert.equal(g.name, pb.name);
		assert.equal(await checkGranted(ctx.srv, b.id, 'processing'), false);
	});

	it('once the hold is lifted, the scheduled erasure is carried out', async () => {
		assertJson(await ctx.srv.req('POST', `/v1/subjects/${b.id}/legal-hold`, { as: 'operator', json: { hold: false } }), 200);
		const status = await poll(async () => {
			const r = await ctx.srv.req('GET', `/v1/subjects/${b.id}`, { as: 'operator' });
			return r.status === 410 ? r.status : null;
		}, { ms: 10_000 });
		assert.equal(status, 410, 'the subject was not erased within 10 s of lifting the hold');
		await assertNoTrace(ctx.srv, pb);
	});

	ctx.closingTest();
});

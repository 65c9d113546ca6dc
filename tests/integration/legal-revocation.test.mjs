// SPDX-License-Identifier: AGPL-3.0-or-later
// 152-FZ Art. 9 p.2 and Art. 21 p.5: revoking consent to processing stops processing. A revocation through the
// consents API or an executed revoke_processing request makes every purpose answer not granted at once (on a
// second node within 1 s), makes the subject `revoked`, and schedules the destruction of its data at receipt +
// 30 days (`erase_after`; for a request, receipt is when its document was received, not its execution). While
// revoked, corrections and other grants are 409 `revoked`; a fresh grant of processing returns the subject to
// active and cancels the destruction, audited. The destruction runs like an executed erasure unless a legal hold
// stands.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
	assertJson, assertProblem, birthDateForAge, corePii, engines, findStored, forEngines, grant, newPerson, PURPOSES, sleep,
	TIME_RE, withServer, withTwoNodes,
} from './lib/privd.mjs';
import {
	attach, auditEntries, carryOut, decide, execute, fileRequest, getRequest, poll,
} from './lib/requests.mjs';

const DAY = 86_400_000;
const ALL_GRANTED = { processing: true, third_party_transfer: true, cookies: ['preferences', 'analytics', 'marketing'] };

/** A person who granted every purpose at registration. */
const generous = () => newPerson({ consents: ALL_GRANTED });

/** Every purpose's answer, by the single check and by the batch check: { purpose: granted }. */
async function answers(srv, id, opts = { as: 'app' }) {
	const single = {};
	for (const purpose of PURPOSES) {
		single[purpose] = assertJson(await srv.req('GET', `/v1/subjects/${id}/consents/${purpose}`, opts), 200).granted;
	}
	const b = assertJson(await srv.req('POST', '/v1/consent-checks', {
		...opts, json: { checks: PURPOSES.map((purpose) => ({ subject_id: id, purpose })) },
	}), 200);
	const batch = Object.fromEntries(b.results.map((r) => [r.purpose, r.granted]));
	assert.deepEqual(batch, single, 'the batch check answers as the single check does');
	return single;
}

const none = Object.fromEntries(PURPOSES.map((p) => [p, false]));
const all = Object.fromEntries(PURPOSES.map((p) => [p, true]));

/** POST /v1/subjects/{id}/consents with the person's ip, as an application records a decision (a grant with the
 *  version of the consent text shown, 152-FZ Art. 9 as amended by 156-FZ). */
function record(srv, id, purpose, granted, extra = {}) {
	const json = { purpose, granted, ip: '203.0.113.9', source: 'portal', ...extra };
	return srv.req('POST', `/v1/subjects/${id}/consents`, { as: 'app', json: granted ? grant(purpose, json) : json });
}

async function getSubject(srv, id) {
	return assertJson(await srv.req('GET', `/v1/subjects/${id}`, { as: 'operator' }), 200);
}

async function auditOf(srv, id, action) {
	return (await auditEntries(srv)).filter((e) => e.object_id === id && e.action === action);
}

forEngines('152-FZ Art. 9 p.2, Art. 21 p.5: revoking consent to processing', (engine) => {
	const ctx = withServer(engine);

	describe('through the consents API', () => {
		let p;
		let s;
		let rev;
		before(async () => {
			p = generous();
			s = await ctx.srv.registerOk(p);
			assert.deepEqual(await answers(ctx.srv, s.id), all, 'every purpose granted at registration');
			rev = assertJson(await record(ctx.srv, s.id, 'processing', false), 201);
		});

		it('152-FZ Art. 9 p.2: every purpose answers granted:false at once (single and batch checks)', async () => {
			assert.deepEqual(await answers(ctx.srv, s.id), none);
			assert.deepEqual(await answers(ctx.srv, s.id, { as: 'admin' }), none);
		});

		it('152-FZ Art. 21 p.5: the subject is `revoked` and erase_after is the revocation\'s receipt + 30 days',
			async () => {
				const g = await getSubject(ctx.srv, s.id);
				assert.equal(g.status, 'revoked');
				assert.match(g.erase_after, TIME_RE);
				assert.equal(Date.parse(g.erase_after), Date.parse(rev.created_at) + 30 * DAY,
					`erase_after ${g.erase_after} is 30 days after the revocation ${rev.created_at}`);
				const f = assertJson(await ctx.srv.req('GET', `/v1/subjects?email=${encodeURIComponent(p.email)}`,
					{ as: 'app' }), 200);
				assert.deepEqual(f.items, [{ id: s.id, status: 'revoked' }], 'the look-up shows the status too');
			});

		it('152-FZ Art. 21 p.5: the history shows every other purpose withdrawn with the revocation', async () => {
			const h = assertJson(await ctx.srv.req('GET', `/v1/subjects/${s.id}/consents`, { as: 'operator' }), 200);
			for (const purpose of PURPOSES) {
				const last = h.history.filter((r) => r.purpose === purpose).at(-1);
				assert.equal(last.granted, false, `${purpose}: the latest record withdraws it`);
				assert.equal(last.created_at, rev.created_at, `${purpose}: withdrawn with the revocation`);
				assert.equal(last.source, 'portal', `${purpose}: with the revocation's source`);
				assert.equal(h.current[purpose].granted, false);
			}
		});

		it('152-FZ Art. 21 p.5: the revocation is audited with the destruction it schedules (no personal data)',
			async () => {
				const [e] = await auditOf(ctx.srv, s.id, 'subject.revoke');
				assert.ok(e, 'a subject.revoke entry');
				assert.equal(e.detail.from, 'active');
				assert.equal(e.detail.erase_after, (await getSubject(ctx.srv, s.id)).erase_after);
				assert.equal(e.detail.received_at, rev.created_at);
				assert.deepEqual([...e.detail.withdrawn].sort(), PURPOSES.filter((x) => x !== 'processing').sort());
				const text = JSON.stringify(e);
				for (const v of corePii(p)) assert.ok(!text.includes(v), 'the entry holds no personal data');
			});

		it('152-FZ Art. 21 p.5: while revoked, PATCH is 409 revoked and changes nothing', async () => {
			const before_ = await getSubject(ctx.srv, s.id);
			const r = await ctx.srv.req('PATCH', `/v1/subjects/${s.id}`, { as: 'app', json: { name: 'Другое Имя' } });
			assertProblem(r, 409, 'revoked');
			assert.equal(r.json.title, 'Consent to processing revoked');
			const after_ = await getSubject(ctx.srv, s.id);
			assert.equal(after_.name, p.name);
			assert.equal(after_.updated_at, before_.updated_at);
			assertProblem(await ctx.srv.req('POST', `/v1/subjects/${s.id}/requests`, {
				as: 'app', json: { type: 'rectify', details: { fields: { name: 'Другое Имя' } } },
			}), 409, 'revoked');
		});

		it('152-FZ Art. 21 p.5: while revoked, a grant of any other purpose is 409 revoked; a revocation is recorded',
			async () => {
				for (const purpose of PURPOSES.filter((x) => x !== 'processing')) {
					assertProblem(await record(ctx.srv, s.id, purpose, true), 409, 'revoked');
				}
				assert.deepEqual(await answers(ctx.srv, s.id), none);
				assert.equal(assertJson(await record(ctx.srv, s.id, 'cookies.analytics', false), 201).granted, false);
				assert.equal((await getSubject(ctx.srv, s.id)).status, 'revoked');
			});

		it('152-FZ Art. 21 p.5: a second revocation does not postpone the destruction', async () => {
			const first = (await getSubject(ctx.srv, s.id)).erase_after;
			await sleep(5);
			assertJson(await record(ctx.srv, s.id, 'processing', false), 201);
			const g = await getSubject(ctx.srv, s.id);
			assert.equal(g.status, 'revoked');
			assert.equal(g.erase_after, first);
		});

		it('152-FZ Art. 9 p.2: a new grant of processing returns the subject to active and cancels the destruction, ' +
			'both audited', async () => {
			const scheduled = (await getSubject(ctx.srv, s.id)).erase_after;
			assertJson(await record(ctx.srv, s.id, 'processing', true), 201);
			const g = await getSubject(ctx.srv, s.id);
			assert.equal(g.status, 'active');
			assert.equal(g.erase_after, null);
			const a = await answers(ctx.srv, s.id);
			assert.equal(a.processing, true);
			for (const purpose of PURPOSES.filter((x) => x !== 'processing')) {
				assert.equal(a[purpose], false, `${purpose} stays withdrawn until granted again`);
			}
			const [e] = await auditOf(ctx.srv, s.id, 'subject.restore');
			assert.ok(e, 'a subject.restore entry');
			assert.equal(e.detail.to, 'active');
			assert.equal(e.detail.erasure_cancelled, scheduled);
			// and the subject is an ordinary one again
			assertJson(await record(ctx.srv, s.id, 'cookies.analytics', true), 201);
			assert.equal((await answers(ctx.srv, s.id))['cookies.analytics'], true);
			ctx.srv.pii.push('Пётр Исправленный');
			assert.equal(assertJson(await ctx.srv.req('PATCH', `/v1/subjects/${s.id}`, {
				as: 'app', json: { name: 'Пётр Исправленный' },
			}), 200).name, 'Пётр Исправленный');
		});
	});

	describe('through a revoke_processing request', () => {
		let s;
		let received;
		let done;
		before(async () => {
			s = await ctx.srv.registerOk(generous());
			const q = await fileRequest(ctx.srv, s.id, 'revoke_processing');
			received = await attach(ctx.srv, q.id);
			await sleep(1100); // the operator acts later than the document arrived
			assertJson(await decide(ctx.srv, q.id, { action: 'accept' }), 200);
			done = assertJson(await execute(ctx.srv, q.id), 200);
		});

		it('152-FZ Art. 9 p.2: once executed, every purpose answers granted:false at once', async () => {
			assert.deepEqual(await answers(ctx.srv, s.id), none);
			assert.equal((await getSubject(ctx.srv, s.id)).status, 'revoked');
		});

		it('152-FZ Art. 21 p.5: erase_after is the document\'s received_at + 30 days, not the execution\'s time',
			async () => {
				assert.equal(done.status, 'completed');
				assert.equal(done.result.status, 'revoked');
				const want = Date.parse(received.received_at) + 30 * DAY;
				assert.equal(Date.parse(done.result.erase_after), want,
					`result.erase_after ${done.result.erase_after}, received_at ${received.received_at}`);
				assert.notEqual(Date.parse(done.result.erase_after), Date.parse(done.completed_at) + 30 * DAY);
				assert.ok(Date.parse(done.completed_at) - Date.parse(received.received_at) >= 1000);
				assert.equal(Date.parse((await getSubject(ctx.srv, s.id)).erase_after), want, 'the subject says the same');
				assert.deepEqual((await getRequest(ctx.srv, done.id)).result, done.result);
			});

		it('152-FZ Art. 9 p.2: a new grant of processing cancels the destruction the request scheduled', async () => {
			assertJson(await record(ctx.srv, s.id, 'processing', true), 201);
			const g = await getSubject(ctx.srv, s.id);
			assert.equal(g.status, 'active');
			assert.equal(g.erase_after, null);
			assert.equal((await auditOf(ctx.srv, s.id, 'subject.restore')).length, 1);
		});
	});

	describe('a minor awaiting a guardian', () => {
		it('152-FZ Art. 9 p.2: a pending_guardian minor may revoke too, and granting processing again returns them ' +
			'to pending_guardian, not active', async () => {
			const m = assertJson(await ctx.srv.register(newPerson({
				birth_date: birthDateForAge(15), residence_country: 'DE', consents: ALL_GRANTED,
			})), 202);
			assertJson(await record(ctx.srv, m.id, 'processing', false), 201);
			assert.equal((await getSubject(ctx.srv, m.id)).status, 'revoked');
			assertJson(await record(ctx.srv, m.id, 'processing', true), 201);
			const g = await getSubject(ctx.srv, m.id);
			assert.equal(g.status, 'pending_guardian');
			assert.equal(g.erase_after, null);
			assert.deepEqual(await answers(ctx.srv, m.id), none, 'nothing a minor grants is effective');
		});
	});

	ctx.closingTest();
});

forEngines('152-FZ Art. 21 p.5: the scheduled destruction', (engine) => {
	// erase_after_revoke_days = 0: the destruction falls due at once, so the sweep (every second) runs it.
	const ctx = withServer(engine, { serve: { env: { PRIVD_REQUESTS_ERASE_AFTER_REVOKE_DAYS: '0' } } });
	let pa;
	let a;
	let pb;
	let b;
	let c;
	before(async () => {
		pa = generous();
		pb = generous();
		a = await ctx.srv.registerOk(pa);
		b = await ctx.srv.registerOk(pb);
		c = await ctx.srv.registerOk(generous());
		for (const id of [b.id, c.id]) {
			assertJson(await ctx.srv.req('POST', `/v1/subjects/${id}/legal-hold`, {
				as: 'operator', json: { hold: true, reason: 'Судебный запрос 7/2026' },
			}), 200);
		}
		for (const id of [a.id, b.id, c.id]) assertJson(await record(ctx.srv, id, 'processing', false), 201);
		// c takes processing back while the hold keeps its destruction waiting; then the hold is lifted.
		assertJson(await record(ctx.srv, c.id, 'processing', true), 201);
		assertJson(await ctx.srv.req('POST', `/v1/subjects/${c.id}/legal-hold`, {
			as: 'operator', json: { hold: false },
		}), 200);
	});

	const gone = (id) => poll(async () => (await ctx.srv.req('GET', `/v1/subjects/${id}`, { as: 'operator' })).status === 410,
		{ ms: 10_000 });

	it('152-FZ Art. 21 p.5: when due, the destruction runs like an executed erasure: 410, no trace stored, audited',
		async () => {
			assert.equal(await gone(a.id), true, 'the revoked subject was not destroyed within 10 s');
			assertProblem(await ctx.srv.req('GET', `/v1/subjects/${a.id}`, { as: 'operator' }), 410, 'gone');
			assertProblem(await record(ctx.srv, a.id, 'processing', true), 410, 'gone');
			assert.deepEqual(await answers(ctx.srv, a.id), none);
			const hits = await findStored(ctx.srv, corePii(pa));
			assert.deepEqual(hits, [], `personal data of the destroyed subject is still stored: ${JSON.stringify(hits)}`);
			assert.equal((await auditOf(ctx.srv, a.id, 'subject.erase')).length, 1, 'one subject.erase entry');
		});

	it('152-FZ Art. 21 p.5: a legal hold keeps a revoked subject (still 200 seconds later); lifted, it is destroyed',
		async () => {
			await sleep(2500);
			const g = await getSubject(ctx.srv, b.id);
			assert.equal(g.status, 'revoked');
			assert.equal(g.name, pb.name);
			assert.notEqual(g.erase_after, null, 'the hold keeps the schedule, it does not cancel it');
			assert.deepEqual(await answers(ctx.srv, b.id), none, 'nothing is processed meanwhile');
			assertJson(await ctx.srv.req('POST', `/v1/subjects/${b.id}/legal-hold`, {
				as: 'operator', json: { hold: false },
			}), 200);
			assert.equal(await gone(b.id), true, 'not destroyed within 10 s of lifting the hold');
			assert.deepEqual(await findStored(ctx.srv, corePii(pb)), []);
		});

	it('152-FZ Art. 9 p.2: a destruction cancelled by a new grant of processing never runs', async () => {
		await sleep(2500);
		const g = await getSubject(ctx.srv, c.id);
		assert.equal(g.status, 'active');
		assert.equal(g.erase_after, null);
	});

	it('152-FZ Art. 21 p.5: a revoke_processing request\'s destruction runs too', async () => {
		const s = await ctx.srv.registerOk(generous());
		const q = await carryOut(ctx.srv, s.id, 'revoke_processing');
		assert.equal(q.result.status, 'revoked');
		assert.equal(await gone(s.id), true);
	});

	ctx.closingTest();
});

describe('152-FZ Art. 9 p.2: a revocation is seen on a second node within 1 s',
	{ skip: !engines().includes('postgres') && 'no PostgreSQL server' }, () => {
		const WINDOW_MS = 1000;
		const nodes = withTwoNodes();
		let a;
		let b;

		before(async () => {
			({ a, b } = nodes);
			await a.createRoleKeys();
			b.keys = { ...a.keys };
		});

		/** Polls until every purpose answers false on node; the milliseconds it took. */
		async function allFalseOn(node, id) {
			const t0 = performance.now();
			for (;;) {
				const got = await Promise.all(PURPOSES.map(async (purpose) =>
					assertJson(await node.req('GET', `/v1/subjects/${id}/consents/${purpose}`, { as: 'app' }), 200).granted));
				if (got.every((g) => g === false)) return performance.now() - t0;
				assert.ok(performance.now() - t0 <= WINDOW_MS, `not every purpose false within ${WINDOW_MS} ms: ${got}`);
				await sleep(20);
			}
		}

		it('revoked through the API on A: every purpose answers false on B within 1 s, B\'s cache notwithstanding',
			async () => {
				const s = await a.registerOk(generous());
				b.pii.push(...a.pii);
				for (let i = 0; i < 3; i++) assert.deepEqual(await answers(b, s.id), all, 'B has the grants cached');
				const t0 = performance.now();
				assertJson(await record(a, s.id, 'processing', false), 201);
				await allFalseOn(b, s.id);
				assert.ok(performance.now() - t0 <= WINDOW_MS + 200);
				assert.equal((await getSubject(b, s.id)).status, 'revoked');
			});

		it('revoked by a request executed on B: every purpose answers false on A within 1 s', async () => {
			const s = await b.registerOk(generous());
			a.pii.push(...b.pii);
			for (let i = 0; i < 3; i++) assert.deepEqual(await answers(a, s.id), all, 'A has the grants cached');
			const q = await fileRequest(b, s.id, 'revoke_processing');
			await attach(b, q.id);
			assertJson(await decide(b, q.id, { action: 'accept' }), 200);
			assertJson(await execute(b, q.id), 200);
			await allFalseOn(a, s.id);
		});
	});

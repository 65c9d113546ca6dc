// SPDX-License-Identifier: AGPL-3.0-or-later
// Rights requests end to end: filing, the scan, the deadline on the production calendar, the operator's decisions,
// execution of access, transfer_info, rectify, revoke_cookies and guardian_consent, the access export, the
// notification outbox, listing, roles, and the audit trail. Erasure and revocation of processing are in
// requests-erasure.test.mjs, the scan's content checks in requests-documents.test.mjs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it, test } from 'node:test';
import {
	assertJson, assertProblem, birthDateForAge, corePii, forEngines, newPerson, ROLES, TIME_RE, withServer,
} from './lib/privd.mjs';
import { normPath, privdRoutes } from './lib/routes.mjs';
import { makePdf, makePng } from './lib/documents.mjs';
import {
	addWorkingDays, assertAuditOk, assertRequest, attach, auditEntries, carryOut, decide, execute, fileRequest,
	getRequest, guardianDetails, moscowToday, notifications, putDocument, REQUEST_TYPES,
} from './lib/requests.mjs';

const NO_ID = '0'.repeat(32);

// The request routes of docs/api.md with their roles.
// (subject: a person's portal session, its own subject only; see portal.test.mjs)
const REQUEST_ROUTES = [
	['POST', '/v1/subjects/{id}/requests', ['app', 'operator', 'admin', 'subject']],
	['PUT', '/v1/requests/{id}/document', ['app', 'operator', 'subject']],
	['GET', '/v1/requests', ['operator', 'auditor', 'admin', 'subject']],
	['GET', '/v1/requests/{id}', ['app', 'operator', 'auditor', 'admin', 'subject']],
	['GET', '/v1/requests/{id}/document', ['operator']],
	['POST', '/v1/requests/{id}/decision', ['operator']],
	['POST', '/v1/requests/{id}/execute', ['operator']],
	['GET', '/v1/requests/{id}/export', ['operator', 'subject']],
	['GET', '/v1/subjects/{id}/notifications', ['app', 'operator', 'auditor', 'admin', 'subject']],
	['POST', '/v1/subjects/{id}/legal-hold', ['operator']],
];

/** The date one calendar day after d ("YYYY-MM-DD"). */
function nextDay(d) {
	const t = new Date(`${d}T12:00:00Z`);
	t.setUTCDate(t.getUTCDate() + 1);
	return t.toISOString().slice(0, 10);
}

test('`privd routes` declares the roles of docs/api.md for every request route', async () => {
	const got = new Map((await privdRoutes()).map((r) => [`${r.method} ${normPath(r.path)}`, [...r.roles].sort()]));
	for (const [m, p, roles] of REQUEST_ROUTES) {
		const k = `${m} ${normPath(p)}`;
		assert.ok(got.has(k), `privd routes lists ${m} ${p}`);
		assert.deepEqual(got.get(k), [...roles].sort(), `roles of ${m} ${p}`);
	}
});

forEngines('requests', (engine) => {
	const ctx = withServer(engine);
	let s;

	before(async () => {
		s = await ctx.srv.registerOk(newPerson({
			consents: { processing: true, third_party_transfer: true, cookies: ['preferences', 'analytics', 'marketing'] },
		}));
	});

	describe('filing', () => {
		it('POST /v1/subjects/{id}/requests: 201 awaiting_document, Location, nothing received or decided yet', async () => {
			const q = await fileRequest(ctx.srv, s.id, 'access', {});
			assert.deepEqual(q.result, {});
			for (const k of ['received_at', 'decided_at', 'completed_at', 'due_date', 'working_days_left', 'document', 'reason']) {
				assert.equal(q[k], null, `${k} is null before the scan`);
			}
			assert.equal(q.extended, false);
			assert.equal(q.overdue, false);
			assert.equal(q.due_estimated, false);
			assert.equal(q.created_at, q.updated_at);
			const g = await getRequest(ctx.srv, q.id, 'operator');
			assert.equal(g.status, 'awaiting_document');
			assert.equal(g.created_at, q.created_at);
		});

		// An inquiry starts received and needs its question: legal-inquiries.test.mjs files it.
		it('every type but guardian_consent and inquiry can be filed for an active adult, by app or operator', async () => {
			for (const type of REQUEST_TYPES.filter((t) => t !== 'guardian_consent' && t !== 'inquiry')) {
				const details = type === 'rectify' ? { fields: { ip: '198.51.100.9' } } : undefined;
				await fileRequest(ctx.srv, s.id, type, details, { as: 'app' });
				await fileRequest(ctx.srv, s.id, type, details ?? null, { as: 'operator' });
			}
		});

		it('details are shown to operator and admin only; app and auditor see null', async () => {
			const name = `Исправленная Фамилия ${randomBytes(3).toString('hex')}`;
			ctx.srv.pii.push(name);
			const q = await fileRequest(ctx.srv, s.id, 'rectify', { fields: { name } }, { as: 'operator' });
			for (const as of ['operator', 'admin']) {
				assert.deepEqual((await getRequest(ctx.srv, q.id, as)).details, { fields: { name } }, `${as} sees details`);
			}
			for (const as of ['app', 'auditor']) {
				const g = await getRequest(ctx.srv, q.id, as);
				assert.equal(g.details, null, `${as} does not see details`);
				assert.ok(!JSON.stringify(g).includes(name), `${as} does not see the new name anywhere`);
			}
			const app = assertJson(await ctx.srv.req('POST', `/v1/subjects/${s.id}/requests`, {
				as: 'app', json: { type: 'rectify', details: { fields: { name } } },
			}), 201);
			assert.equal(app.details, null, 'an app filing a request does not get the details back');
		});

		it('an operator filing a request gets its details back in the 201 response', async () => {
			const name = `Оператор Вписал ${randomBytes(3).toString('hex')}`;
			ctx.srv.pii.push(name);
			const q = await fileRequest(ctx.srv, s.id, 'rectify', { fields: { name } }, { as: 'operator' });
			assert.deepEqual(q.details, { fields: { name } },
				'docs/api.md: details are shown to operator and admin keys; the 201 to an operator has them');
		});

		it('invalid filings are 422 naming the field; nothing is filed', async () => {
			const before = assertJson(await ctx.srv.req('GET', `/v1/requests?subject_id=${s.id}&limit=1000`, { as: 'operator' }), 200).items.length;
			const post = (json) => ctx.srv.req('POST', `/v1/subjects/${s.id}/requests`, { as: 'app', json });
			assertProblem(await post({ type: 'forget_me' }), 422, 'validation', { fields: ['type'] });
			assertProblem(await post({}), 422, 'validation', { fields: ['type'] });
			assertProblem(await post({ type: 7 }), 422, 'validation', { fields: ['type'] });
			assertProblem(await post({ type: 'access', details: 'please' }), 422, 'validation', { fields: ['details'] });
			assertProblem(await post({ type: 'access', details: [] }), 422, 'validation', { fields: ['details'] });
			assertProblem(await post({ type: 'access', urgent: true }), 422, 'validation');
			const bad = await post({ type: 'rectify', details: { fields: { email: 'no-at-sign.example.org' } } });
			const p = assertProblem(bad, 422, 'validation', { fields: ['details.fields.email'] });
			assert.ok(!JSON.stringify(p).includes('no-at-sign'), 'the problem does not repeat the submitted value');
			assertProblem(await post({ type: 'rectify', details: { fields: { phone: '12' } } }), 422, 'validation',
				{ fields: ['details.fields.phone'] });
			assertProblem(await post({ type: 'rectify', details: { fields: { shoe_size: '44' } } }), 422, 'validation');
			assertProblem(await ctx.srv.req('POST', `/v1/subjects/${s.id}/requests`, {
				as: 'app', body: '{"type":', headers: { 'content-type': 'application/json' },
			}), 400, 'malformed');
			const after = assertJson(await ctx.srv.req('GET', `/v1/requests?subject_id=${s.id}&limit=1000`, { as: 'operator' }), 200).items.length;
			assert.equal(after, before, 'no request was filed by the invalid attempts');
		});

		it('guardian_consent for an active adult is 422', async () => {
			assertProblem(await ctx.srv.req('POST', `/v1/subjects/${s.id}/requests`, {
				as: 'operator', json: { type: 'guardian_consent' },
			}), 422, 'validation');
		});

		it('a request for an unknown subject is 404', async () => {
			assertProblem(await ctx.srv.req('POST', `/v1/subjects/${NO_ID}/requests`, {
				as: 'app', json: { type: 'access' },
			}), 404, 'not-found');
		});
	});

	describe('scan, deadline and notice of receipt', () => {
		let q;
		let got;
		let todays;
		const pdf = makePdf(['Request for access to my data', 'Signature']);

		before(async () => {
			q = await fileRequest(ctx.srv, s.id, 'access');
			const t0 = moscowToday();
			got = await attach(ctx.srv, q.id, { data: pdf });
			todays = [...new Set([t0, moscowToday()])];
		});

		it('PUT document: 200 received with received_at and the document digest', async () => {
			assert.equal(got.id, q.id);
			assert.match(got.received_at, TIME_RE);
			assert.ok(got.received_at >= q.created_at);
			assert.equal(got.decided_at, null);
			assert.equal(got.completed_at, null);
			// the app that sent the scan is not shown its type, size and hash: operator and admin keys only are
			assert.equal(got.document, null);
			const seen = await getRequest(ctx.srv, q.id);
			assert.deepEqual(seen.document, { type: 'application/pdf', size: pdf.length, sha256: (await import('./lib/documents.mjs')).sha256(pdf) });
			assert.deepEqual(seen, { ...got, details: null, document: seen.document },
				'GET returns what PUT answered');
		});

		it('due_date is `privd calendar add-working-days <today in Europe/Moscow> 10`', async () => {
			const want = [];
			for (const t of todays) want.push(await addWorkingDays(t, 10));
			const same = want.find((w) => w.date === got.due_date);
			assert.ok(same, `due_date ${got.due_date}, expected ${want.map((w) => w.date).join(' or ')}`);
			// estimated exactly when the command line says so (a count into a year without a published calendar)
			assert.equal(got.due_estimated, /estimated/.test(same.line), `due_estimated ${got.due_estimated}: ${same.line}`);
			assert.equal(got.working_days_left, 10, 'ten working days are left on the day of receipt');
			assert.equal(got.overdue, false);
			assert.equal(got.extended, false);
		});

		it('the receipt is queued as a notice to the person\'s e-mail', async () => {
			const n = (await notifications(ctx.srv, s.id)).filter((x) => x.request_id === q.id);
			assert.equal(n.length, 1, `one notice for the receipt: ${JSON.stringify(n)}`);
			assert.equal(n[0].kind, 'request.received');
			assert.equal(n[0].subject_id, s.id);
			assert.equal(n[0].channel, 'email');
			assert.equal(n[0].status, 'queued');
			assert.equal(n[0].attempts, 0);
			assert.equal(n[0].sent_at, null);
		});

		it('a person without an e-mail is told by SMS', async () => {
			const p = await ctx.srv.registerOk(newPerson({ email: undefined }));
			const r = await fileRequest(ctx.srv, p.id, 'transfer_info');
			await attach(ctx.srv, r.id, { data: makePng(), type: 'image/png' });
			const n = await notifications(ctx.srv, p.id, 'app');
			assert.deepEqual(n.map((x) => [x.kind, x.channel, x.request_id]), [['request.received', 'sms', r.id]]);
		});

		it('a filed request without a scan queues nothing', async () => {
			const p = await ctx.srv.registerOk(newPerson());
			await fileRequest(ctx.srv, p.id, 'access');
			assert.deepEqual(await notifications(ctx.srv, p.id), []);
		});

		it('notifications of an unknown subject are 404', async () => {
			assertProblem(await ctx.srv.req('GET', `/v1/subjects/${NO_ID}/notifications`, { as: 'operator' }), 404, 'not-found');
		});
	});

	describe('decisions', () => {
		it('nothing can be decided or executed before the scan is received (409)', async () => {
			const q = await fileRequest(ctx.srv, s.id, 'access');
			for (const action of ['accept', 'reject', 'extend']) {
				assertProblem(await decide(ctx.srv, q.id, { action, reason: 'Не хватает подписи' }), 409, 'conflict');
			}
			assertProblem(await execute(ctx.srv, q.id), 409, 'conflict');
			assert.equal((await getRequest(ctx.srv, q.id)).status, 'awaiting_document');
		});

		it('execute before accept is 409', async () => {
			const q = await fileRequest(ctx.srv, s.id, 'transfer_info');
			await attach(ctx.srv, q.id);
			assertProblem(await execute(ctx.srv, q.id), 409, 'conflict');
			const g = await getRequest(ctx.srv, q.id);
			assert.equal(g.status, 'received');
			assert.deepEqual(g.result, {});
		});

		it('an unknown or missing action is 422 naming action', async () => {
			const q = await fileRequest(ctx.srv, s.id, 'access');
			await attach(ctx.srv, q.id);
			assertProblem(await decide(ctx.srv, q.id, { action: 'approve' }), 422, 'validation', { fields: ['action'] });
			assertProblem(await decide(ctx.srv, q.id, { reason: 'x' }), 422, 'validation', { fields: ['action'] });
			assertProblem(await decide(ctx.srv, q.id, { action: 'accept', note: 'x' }), 422, 'validation');
			assert.equal((await getRequest(ctx.srv, q.id)).status, 'received');
		});

		describe('reject', () => {
			let q;
			const reason = 'Подпись на скане отсутствует';
			before(async () => {
				q = await fileRequest(ctx.srv, s.id, 'access');
				await attach(ctx.srv, q.id);
			});

			it('reject without a reason is 422 naming reason, and changes nothing', async () => {
				assertProblem(await decide(ctx.srv, q.id, { action: 'reject' }), 422, 'validation', { fields: ['reason'] });
				assertProblem(await decide(ctx.srv, q.id, { action: 'reject', reason: '' }), 422, 'validation', { fields: ['reason'] });
				const g = await getRequest(ctx.srv, q.id);
				assert.equal(g.status, 'received');
				assert.equal(g.decided_at, null);
			});

			it('reject with a reason closes it: rejected, decided_at, the reason shown to operator and admin only', async () => {
				const r = assertRequest(assertJson(await decide(ctx.srv, q.id, { action: 'reject', reason }), 200),
					{ status: 'rejected' });
				assert.equal(r.reason, reason);
				assert.match(r.decided_at, TIME_RE);
				assert.equal(r.completed_at, null);
				assert.equal(r.overdue, false, 'a closed request is never overdue');
				assert.equal((await getRequest(ctx.srv, q.id, 'admin')).reason, reason);
				for (const as of ['app', 'auditor']) assert.equal((await getRequest(ctx.srv, q.id, as)).reason, null, `${as} sees no reason`);
			});

			it('the person is told of the rejection', async () => {
				const n = (await notifications(ctx.srv, s.id)).filter((x) => x.request_id === q.id);
				assert.deepEqual(n.map((x) => x.kind), ['request.received', 'request.rejected']);
				assert.ok(n.every((x) => x.status === 'queued' && x.channel === 'email'));
			});

			it('a rejected request is closed: no further decision, execution or scan (409)', async () => {
				for (const action of ['accept', 'reject', 'extend']) {
					assertProblem(await decide(ctx.srv, q.id, { action, reason: 'again' }), 409, 'conflict');
				}
				assertProblem(await execute(ctx.srv, q.id), 409, 'conflict');
				assertProblem(await putDocument(ctx.srv, q.id, makePdf(), 'application/pdf'), 409, 'conflict');
				const g = await getRequest(ctx.srv, q.id);
				assert.equal(g.status, 'rejected');
				assert.equal(g.reason, reason);
			});
		});

		describe('extend', () => {
			let q;
			let received;
			const reason = 'Требуется дополнительная проверка личности';
			before(async () => {
				q = await fileRequest(ctx.srv, s.id, 'transfer_info');
				received = await attach(ctx.srv, q.id);
			});

			it('extend without a reason is 422 naming reason', async () => {
				assertProblem(await decide(ctx.srv, q.id, { action: 'extend' }), 422, 'validation', { fields: ['reason'] });
				const g = await getRequest(ctx.srv, q.id);
				assert.equal(g.extended, false);
				assert.equal(g.due_date, received.due_date);
			});

			it('extend moves the due date by 5 working days on the calendar, with the reason', async () => {
				const r = assertRequest(assertJson(await decide(ctx.srv, q.id, { action: 'extend', reason }), 200));
				assert.equal(r.extended, true);
				assert.equal(r.reason, reason);
				assert.equal(r.status, 'received', 'an extended request is still open');
				assert.equal(r.due_date, (await addWorkingDays(received.due_date, 5)).date,
					`due date ${received.due_date} + 5 working days`);
				assert.equal(r.working_days_left, received.working_days_left + 5);
				assert.equal(r.completed_at, null);
			});

			it('the person is told of the extension', async () => {
				const n = (await notifications(ctx.srv, s.id)).filter((x) => x.request_id === q.id);
				assert.deepEqual(n.map((x) => x.kind), ['request.received', 'request.extended']);
			});

			it('a second extension is 409 and changes nothing', async () => {
				const before2 = await getRequest(ctx.srv, q.id);
				assertProblem(await decide(ctx.srv, q.id, { action: 'extend', reason: 'еще раз' }), 409, 'conflict');
				const g = await getRequest(ctx.srv, q.id);
				assert.equal(g.due_date, before2.due_date);
				assert.equal(g.reason, reason);
				const n = (await notifications(ctx.srv, s.id)).filter((x) => x.request_id === q.id);
				assert.equal(n.length, 2, 'no notice for a refused extension');
			});

			it('an extended request can still be accepted and executed; the person is told of completion', async () => {
				assertRequest(assertJson(await decide(ctx.srv, q.id, { action: 'accept' }), 200), { status: 'accepted' });
				const done = assertRequest(assertJson(await execute(ctx.srv, q.id), 200), { status: 'completed' });
				assert.equal(done.extended, true);
				const n = (await notifications(ctx.srv, s.id)).filter((x) => x.request_id === q.id);
				assert.deepEqual(n.map((x) => x.kind), ['request.received', 'request.extended', 'request.completed']);
			});
		});

		it('accept: accepted with decided_at; the scan can no longer be replaced; accepting twice is 409; completed is closed', async () => {
			const q = await fileRequest(ctx.srv, s.id, 'transfer_info');
			const first = await attach(ctx.srv, q.id);
			const png = makePng(4, 4);
			const replaced = await attach(ctx.srv, q.id, { data: png, type: 'image/png', as: 'operator' });
			assert.equal(replaced.document.type, 'image/png', 'a new scan replaces the old one before the decision');
			assert.equal(replaced.due_date, first.due_date);
			const a = assertRequest(assertJson(await decide(ctx.srv, q.id, { action: 'accept' }), 200), { status: 'accepted' });
			assert.match(a.decided_at, TIME_RE);
			assert.equal(a.completed_at, null);
			assertProblem(await putDocument(ctx.srv, q.id, makePdf(), 'application/pdf'), 409, 'conflict');
			assertProblem(await decide(ctx.srv, q.id, { action: 'accept' }), 409, 'conflict');
			assert.equal((await getRequest(ctx.srv, q.id)).document.type, 'image/png');
			const done = assertRequest(assertJson(await execute(ctx.srv, q.id), 200), { status: 'completed' });
			assert.match(done.completed_at, TIME_RE);
			for (const action of ['accept', 'reject', 'extend']) {
				assertProblem(await decide(ctx.srv, q.id, { action, reason: 'late' }), 409, 'conflict');
			}
			assertProblem(await execute(ctx.srv, q.id), 409, 'conflict');
			assert.equal((await getRequest(ctx.srv, q.id)).status, 'completed', 'a completed request stays completed');
		});

		it('an unknown request is 404 on every request route', async () => {
			const u = `/v1/requests/${NO_ID}`;
			assertProblem(await ctx.srv.req('GET', u, { as: 'operator' }), 404, 'not-found');
			assertProblem(await putDocument(ctx.srv, NO_ID, makePdf(), 'application/pdf'), 404, 'not-found');
			assertProblem(await ctx.srv.req('GET', `${u}/document`, { as: 'operator' }), 404, 'not-found');
			assertProblem(await decide(ctx.srv, NO_ID, { action: 'accept' }), 404, 'not-found');
			assertProblem(await execute(ctx.srv, NO_ID), 404, 'not-found');
			assertProblem(await ctx.srv.req('GET', `${u}/export`, { as: 'operator' }), 404, 'not-found');
		});
	});

	describe('listing', () => {
		let p;
		let mine;
		before(async () => {
			p = await ctx.srv.registerOk(newPerson());
			// Filed at once, so that several share a millisecond: paging must still return each exactly once.
			mine = await Promise.all(Array.from({ length: 40 }, (_, i) =>
				fileRequest(ctx.srv, p.id, i % 2 ? 'access' : 'transfer_info')));
			for (const q of mine.slice(0, 4)) await attach(ctx.srv, q.id);
			await decide(ctx.srv, mine[0].id, { action: 'accept' });
			await decide(ctx.srv, mine[1].id, { action: 'reject', reason: 'Нет подписи' });
		});
		const list = async (qs, as = 'operator') => {
			const b = assertJson(await ctx.srv.req('GET', `/v1/requests?${qs}`, { as }), 200);
			assert.deepEqual(Object.keys(b).sort(), ['items', 'next_after']);
			for (const q of b.items) assertRequest(q);
			return b;
		};

		it('GET /v1/requests?subject_id= lists the subject\'s requests, without details or reasons', async () => {
			const b = await list(`subject_id=${p.id}`);
			assert.deepEqual(b.items.map((q) => q.id).sort(), mine.map((q) => q.id).sort());
			assert.equal(b.next_after, null);
			assert.ok(b.items.every((q) => q.details === null && q.reason === null), 'a list holds no details or reasons');
			for (const as of ['auditor', 'admin']) assert.equal((await list(`subject_id=${p.id}`, as)).items.length, mine.length);
		});

		it('status filters by status', async () => {
			const ids = (b) => b.items.map((q) => q.id).sort();
			assert.deepEqual(ids(await list(`subject_id=${p.id}&status=accepted`)), [mine[0].id]);
			assert.deepEqual(ids(await list(`subject_id=${p.id}&status=rejected`)), [mine[1].id]);
			assert.deepEqual(ids(await list(`subject_id=${p.id}&status=received`)), [mine[2].id, mine[3].id].sort());
			assert.deepEqual(ids(await list(`subject_id=${p.id}&status=awaiting_document`)), mine.slice(4).map((q) => q.id).sort());
			assert.deepEqual(ids(await list(`subject_id=${p.id}&status=completed`)), []);
			for (const q of (await list('status=received&limit=1000')).items) assert.equal(q.status, 'received');
		});

		it('due_before is strictly before that day; overdue filters on the overdue flag', async () => {
			const due = (await getRequest(ctx.srv, mine[2].id)).due_date;
			const before0 = await list(`subject_id=${p.id}&due_before=${due}`);
			assert.equal(before0.items.length, 0, 'nothing due strictly before the due date');
			const before1 = await list(`subject_id=${p.id}&due_before=${nextDay(due)}`);
			assert.deepEqual(before1.items.map((q) => q.id).sort(), mine.slice(0, 4).map((q) => q.id).sort(),
				'the received requests are due before the next day; requests without a due date are not listed');
			assert.deepEqual((await list(`subject_id=${p.id}&overdue=1`)).items, [], 'nothing new is overdue');
			assert.deepEqual((await list(`subject_id=${p.id}&overdue=true`)).items, []);
			assert.equal((await list(`subject_id=${p.id}&overdue=0`)).items.length, mine.length);
			assert.equal((await list(`subject_id=${p.id}&overdue=false`)).items.length, mine.length);
			for (const q of (await list('overdue=1&limit=1000')).items) assert.equal(q.overdue, true);
		});

		it('limit and after page through every request exactly once', async () => {
			for (const limit of [1, 7]) {
				const seen = [];
				let after = null;
				for (let page = 0; page < 200; page++) {
					const b = await list(`subject_id=${p.id}&limit=${limit}${after === null ? '' : `&after=${after}`}`);
					assert.ok(b.items.length <= limit);
					seen.push(...b.items.map((q) => q.id));
					if (b.next_after === null) break;
					assert.ok(Number.isInteger(b.next_after), `next_after is an integer cursor: ${b.next_after}`);
					after = b.next_after;
				}
				assert.deepEqual([...seen].sort(), mine.map((q) => q.id).sort(),
					`paging with limit=${limit} returns each of the ${mine.length} requests exactly once (got ${seen.length})`);
			}
		});

		it('a bad parameter is 422 naming it', async () => {
			for (const [qs, field] of [['status=open', 'status'], ['overdue=yes', 'overdue'], ['due_before=2026-02-30', 'due_before'],
				['due_before=tomorrow', 'due_before'], ['subject_id=xyz', 'subject_id'], ['limit=0', 'limit'],
				['limit=1001', 'limit'], ['limit=x', 'limit'], ['after=-1', 'after'], ['after=abc', 'after']]) {
				assertProblem(await ctx.srv.req('GET', `/v1/requests?${qs}`, { as: 'operator' }), 422, 'validation', { fields: [field] });
			}
		});
	});

	describe('execution', () => {
		it('access: result points at the export; the JSON export holds everything on the person', async () => {
			const p = newPerson({ consents: { processing: true, third_party_transfer: false, cookies: ['analytics'] } });
			const subj = await ctx.srv.registerOk(p);
			const earlier = await fileRequest(ctx.srv, subj.id, 'transfer_info');
			const q = await carryOut(ctx.srv, subj.id, 'access');
			assert.ok(q.result.export, `result names the export: ${JSON.stringify(q.result)}`);
			assert.match(q.completed_at, TIME_RE);
			for (const v of corePii(p)) assert.ok(!JSON.stringify(q.result).includes(v), 'the result holds no personal data');
			const r = await ctx.srv.req('GET', `/v1/requests/${q.id}/export`, { as: 'operator' });
			const x = assertJson(r, 200);
			assert.match(r.headers.get('cache-control') || '', /no-store/);
			assert.equal(x.profile.id, subj.id);
			assert.equal(x.profile.name, subj.name);
			assert.equal(x.profile.email, subj.email);
			assert.equal(x.profile.phone, subj.phone);
			assert.equal(x.profile.birth_date, subj.birth_date);
			assert.ok(Array.isArray(x.consents.history) && x.consents.history.length >= 1, 'consent history');
			assert.ok(x.consents.history.some((h) => h.purpose === 'processing' && h.granted === true));
			assert.ok(x.consents.history.some((h) => h.purpose === 'cookies.analytics' && h.granted === true));
			assert.ok(x.cookie_consents && typeof x.cookie_consents === 'object', 'cookie consents');
			assert.equal(x.cookie_consents.analytics?.granted, true, `cookie_consents: ${JSON.stringify(x.cookie_consents)}`);
			assert.equal(x.cookie_consents.marketing?.granted, false);
			assert.deepEqual(x.transfers, []);
			assert.ok(Array.isArray(x.requests));
			const reqIds = x.requests.map((e) => e.id);
			assert.ok(reqIds.includes(q.id) && reqIds.includes(earlier.id), `the export lists the person's requests: ${reqIds}`);
			assert.ok(Array.isArray(x.notifications));
			const outbox = await notifications(ctx.srv, subj.id);
			assert.ok(outbox.some((n) => n.kind === 'request.received' && n.request_id === q.id));
			for (const n of outbox.filter((o) => o.kind === 'request.received')) {
				assert.ok(x.notifications.some((e) => e.id === n.id && e.kind === n.kind),
					`the export lists the notice ${n.id}: ${JSON.stringify(x.notifications)}`);
			}
			const j2 = await ctx.srv.req('GET', `/v1/requests/${q.id}/export?format=json`, { as: 'operator' });
			assert.equal(assertJson(j2, 200).profile.id, subj.id);
		});

		it('access: ?format=html (or Accept: text/html) is a readable HTML page with the person\'s data', async () => {
			const p = newPerson({ name: 'Ольга <Тест> & Сыновья' });
			const subj = await ctx.srv.registerOk(p);
			const q = await carryOut(ctx.srv, subj.id, 'access');
			const r = await ctx.srv.req('GET', `/v1/requests/${q.id}/export?format=html`, { as: 'operator' });
			assert.equal(r.status, 200, r.text.slice(0, 300));
			assert.match(r.headers.get('content-type') || '', /^text\/html/);
			assert.match(r.headers.get('cache-control') || '', /no-store/);
			assert.match(r.text, /<html/i);
			assert.ok(r.text.includes('Ольга &lt;Тест&gt; &amp; Сыновья'), 'the name is on the page, HTML-escaped');
			assert.ok(!r.text.includes('<Тест>'), 'the name is never unescaped markup');
			assert.ok(r.text.includes(subj.email) && r.text.includes(subj.phone), 'e-mail and phone are on the page');
			const a = await ctx.srv.req('GET', `/v1/requests/${q.id}/export`, { as: 'operator', headers: { accept: 'text/html' } });
			assert.equal(a.status, 200);
			assert.match(a.headers.get('content-type') || '', /^text\/html/);
			assertProblem(await ctx.srv.req('GET', `/v1/requests/${q.id}/export?format=xml`, { as: 'operator' }), 422, 'validation',
				{ fields: ['format'] });
		});

		it('the export is 409 unless the request is a completed access request', async () => {
			const open = await fileRequest(ctx.srv, s.id, 'access');
			assertProblem(await ctx.srv.req('GET', `/v1/requests/${open.id}/export`, { as: 'operator' }), 409, 'conflict');
			const other = await carryOut(ctx.srv, s.id, 'transfer_info');
			assertProblem(await ctx.srv.req('GET', `/v1/requests/${other.id}/export`, { as: 'operator' }), 409, 'conflict');
		});

		it('transfer_info: an honest empty list of transfers; the person is told', async () => {
			const subj = await ctx.srv.registerOk(newPerson());
			const q = await carryOut(ctx.srv, subj.id, 'transfer_info');
			assert.deepEqual(q.result, { transfers: [] });
			const n = await notifications(ctx.srv, subj.id);
			assert.deepEqual(n.map((x) => x.kind), ['request.received', 'request.completed']);
			assert.ok(n.every((x) => x.request_id === q.id && x.status === 'queued' && x.channel === 'email'));
		});

		it('rectify: the corrections are applied to the profile', async () => {
			const subj = await ctx.srv.registerOk(newPerson());
			const name = `Исправлено Верно ${randomBytes(3).toString('hex')}`;
			ctx.srv.pii.push(name);
			const q = await carryOut(ctx.srv, subj.id, 'rectify', { fields: { name, residence_country: 'kz' } });
			assert.ok(!JSON.stringify(q.result).includes(name), `the result holds no personal data: ${JSON.stringify(q.result)}`);
			const g = assertJson(await ctx.srv.req('GET', `/v1/subjects/${subj.id}`, { as: 'operator' }), 200);
			assert.equal(g.name, name);
			assert.equal(g.residence_country, 'KZ');
			assert.equal(g.email, subj.email, 'fields not corrected are kept');
			assert.equal(g.phone, subj.phone);
		});

		it('revoke_cookies: the three cookie consents answer not granted; processing stays granted', async () => {
			const subj = await ctx.srv.registerOk(newPerson({
				consents: { processing: true, third_party_transfer: false, cookies: ['preferences', 'analytics', 'marketing'] },
			}));
			const check = async (purpose) =>
				assertJson(await ctx.srv.req('GET', `/v1/subjects/${subj.id}/consents/${purpose}`, { as: 'app' }), 200).granted;
			for (const c of ['cookies.preferences', 'cookies.analytics', 'cookies.marketing']) assert.equal(await check(c), true);
			await carryOut(ctx.srv, subj.id, 'revoke_cookies');
			for (const c of ['cookies.preferences', 'cookies.analytics', 'cookies.marketing']) {
				assert.equal(await check(c), false, `${c} is revoked`);
			}
			assert.equal(await check('processing'), true);
			const h = assertJson(await ctx.srv.req('GET', `/v1/subjects/${subj.id}/consents`, { as: 'operator' }), 200).history;
			assert.ok(h.filter((x) => x.purpose.startsWith('cookies.') && x.granted === false).every((x) => x.source === 'request'),
				`revocations are recorded with source "request": ${JSON.stringify(h)}`);
		});

		describe('guardian_consent', () => {
			let minor;
			before(async () => {
				const p = newPerson({ birth_date: birthDateForAge(15), residence_country: 'DE' });
				minor = assertJson(await ctx.srv.register(p), 202);
			});

			it('an EU minor is pending_guardian and not granted processing', async () => {
				assert.equal(minor.status, 'pending_guardian');
				assert.equal(assertJson(await ctx.srv.req('GET', `/v1/subjects/${minor.id}/consents/processing`, { as: 'app' }), 200)
					.granted, false);
			});

			it('the guardian\'s request, once accepted and executed, activates the minor and their consent', async () => {
				const q = await carryOut(ctx.srv, minor.id, 'guardian_consent');
				assert.equal(q.status, 'completed');
				const g = assertJson(await ctx.srv.req('GET', `/v1/subjects/${minor.id}`, { as: 'app' }), 200);
				assert.equal(g.status, 'active');
				assert.equal(assertJson(await ctx.srv.req('GET', `/v1/subjects/${minor.id}/consents/processing`, { as: 'app' }), 200)
					.granted, true);
				const kinds = (await notifications(ctx.srv, minor.id)).map((x) => x.kind);
				assert.deepEqual(kinds, ['request.received', 'request.completed']);
			});

			it('a second guardian_consent for the now active person is 422', async () => {
				assertProblem(await ctx.srv.req('POST', `/v1/subjects/${minor.id}/requests`, {
					as: 'operator', json: { type: 'guardian_consent', details: guardianDetails() },
				}), 422, 'validation');
			});
		});
	});

	describe('roles', () => {
		let subj;
		let q;
		before(async () => {
			subj = await ctx.srv.registerOk(newPerson());
			q = await fileRequest(ctx.srv, subj.id, 'access');
			await attach(ctx.srv, q.id);
		});
		const attempt = {
			'POST /v1/subjects/{id}/requests': (auth) => ctx.srv.req('POST', `/v1/subjects/${subj.id}/requests`, { ...auth, json: { type: 'access' } }),
			'PUT /v1/requests/{id}/document': (auth) => ctx.srv.req('PUT', `/v1/requests/${q.id}/document`, {
				...auth, body: makePdf(), headers: { ...auth.headers, 'content-type': 'application/pdf' },
			}),
			'GET /v1/requests': (auth) => ctx.srv.req('GET', '/v1/requests?limit=1', auth),
			'GET /v1/requests/{id}': (auth) => ctx.srv.req('GET', `/v1/requests/${q.id}`, auth),
			'GET /v1/requests/{id}/document': (auth) => ctx.srv.req('GET', `/v1/requests/${q.id}/document`, auth),
			'POST /v1/requests/{id}/decision': (auth) => ctx.srv.req('POST', `/v1/requests/${q.id}/decision`, { ...auth, json: { action: 'accept' } }),
			'POST /v1/requests/{id}/execute': (auth) => ctx.srv.req('POST', `/v1/requests/${q.id}/execute`, auth),
			'GET /v1/requests/{id}/export': (auth) => ctx.srv.req('GET', `/v1/requests/${q.id}/export`, auth),
			'GET /v1/subjects/{id}/notifications': (auth) => ctx.srv.req('GET', `/v1/subjects/${subj.id}/notifications`, auth),
			'POST /v1/subjects/{id}/legal-hold': (auth) => ctx.srv.req('POST', `/v1/subjects/${subj.id}/legal-hold`, { ...auth, json: { hold: false } }),
		};

		for (const [method, tmpl, roles] of REQUEST_ROUTES) {
			const key = `${method} ${tmpl}`;
			const denied = ROLES.filter((r) => !roles.includes(r));
			it(`${key}: ${denied.join(', ') || 'no role'} 403; no or bad key 401`, async () => {
				for (const role of denied) assertProblem(await attempt[key]({ as: role }), 403, 'forbidden');
				for (const auth of [{}, { key: randomBytes(24).toString('base64url') }]) {
					const r = await attempt[key](auth);
					assertProblem(r, 401, 'unauthorized');
					assert.match(r.headers.get('www-authenticate') || '', /^Bearer/, `${key}: WWW-Authenticate`);
				}
				// Nothing the refused attempts asked for happened.
				const g = await getRequest(ctx.srv, q.id);
				assert.equal(g.status, 'received', `${key}: the request is unchanged`);
				assert.equal(g.document.type, 'application/pdf');
			});
		}

		it('reading roles: operator, auditor and admin list and read; app reads a request; all read notifications', async () => {
			for (const as of ['operator', 'auditor', 'admin']) assertJson(await attempt['GET /v1/requests']({ as }), 200);
			for (const as of ['app', 'operator', 'auditor', 'admin']) {
				assert.equal(assertJson(await attempt['GET /v1/requests/{id}']({ as }), 200).id, q.id);
				assert.equal(assertJson(await attempt['GET /v1/subjects/{id}/notifications']({ as }), 200).items.length, 1);
			}
		});

		it('GET /v1/subjects/{id}/notifications pages with limit and after: every notice once, oldest first', async () => {
			const who = await ctx.srv.registerOk(newPerson());
			for (let i = 0; i < 3; i++) await attach(ctx.srv, (await fileRequest(ctx.srv, who.id, 'access')).id);
			const url = `/v1/subjects/${who.id}/notifications`;
			const all = assertJson(await ctx.srv.req('GET', url, { as: 'operator' }), 200);
			assert.ok(all.items.length >= 3, `a notice per filed request: ${all.items.length}`);
			assert.equal(all.next_after, null);
			const seen = [];
			let after = '';
			for (let guard = 0; guard < 50; guard++) {
				const qs = after ? `?limit=1&after=${encodeURIComponent(after)}` : '?limit=1';
				const page = assertJson(await ctx.srv.req('GET', url + qs, { as: 'operator' }), 200);
				seen.push(...page.items.map((n) => n.id));
				if (page.next_after === null) break;
				assert.equal(page.items.length, 1);
				after = page.next_after;
			}
			assert.deepEqual(seen, all.items.map((n) => n.id), 'the pages together are the whole list, in order');
			for (const bad of ['limit=0', 'after=x-1']) {
				assertProblem(await ctx.srv.req('GET', `${url}?${bad}`, { as: 'operator' }), 422, 'validation',
					{ fields: [bad.split('=')[0]] });
			}
		});

		it('an app files and attaches but cannot decide, execute or download; an operator can do everything', async () => {
			const r = await fileRequest(ctx.srv, subj.id, 'access', undefined, { as: 'app' });
			await attach(ctx.srv, r.id, { as: 'app' });
			assertProblem(await decide(ctx.srv, r.id, { action: 'accept' }, { as: 'app' }), 403, 'forbidden');
			assertProblem(await decide(ctx.srv, r.id, { action: 'reject', reason: 'x' }, { as: 'app' }), 403, 'forbidden');
			assertProblem(await execute(ctx.srv, r.id, { as: 'app' }), 403, 'forbidden');
			assert.equal((await getRequest(ctx.srv, r.id)).status, 'received');
			const o = await fileRequest(ctx.srv, subj.id, 'access', undefined, { as: 'operator' });
			await attach(ctx.srv, o.id, { as: 'operator' });
			assert.equal((await ctx.srv.req('GET', `/v1/requests/${o.id}/document`, { as: 'operator' })).status, 200);
			assertJson(await decide(ctx.srv, o.id, { action: 'extend', reason: 'проверка' }), 200);
			assertJson(await decide(ctx.srv, o.id, { action: 'accept' }), 200);
			assertJson(await execute(ctx.srv, o.id), 200);
			assert.equal((await ctx.srv.req('GET', `/v1/requests/${o.id}/export`, { as: 'operator' })).status, 200);
			assert.equal(assertJson(await ctx.srv.req('POST', `/v1/subjects/${subj.id}/legal-hold`, {
				as: 'operator', json: { hold: true, reason: 'litigation 12/2026' },
			}), 200).legal_hold, true);
		});

		it('an auditor can list and read but not file, attach, decide, execute or download', async () => {
			assertJson(await attempt['GET /v1/requests']({ as: 'auditor' }), 200);
			assertJson(await attempt['GET /v1/requests/{id}']({ as: 'auditor' }), 200);
			for (const k of ['POST /v1/subjects/{id}/requests', 'PUT /v1/requests/{id}/document', 'GET /v1/requests/{id}/document',
				'POST /v1/requests/{id}/decision', 'POST /v1/requests/{id}/execute', 'GET /v1/requests/{id}/export']) {
				assertProblem(await attempt[k]({ as: 'auditor' }), 403, 'forbidden');
			}
		});
	});

	describe('audit', () => {
		it('every step of a request is an audit entry naming it; the chain verifies; no entry holds personal data', async () => {
			const p = newPerson();
			const subj = await ctx.srv.registerOk(p);
			const a = await carryOut(ctx.srv, subj.id, 'access');
			assert.equal((await ctx.srv.req('GET', `/v1/requests/${a.id}/document`, { as: 'operator' })).status, 200);
			assert.equal((await ctx.srv.req('GET', `/v1/requests/${a.id}/export`, { as: 'operator' })).status, 200);
			assert.equal((await ctx.srv.req('GET', `/v1/requests/${a.id}/export?format=html`, { as: 'operator' })).status, 200);
			const rj = await fileRequest(ctx.srv, subj.id, 'access');
			await attach(ctx.srv, rj.id);
			assertJson(await decide(ctx.srv, rj.id, { action: 'reject', reason: 'Подпись не совпадает' }), 200);
			const ex = await fileRequest(ctx.srv, subj.id, 'transfer_info');
			await attach(ctx.srv, ex.id);
			assertJson(await decide(ctx.srv, ex.id, { action: 'extend', reason: 'Запрошены сведения' }), 200);

			const entries = await auditEntries(ctx.srv);
			const actionsOf = (id) => entries.filter((e) => e.object_id === id).map((e) => e.action);
			const want = {
				[a.id]: ['request.create', 'request.document', 'request.accept', 'request.execute', 'request.document.read', 'request.export'],
				[rj.id]: ['request.create', 'request.document', 'request.reject'],
				[ex.id]: ['request.create', 'request.document', 'request.extend'],
			};
			for (const [id, actions] of Object.entries(want)) {
				const got = actionsOf(id);
				for (const act of actions) assert.ok(got.includes(act), `audit entry ${act} for request ${id}: got ${JSON.stringify(got)}`);
				assert.ok(entries.filter((e) => e.object_id === id).every((e) => e.object_type === 'request'));
			}
			assert.equal(actionsOf(a.id).filter((x) => x === 'request.export').length, 2, 'each export read is audited');
			assert.equal(actionsOf(a.id).filter((x) => x === 'request.document.read').length, 1, 'each scan read is audited');
			const order = actionsOf(a.id).filter((x) => ['request.create', 'request.document', 'request.accept', 'request.execute'].includes(x));
			assert.deepEqual(order, ['request.create', 'request.document', 'request.accept', 'request.execute'], 'in order');
			await assertAuditOk(ctx.srv);
			const text = JSON.stringify(entries);
			for (const v of ctx.srv.pii) assert.ok(!text.includes(v), `the audit log contains personal data ${JSON.stringify(v)}`);
			for (const v of ['Подпись не совпадает', 'Запрошены сведения']) assert.ok(!text.includes(v), 'the audit log holds no reason');
		});
	});

	ctx.closingTest();
});

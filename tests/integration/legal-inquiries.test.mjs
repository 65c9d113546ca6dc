// SPDX-License-Identifier: AGPL-3.0-or-later
// Inquiries (the policy: "we are committed to responding to your inquiries"; 152-FZ Art. 20 pp.1-2): filed with a
// question and no document, received at once with its due date, answered by an operator within it, the answer
// queued to the person; question and answer sealed, never in the audit log, the logs or the stored bytes in the
// clear. And localisation (152-FZ Art. 18 p.5): on a server outside Russia, a person residing in Russia is refused
// (ru_localisation = refuse) or taken, logged and counted (warn).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, it, test } from 'node:test';
import {
	assertJson, assertProblem, corePii, findStored, forEngines, newPerson, tableCounts, withServer,
} from './lib/privd.mjs';
import { normPath, privdRoutes } from './lib/routes.mjs';
import { makePdf } from './lib/documents.mjs';
import {
	addWorkingDays, assertAuditOk, assertRequest, attach, auditEntries, decide, execute, fileRequest, getRequest,
	moscowToday, notifications, putDocument,
} from './lib/requests.mjs';

/** POST /v1/subjects/{id}/requests for an inquiry; resolves to the response. */
function ask(srv, subjectId, body, as = 'app') {
	return srv.req('POST', `/v1/subjects/${subjectId}/requests`, { as, json: { type: 'inquiry', ...body } });
}

function answer(srv, id, json, as = 'operator') {
	return srv.req('POST', `/v1/requests/${id}/answer`, { as, json });
}

/** The value of an unlabelled metric in /metrics. */
async function metric(srv, name) {
	const r = await srv.req('GET', '/metrics');
	assert.equal(r.status, 200);
	const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(r.text);
	assert.ok(m, `/metrics has ${name}`);
	return Number(m[1]);
}

test('`privd routes`: only an operator answers an inquiry', async () => {
	const routes = await privdRoutes();
	const r = routes.find((x) => x.method === 'POST' && normPath(x.path) === normPath('/v1/requests/{id}/answer'));
	assert.ok(r, 'POST /v1/requests/{id}/answer is a route');
	assert.deepEqual(r.roles, ['operator']);
});

forEngines('inquiries (the policy; 152-FZ Art. 20 pp.1-2)', (engine) => {
	const ctx = withServer(engine);
	let s;
	let q;
	let filedOn;
	const question = `Где хранятся мои данные и кому они переданы? ${randomBytes(4).toString('hex')}`;
	const reply = `Данные хранятся в Москве; третьим лицам не передавались. ${randomBytes(4).toString('hex')}`;

	before(async () => {
		ctx.srv.pii.push(question, reply);
		s = await ctx.srv.registerOk(newPerson());
	});

	it('152-FZ Art. 20 p.1: an inquiry is filed with its question and no document, and is received at once with its 10-working-day due date', async () => {
		const t0 = moscowToday();
		const r = await ask(ctx.srv, s.id, { question });
		filedOn = [...new Set([t0, moscowToday()])];
		q = assertRequest(assertJson(r, 201), { type: 'inquiry', status: 'received', subjectId: s.id });
		assert.equal(r.headers.get('location'), `/v1/requests/${q.id}`);
		assert.equal(q.received_at, q.created_at, 'received when filed');
		assert.equal(q.document, null, 'no document needed');
		const want = [];
		for (const d of filedOn) want.push((await addWorkingDays(d, 10)).date);
		assert.ok(want.includes(q.due_date), `due_date ${q.due_date}, expected ${want.join(' or ')}`);
		assert.equal(q.details, null, 'an app does not get the question back');
	});

	it('the person is told the inquiry was received; the operator reads the question, the app and auditor do not', async () => {
		const n = (await notifications(ctx.srv, s.id)).filter((x) => x.request_id === q.id);
		assert.deepEqual(n.map((x) => x.kind), ['request.received']);
		assert.deepEqual((await getRequest(ctx.srv, q.id, 'operator')).details, { question });
		for (const as of ['app', 'auditor']) {
			const g = await getRequest(ctx.srv, q.id, as);
			assert.equal(g.details, null);
			assert.ok(!JSON.stringify(g).includes(question), `${as} does not see the question`);
		}
	});

	it('an inquiry needs its question; no other type takes one; an inquiry takes no details (422, nothing stored)', async () => {
		const before1 = await tableCounts(ctx.srv);
		assertProblem(await ask(ctx.srv, s.id, {}), 422, 'validation', { fields: ['question'] });
		assertProblem(await ask(ctx.srv, s.id, { question: '' }), 422, 'validation', { fields: ['question'] });
		assertProblem(await ask(ctx.srv, s.id, { question: 'x'.repeat(4001) }), 422, 'validation', { fields: ['question'] });
		assertProblem(await ask(ctx.srv, s.id, { question: 42 }), 422, 'validation', { fields: ['question'] });
		assertProblem(await ask(ctx.srv, s.id, { question, details: { fields: { name: 'X' } } }), 422, 'validation',
			{ fields: ['details'] });
		assertProblem(await ctx.srv.req('POST', `/v1/subjects/${s.id}/requests`, {
			as: 'app', json: { type: 'access', question },
		}), 422, 'validation', { fields: ['question'] });
		assert.deepEqual(await tableCounts(ctx.srv), before1, 'nothing stored by a refused filing');
	});

	it('an inquiry takes no document and is not executed (409)', async () => {
		assertProblem(await putDocument(ctx.srv, q.id, makePdf(), 'application/pdf'), 409, 'conflict');
		assertProblem(await execute(ctx.srv, q.id), 409, 'conflict');
		assert.equal((await getRequest(ctx.srv, q.id)).status, 'received');
	});

	it('an app or an auditor cannot answer (403); an answer needs its text (422)', async () => {
		for (const as of ['app', 'auditor', 'admin']) {
			assertProblem(await answer(ctx.srv, q.id, { text: reply }, as), 403, 'forbidden');
		}
		assertProblem(await answer(ctx.srv, q.id, {}), 422, 'validation', { fields: ['text'] });
		assertProblem(await answer(ctx.srv, q.id, { text: '' }), 422, 'validation', { fields: ['text'] });
		assertProblem(await answer(ctx.srv, q.id, { text: reply, extra: 1 }), 422, 'validation', { fields: ['#2'] });
		assert.equal((await getRequest(ctx.srv, q.id)).status, 'received', 'still open');
	});

	it('152-FZ Art. 20 p.2: an inquiry may be extended once by 5 working days', async () => {
		const r = assertRequest(assertJson(await decide(ctx.srv, q.id, { action: 'extend', reason: 'Собираем сведения' }), 200));
		assert.equal(r.due_date, (await addWorkingDays(q.due_date, 5)).date);
		q = r;
	});

	it('the operator answers within the deadline: the inquiry is completed and the answer queued to the person', async () => {
		const r = assertRequest(assertJson(await answer(ctx.srv, q.id, { text: reply }), 200),
			{ type: 'inquiry', status: 'completed' });
		assert.equal(r.answer, reply);
		assert.deepEqual(r.result, { answered: true });
		assert.ok(r.completed_at, 'completed_at is set');
		assert.equal(r.overdue, false);
		const n = (await notifications(ctx.srv, s.id)).filter((x) => x.request_id === q.id);
		assert.deepEqual(n.map((x) => x.kind), ['request.received', 'request.extended', 'request.answered']);
		assert.equal(n[2].status, 'queued');
		assert.equal((await getRequest(ctx.srv, q.id, 'operator')).answer, reply, 'the operator reads the answer back');
		const app = await getRequest(ctx.srv, q.id, 'app');
		assert.equal(app.answer, null, 'an app does not');
		assert.ok(!JSON.stringify(app).includes(reply));
	});

	it('an answered inquiry is closed (409); other types are not answered (409)', async () => {
		assertProblem(await answer(ctx.srv, q.id, { text: 'ещё' }), 409, 'conflict');
		const access = await fileRequest(ctx.srv, s.id, 'access');
		await attach(ctx.srv, access.id);
		assertProblem(await answer(ctx.srv, access.id, { text: reply }), 409, 'conflict');
		assert.equal((await getRequest(ctx.srv, access.id)).status, 'received');
		assertProblem(await answer(ctx.srv, '0'.repeat(32), { text: reply }), 404, 'not-found');
	});

	it('the question and the answer are never in the audit log and never stored in the clear', async () => {
		const entries = (await auditEntries(ctx.srv)).filter((e) => e.object_id === q.id);
		const actions = entries.map((e) => e.action);
		for (const a of ['request.create', 'request.extend', 'request.answer']) assert.ok(actions.includes(a), `${a} is audited`);
		assert.deepEqual(entries.find((e) => e.action === 'request.answer').detail, { length: Buffer.byteLength(reply) },
			'the answer\'s entry says how long it was, not what it said');
		const text = JSON.stringify(await auditEntries(ctx.srv));
		for (const v of [question, reply]) assert.ok(!text.includes(v), 'the audit log holds no question or answer');
		const hits = await findStored(ctx.srv, [question, reply]);
		assert.deepEqual(hits, [], `stored in the clear: ${JSON.stringify(hits)}`);
		await assertAuditOk(ctx.srv);
	});

	ctx.closingTest();
});

forEngines('152-FZ Art. 18 p.5: localisation, ru_localisation = refuse', (engine) => {
	const ctx = withServer(engine, { serverCountry: 'DE', serve: { env: { PRIVD_LAW_RU_LOCALISATION: 'refuse' } } });

	it('152-FZ Art. 18 p.5: registering a resident of RU on a server outside Russia is 403 localisation, and nothing is stored', async () => {
		const p = newPerson({ residence_country: 'RU' });
		const before1 = await tableCounts(ctx.srv);
		const r = await ctx.srv.register(p);
		const problem = assertProblem(r, 403, 'localisation');
		assert.match(problem.detail, /Art\. 18 p\.5/);
		assert.deepEqual(await tableCounts(ctx.srv), before1, 'no row, no key, no audit entry');
		assert.deepEqual(await findStored(ctx.srv, corePii(p)), []);
		assert.match(ctx.srv.log, /"event":"subject.localisation_refused"/, 'the refusal is logged');
	});

	it('152-FZ Art. 18 p.5: a resident of another country registers (201); correcting the country to RU is 403 localisation', async () => {
		const subj = await ctx.srv.registerOk(newPerson({ residence_country: 'FR' }));
		assertProblem(await ctx.srv.req('PATCH', `/v1/subjects/${subj.id}`, {
			as: 'app', json: { residence_country: 'RU' },
		}), 403, 'localisation');
		const g = assertJson(await ctx.srv.req('GET', `/v1/subjects/${subj.id}`, { as: 'app' }), 200);
		assert.equal(g.residence_country, 'FR', 'the correction was not applied');
	});

	it('nothing was counted as taken against the rule', async () => {
		assert.equal(await metric(ctx.srv, 'privd_localisation_warnings_total'), 0);
	});

	ctx.closingTest();
});

forEngines('152-FZ Art. 18 p.5: localisation, ru_localisation = warn (the default)', (engine) => {
	const ctx = withServer(engine, { serverCountry: 'DE' });

	it('152-FZ Art. 18 p.5: with warn, a resident of RU registers (201), the event is logged without personal data and counted in /metrics', async () => {
		const start = await metric(ctx.srv, 'privd_localisation_warnings_total');
		await ctx.srv.registerOk(newPerson({ residence_country: 'RU' }));
		await ctx.srv.registerOk(newPerson({ residence_country: 'DE' }));
		assert.equal(await metric(ctx.srv, 'privd_localisation_warnings_total'), start + 1);
		const lines = ctx.srv.log.split('\n').filter((l) => l.includes('"event":"subject.localisation"'));
		assert.equal(lines.length, 1, 'one warning logged');
		assert.match(lines[0], /"level":"warn"/);
		assert.match(lines[0], /"server_country":"DE"/);
	});

	it('152-FZ Art. 18 p.5: with warn, correcting a person\'s country to RU is taken (200), logged and counted', async () => {
		const subj = await ctx.srv.registerOk(newPerson({ residence_country: 'DE' }));
		const start = await metric(ctx.srv, 'privd_localisation_warnings_total');
		assertJson(await ctx.srv.req('PATCH', `/v1/subjects/${subj.id}`, { as: 'app', json: { residence_country: 'RU' } }), 200);
		assertJson(await ctx.srv.req('PATCH', `/v1/subjects/${subj.id}`, { as: 'app', json: { name: 'Анна Иная' } }), 200);
		assert.equal(await metric(ctx.srv, 'privd_localisation_warnings_total'), start + 1, 'only the country\'s correction counts');
	});

	ctx.closingTest();
});

forEngines('152-FZ Art. 18 p.5: a server in Russia', (engine) => {
	const ctx = withServer(engine, { serverCountry: 'RU', serve: { env: { PRIVD_LAW_RU_LOCALISATION: 'refuse' } } });

	it('152-FZ Art. 18 p.5: on a server in RU a resident of RU registers (201) and nothing is counted', async () => {
		await ctx.srv.registerOk(newPerson({ residence_country: 'RU' }));
		assert.equal(await metric(ctx.srv, 'privd_localisation_warnings_total'), 0);
	});

	ctx.closingTest();
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// Each right has its own deadline (152-FZ Art. 20 pp.1-3 and the policy's 10 working days), configurable per type,
// extendable only where the law allows and only before the due date passes; and a deadline counted through a year
// whose production calendar is not published is flagged as an estimate, on the command line, in the API and in
// /metrics, and counted again when the operator installs a newer calendar.
//
// Time cannot be moved in a black box, so two tests store a request as one received on another day would be
// stored: they set its receipt and due date in the database (sqlite3 or psql, while privd runs) and, where privd
// must count again, restart it. Nothing in privd is there for the tests.
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import {
	assertCleanLog, assertJson, assertProblem, birthDateForAge, forEngines, newPerson, privd, psql, ROOT, serve,
	sqlite, withServer,
} from './lib/privd.mjs';
import {
	addWorkingDays, assertAuditOk, assertRequest, attach, auditEntries, decide, fileRequest, getRequest, moscowToday,
	notifications, poll,
} from './lib/requests.mjs';

const SHIPPED = path.join(ROOT, 'share', 'calendar-ru.json');

/** Runs SQL against the instance's data database while privd runs. */
async function sqlData(srv, sql) {
	if (srv.engine === 'postgres') return psql(srv.dbUrl, sql);
	return sqlite(path.join(srv.dataDir, 'privd.db'), `PRAGMA busy_timeout = 10000;\n${sql}`);
}

/** Stops ctx's privd (checking its log) and starts it again on the same data; env replaces the serve environment. */
async function restart(ctx, env) {
	const old = ctx.srv;
	const e = await old.stop();
	assert.deepEqual({ code: e.code, signal: e.signal }, { code: 0, signal: null }, 'privd stops cleanly');
	assertCleanLog(old);
	const srv = await serve(old.inst, { env: env ?? old.env });
	srv.keys = old.keys;
	srv.pii = old.pii;
	ctx.srv = srv;
	return srv;
}

/** The value of an unlabelled metric in /metrics. */
async function metric(srv, name) {
	const r = await srv.req('GET', '/metrics');
	assert.equal(r.status, 200);
	const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(r.text);
	assert.ok(m, `/metrics has ${name}:\n${r.text.slice(0, 400)}`);
	return Number(m[1]);
}

/** The dates `privd calendar add-working-days DAY n` gives for each day in days (a receipt around midnight). */
async function dueFor(days, n, env = {}) {
	const out = [];
	for (const d of days) {
		const r = await privd(['calendar', 'add-working-days', d, String(n)], { env });
		assert.equal(r.code, 0, r.stderr);
		const line = r.stdout.trim();
		out.push({ date: line.split(/\s+/)[0], line });
	}
	return out;
}

/** Files a request of type and attaches its scan; resolves to the received request and the candidate due dates. */
async function receive(srv, subjectId, type, details, n, env, as = 'app') {
	const q = await fileRequest(srv, subjectId, type, details, { as });
	const t0 = moscowToday();
	const got = await attach(srv, q.id);
	const want = await dueFor([...new Set([t0, moscowToday()])], n, env);
	assert.ok(want.some((w) => w.date === got.due_date),
		`${type}: due_date ${got.due_date}, expected ${want.map((w) => w.date).join(' or ')} (${n} working days)`);
	return got;
}

async function assertNotExtended(srv, q, subjectId) {
	const g = await getRequest(srv, q.id);
	assert.equal(g.extended, false, 'nothing was extended');
	assert.equal(g.due_date, q.due_date, 'the due date did not move');
	const kinds = (await notifications(srv, subjectId)).filter((n) => n.request_id === q.id).map((n) => n.kind);
	assert.ok(!kinds.includes('request.extended'), `no notice of an extension: ${kinds}`);
}

forEngines('152-FZ Art. 20: each right has its own deadline', (engine) => {
	const ctx = withServer(engine);
	let s;

	before(async () => {
		s = await ctx.srv.registerOk(newPerson());
	});

	it('152-FZ Art. 20 p.3: a correction is due 7 working days after receipt and cannot be extended (409 not-extendable)', async () => {
		const q = await receive(ctx.srv, s.id, 'rectify', { fields: { ip: '198.51.100.7' } }, 7);
		assert.equal(q.working_days_left, 7);
		const p = assertProblem(await decide(ctx.srv, q.id, { action: 'extend', reason: 'Нужна проверка' }), 409,
			'not-extendable');
		assert.match(p.detail, /cannot be extended/);
		await assertNotExtended(ctx.srv, q, s.id);
	});

	it('152-FZ Art. 20 pp.1-2: access is due in 10 working days, extendable once by 5 with a reasoned notice to the person', async () => {
		const q = await receive(ctx.srv, s.id, 'access', undefined, 10);
		const reason = 'Запрошены сведения из архива';
		const r = assertRequest(assertJson(await decide(ctx.srv, q.id, { action: 'extend', reason }), 200));
		assert.equal(r.extended, true);
		assert.equal(r.due_date, (await addWorkingDays(q.due_date, 5)).date, `${q.due_date} + 5 working days`);
		assert.equal(r.working_days_left, q.working_days_left + 5);
		const n = (await notifications(ctx.srv, s.id)).filter((x) => x.request_id === q.id);
		assert.deepEqual(n.map((x) => x.kind), ['request.received', 'request.extended'], 'the person is told, with the reason');
		assertProblem(await decide(ctx.srv, q.id, { action: 'extend', reason: 'ещё раз' }), 409, 'conflict');
		assert.equal((await getRequest(ctx.srv, q.id)).due_date, r.due_date, 'once only');
	});

	it('152-FZ Art. 20 pp.1-2: transfer_info is due in 10 working days and extendable by 5', async () => {
		const q = await receive(ctx.srv, s.id, 'transfer_info', undefined, 10);
		const r = assertJson(await decide(ctx.srv, q.id, { action: 'extend', reason: 'Проверка получателей' }), 200);
		assert.equal(r.due_date, (await addWorkingDays(q.due_date, 5)).date);
	});

	it('policy (10 working days): erase, revoke_processing and revoke_cookies are due in 10 and cannot be extended', async () => {
		for (const type of ['erase', 'revoke_processing', 'revoke_cookies']) {
			const q = await receive(ctx.srv, s.id, type, undefined, 10);
			assertProblem(await decide(ctx.srv, q.id, { action: 'extend', reason: 'Нужно время' }), 409, 'not-extendable');
			await assertNotExtended(ctx.srv, q, s.id);
		}
	});

	it('policy (10 working days): a guardian\'s consent is due in 10 and cannot be extended', async () => {
		const minor = await ctx.srv.register(newPerson({ residence_country: 'DE', birth_date: birthDateForAge(14) }));
		assert.equal(minor.status, 202, minor.text);
		const guardian = {
			guardian: { name: 'Мария Тестова', relation: 'mother', email: 'guardian@example.org' },
			consents: { processing: true, third_party_transfer: false, cookies: [] },
		};
		ctx.srv.pii.push('Мария Тестова', 'guardian@example.org');
		const q = await receive(ctx.srv, minor.json.id, 'guardian_consent', guardian, 10, {}, 'operator');
		assertProblem(await decide(ctx.srv, q.id, { action: 'extend', reason: 'Проверка опекуна' }), 409, 'not-extendable');
		await assertNotExtended(ctx.srv, q, minor.json.id);
	});

	it('152-FZ Art. 20 p.2: once the due date has passed, an extension is refused (409 deadline-passed)', async () => {
		const q = await receive(ctx.srv, s.id, 'access', undefined, 10);
		// Received on Monday 3 March 2025: due on the 10th working day after, 17 March 2025.
		const due = (await addWorkingDays('2025-03-03', 10)).date;
		assert.equal(due, '2025-03-17');
		await sqlData(ctx.srv, `UPDATE requests SET received_at = ${Date.UTC(2025, 2, 3, 9)}, due_date = '${due}',`
			+ ` due_working_days = 10, due_estimated = 0 WHERE request_id = '${q.id}';`);
		const before1 = await getRequest(ctx.srv, q.id);
		assert.equal(before1.due_date, '2025-03-17');
		assert.equal(before1.overdue, true);
		const p = assertProblem(await decide(ctx.srv, q.id, { action: 'extend', reason: 'Слишком поздно' }), 409,
			'deadline-passed');
		assert.match(p.detail, /due date has passed/);
		await assertNotExtended(ctx.srv, before1, s.id);
		// the request itself can still be decided: the law's deadline is missed, not the request
		assertJson(await decide(ctx.srv, q.id, { action: 'accept' }), 200);
	});

	it('the due day itself is still on time: an access request due today may be extended', async () => {
		const q = await receive(ctx.srv, s.id, 'access', undefined, 10);
		const today = moscowToday();
		await sqlData(ctx.srv, `UPDATE requests SET due_date = '${today}' WHERE request_id = '${q.id}';`);
		const r = await decide(ctx.srv, q.id, { action: 'extend', reason: 'В последний день' });
		if (moscowToday() === today) assertJson(r, 200); // unless midnight passed meanwhile
	});

	it('152-FZ Art. 20 and LEGAL.md section 2: `privd calendar add-working-days 2026-12-22 10` is 2027-01-14, estimated: 2027 has no published calendar', async () => {
		const r = await addWorkingDays('2026-12-22', 10);
		assert.equal(r.code, 0, r.stderr);
		assert.equal(r.line, '2027-01-14 (estimated: 2027 calendar not published)');
		// within the published 2026 the count is exact
		assert.equal((await addWorkingDays('2026-12-22', 6)).line, '2026-12-30');
	});

	it('152-FZ Art. 20: a request received on 2026-12-22 answers due_date 2027-01-14, due_estimated, calendar_note naming 2027', async () => {
		const q = await receive(ctx.srv, s.id, 'access', undefined, 10);
		// Stored as a calendar without 2027 counted it (weekdays only): 2027-01-06, an estimate. Installing the
		// shipped calendar (2027 provisional, its statutory holidays known) and restarting counts it again.
		await sqlData(ctx.srv, `UPDATE requests SET received_at = ${Date.UTC(2026, 11, 22, 9)}, due_date = '2027-01-06',`
			+ ` due_working_days = 10, due_estimated = 1, estimated_year = 2027 WHERE request_id = '${q.id}';`);
		await restart(ctx);
		const g = await getRequest(ctx.srv, q.id);
		assert.equal(g.due_date, '2027-01-14');
		assert.equal(g.due_estimated, true);
		assert.equal(g.calendar_note, '2027 calendar not published');
		const recount = (await auditEntries(ctx.srv)).filter((e) => e.action === 'request.due_recounted' && e.object_id === q.id);
		assert.equal(recount.length, 1, 'the recount is audited once');
		assert.deepEqual(recount[0].detail,
			{ due_date_was: '2027-01-06', due_date: '2027-01-14', due_estimated: true, estimated_year: 2027 });
		await assertAuditOk(ctx.srv);
	});

	ctx.closingTest();
});

forEngines('152-FZ Art. 20: per-type deadlines come from [requests] <type>_days and <type>_extension_days', (engine) => {
	const env = {
		PRIVD_REQUESTS_RECTIFY_DAYS: '3',
		PRIVD_REQUESTS_ACCESS_EXTENSION_DAYS: '0',
		PRIVD_REQUESTS_ERASE_EXTENSION_DAYS: '2',
	};
	const ctx = withServer(engine, { serve: { env } });
	let s;

	before(async () => {
		s = await ctx.srv.registerOk(newPerson());
	});

	it('rectify_days = 3 makes a correction due in 3 working days', async () => {
		await receive(ctx.srv, s.id, 'rectify', { fields: { ip: '198.51.100.8' } }, 3);
	});

	it('access_extension_days = 0 makes access not extendable (409 not-extendable)', async () => {
		const q = await receive(ctx.srv, s.id, 'access', undefined, 10);
		assertProblem(await decide(ctx.srv, q.id, { action: 'extend', reason: 'Нужно время' }), 409, 'not-extendable');
		await assertNotExtended(ctx.srv, q, s.id);
	});

	it('erase_extension_days = 2 lets an erasure be extended once by 2', async () => {
		const q = await receive(ctx.srv, s.id, 'erase', undefined, 10);
		const r = assertJson(await decide(ctx.srv, q.id, { action: 'extend', reason: 'Проверка хранения' }), 200);
		assert.equal(r.due_date, (await addWorkingDays(q.due_date, 2)).date);
	});

	it('a removed key (due_working_days) stops privd with a message naming its replacement', async () => {
		const r = await privd(['serve', '--data-dir', ctx.srv.dataDir, '--listen', '127.0.0.1:0'],
			{ env: { PRIVD_REQUESTS_DUE_WORKING_DAYS: '10' }, timeout: 20_000 });
		assert.notEqual(r.code, 0);
		assert.match(r.stderr, /access_days/);
	});

	ctx.closingTest();
});

/** A copy of the shipped calendar with this year and the next set to status (and a made-up decree if official). */
async function calendarWith(status) {
	const cal = JSON.parse(await readFile(SHIPPED, 'utf8'));
	const y = Number(moscowToday().slice(0, 4));
	for (const year of [y, y + 1]) {
		const known = cal.years[String(year)] || {};
		cal.years[String(year)] = {
			status,
			decree: status === 'official' ? `Test decree for ${year}` : null,
			holidays: known.holidays || [],
			working_weekends: known.working_weekends || [],
		};
	}
	return JSON.stringify(cal);
}

forEngines('152-FZ Art. 20 and the production calendar: estimated due dates, flagged and counted again', (engine) => {
	const dir = path.join(os.tmpdir(), `privd-cal-${process.pid}-${engine}`);
	const file = path.join(dir, 'calendar.json');
	const env = { PRIVD_REQUESTS_CALENDAR_FILE: file };
	// registered before withServer's hook, so the provisional calendar is there when privd starts
	before(async () => {
		await mkdir(dir, { recursive: true });
		await writeFile(file, await calendarWith('not_published'));
	});
	after(async () => { await rm(dir, { recursive: true, force: true }); });
	const ctx = withServer(engine, { serve: { env } });
	let s;
	let q;
	let inquiry;
	const question = 'Когда вы ответите на мой вопрос?';

	before(async () => {
		s = await ctx.srv.registerOk(newPerson());
		ctx.srv.pii.push(question);
	});

	it('a deadline counted through a year without a published calendar answers due_estimated with a calendar_note naming the year, as the command line does', async () => {
		q = await receive(ctx.srv, s.id, 'access', undefined, 10, env);
		assert.equal(q.due_estimated, true);
		const y = Number(moscowToday().slice(0, 4));
		assert.match(q.calendar_note, new RegExp(`^(${y}|${y + 1}) calendar not published$`));
		const cli = (await dueFor([moscowToday()], 10, env))[0];
		if (cli.date === q.due_date) assert.equal(cli.line, `${q.due_date} (estimated: ${q.calendar_note})`);
		inquiry = assertJson(await ctx.srv.req('POST', `/v1/subjects/${s.id}/requests`, {
			as: 'operator', json: { type: 'inquiry', question },
		}), 201);
		assert.equal(inquiry.due_estimated, true, 'an inquiry received when filed is estimated too');
		assert.equal(inquiry.calendar_note, q.calendar_note);
	});

	it('/metrics counts open requests with estimated due dates (privd_requests_due_estimated)', async () => {
		const n = await poll(async () => (await metric(ctx.srv, 'privd_requests_due_estimated')) >= 1, { ms: 20_000 });
		assert.ok(n, 'the gauge counts the estimated request');
	});

	it('installing a newer calendar and restarting counts estimated due dates again, each change audited', async () => {
		await writeFile(file, await calendarWith('official'));
		await restart(ctx, env);
		const g = await getRequest(ctx.srv, q.id);
		assert.equal(g.due_estimated, false);
		assert.equal(g.calendar_note, null);
		const received = moscowToday(new Date(q.received_at));
		const want = await dueFor([received], 10, env);
		assert.equal(g.due_date, want[0].date, `counted again from ${received}`);
		assert.doesNotMatch(want[0].line, /estimated/);
		const recount = (await auditEntries(ctx.srv)).filter((e) => e.action === 'request.due_recounted' && e.object_id === q.id);
		assert.equal(recount.length, 1, 'the recount is audited once');
		assert.equal(recount[0].detail.due_estimated, false);
		const g2 = await getRequest(ctx.srv, inquiry.id);
		assert.equal(g2.due_estimated, false, 'the inquiry is counted again too');
		assert.deepEqual(g2.details, { question }, 'counting again leaves the sealed question as it was');
		const n = await poll(async () => (await metric(ctx.srv, 'privd_requests_due_estimated')) === 0, { ms: 20_000 });
		assert.ok(n, 'nothing is estimated any more');
		await assertAuditOk(ctx.srv);
	});

	ctx.closingTest();
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// Incidents end to end, on SQLite and PostgreSQL: an incident over 1,000 subjects queues exactly one notice each,
// in the person's language and channel (e-mail, or SMS for a person with only a phone), and delivers it to a real
// SMTP server and the SMS gateway stand-in, once; the erased are not contacted; progress per channel; the
// regulator's deadlines and whether they were met; the draft reports to Roskomnadzor (152-FZ Art. 21 p.3.1) and,
// when EU residents are affected, the GDPR Art. 33 items; roles; bad input named by field with nothing created;
// the access export lists the notice; no personal data in the log or the audit trail; a fan-out after a master key
// rotation opens every key, whichever master key wraps it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import {
	assertCleanLog, assertJson, assertProblem, forEngines, ID_RE, newPerson, psql, removeInstance, ROLES, sqlite,
	startPrivd, TIME_RE,
} from './lib/privd.mjs';
import { normPath, privdRoutes } from './lib/routes.mjs';
import { auditEntries, assertAuditOk, carryOut } from './lib/requests.mjs';
import { deliveryEnv, startSmsGateway, startSmtp, waitFor } from './lib/mail.mjs';
import { keys, keyStatus } from './lib/ops.mjs';

const SECRET = 'test-gateway-secret-incidents-0123';
const OPERATOR = 'ООО «Ромашка»';
const CONTACT = 'privacy@operator.example';
const CONTACT_PERSON = 'Иванова Мария Петровна, ответственный за обработку ПДн, +7 495 000-00-00';
const DPO = 'dpo@operator.example';
const HOUR = 3600_000;
const SUBJECT_RU = 'Инцидент с вашими персональными данными';
const SUBJECT_EN = 'An incident concerning your personal data';

// The incident routes of docs/api.md with their roles.
const INCIDENT_ROUTES = [
	['POST', '/v1/incidents', ['operator']],
	['GET', '/v1/incidents', ['operator', 'auditor', 'admin']],
	['GET', '/v1/incidents/{id}', ['operator', 'auditor', 'admin']],
	['PATCH', '/v1/incidents/{id}', ['operator']],
	['POST', '/v1/incidents/{id}/regulator-reports', ['operator']],
	['GET', '/v1/incidents/{id}/regulator-notice', ['operator', 'auditor', 'admin']],
];

const iso = (ms) => new Date(ms).toISOString();

/** Rows of SQL on the instance's data database, as arrays of columns. */
async function dataRows(srv, sql) {
	const out = srv.engine === 'postgres' ? await psql(srv.dbUrl, sql) : await sqlite(path.join(srv.dataDir, 'privd.db'), sql);
	return out.split('\n').filter(Boolean).map((l) => l.split('|'));
}

/** Registers the people, `width` at a time; resolves to their subjects, in order. */
async function registerAll(srv, people, width = 50) {
	const out = [];
	for (let i = 0; i < people.length; i += width) {
		out.push(...await Promise.all(people.slice(i, i + width).map((p) => srv.registerOk(p))));
	}
	return out;
}

async function createIncident(srv, json, as = 'operator') {
	const r = await srv.req('POST', '/v1/incidents', { as, json });
	const b = assertJson(r, 201);
	assert.deepEqual(Object.keys(b).sort(), ['affected', 'id', 'regulator_followup_due', 'regulator_initial_due']);
	assert.match(b.id, ID_RE);
	assert.equal(r.headers.get('location'), `/v1/incidents/${b.id}`);
	return b;
}

async function getIncident(srv, id, as = 'operator') {
	return assertJson(await srv.req('GET', `/v1/incidents/${id}`, { as }), 200);
}

async function draft(srv, id, kind, as = 'operator') {
	const r = await srv.req('GET', `/v1/incidents/${id}/regulator-notice?kind=${kind}`, { as });
	assert.equal(r.status, 200, r.text);
	assert.match(r.headers.get('content-type'), /^text\/markdown; charset=utf-8/);
	return r.text;
}

/** Every notice of an incident, from the operators' list of the outbox. */
async function incidentNotices(srv, id) {
	const out = [];
	let cursor = '';
	for (;;) {
		const b = assertJson(await srv.req('GET', `/v1/notifications?limit=1000${cursor}`, { as: 'operator' }), 200);
		out.push(...b.items.filter((n) => n.ref === `incident:${id}`));
		if (!b.next_after) return out;
		cursor = `&after=${encodeURIComponent(b.next_after)}`;
	}
}

/** How many there are of each incident and notification: nothing may change when a request is refused. */
async function counts(srv) {
	const [[incidents]] = await dataRows(srv, 'SELECT COUNT(*) FROM incidents;');
	const [[notices]] = await dataRows(srv, 'SELECT COUNT(*) FROM notifications;');
	return { incidents: Number(incidents), notices: Number(notices) };
}

test('`privd routes` declares the roles of docs/api.md for every incident route', async () => {
	const got = new Map((await privdRoutes()).map((r) => [`${r.method} ${normPath(r.path)}`, [...r.roles].sort()]));
	for (const [m, p, roles] of INCIDENT_ROUTES) {
		const k = `${m} ${normPath(p)}`;
		assert.ok(got.has(k), `privd routes lists ${m} ${p}`);
		assert.deepEqual(got.get(k), [...roles].sort(), `roles of ${m} ${p}`);
	}
});

forEngines('incidents', (engine) => {
	let srv;
	let smtp;
	let sms;

	before(async () => {
		smtp = await startSmtp();
		sms = await startSmsGateway();
		srv = await startPrivd(engine, {
			operatorName: OPERATOR,
			serve: {
				env: deliveryEnv({
					smtp, sms, secret: SECRET,
					extra: {
						PRIVD_OPERATOR_CONTACT: CONTACT,
						PRIVD_INCIDENTS_CONTACT_PERSON: CONTACT_PERSON,
						PRIVD_INCIDENTS_DPO_CONTACT: DPO,
						PRIVD_NOTIFY_BATCH: '500',
						// a message's time limit is a third of the lease: 40 s, so that a test server slowed by a
						// loaded machine is not taken for one that failed and sent the message a second time
						PRIVD_NOTIFY_LEASE_SECONDS: '120',
					},
				}),
			},
		});
	});

	after(async () => {
		if (srv) {
			await srv.stop();
			await removeInstance(srv.inst);
		}
		await smtp?.close();
		await sms?.close();
	});

	describe('an incident over 1,000 subjects', () => {
		const both = [];
		const phoneOnly = [];
		const emailOnly = [];
		let erased = [];
		let ids;
		let inc;

		before(async () => {
			// 860 with e-mail and phone (10 of them in Germany; 200 chose English, 200 Russian, the rest nothing),
			// 100 with only a phone (50 chose English), 40 with only an e-mail
			const lang = (i, from, to, l) => (i >= from && i < to ? { language: l } : {});
			const people = [];
			for (let i = 0; i < 860; i++) {
				people.push(newPerson({
					...(i < 10 ? { residence_country: 'DE' } : {}), ...lang(i, 100, 300, 'en'), ...lang(i, 300, 500, 'ru'),
				}));
			}
			for (let i = 0; i < 100; i++) people.push(newPerson({ email: undefined, ...lang(i, 0, 50, 'en') }));
			for (let i = 0; i < 40; i++) people.push(newPerson({ phone: undefined }));
			const subjects = await registerAll(srv, people);
			subjects.forEach((s, i) => {
				const entry = { s, p: people[i] };
				if (i < 860) both.push(entry);
				else if (i < 960) phoneOnly.push(entry);
				else emailOnly.push(entry);
			});
			ids = subjects.map((s) => s.id);
			// three are erased first: they are listed in the scope, and never contacted
			erased = [both[850], phoneOnly[99], emailOnly[39]];
			for (const e of erased) await carryOut(srv, e.s.id, 'erase');
		});

		const emailOf = (e) => e.p.email.split('@')[0] + '@example.org';
		const alive = (list) => list.filter((e) => !erased.includes(e));

		it('POST /v1/incidents queues one notice per person not erased, answering the two regulator deadlines', async () => {
			const detected = Date.now() - HOUR;
			const before = new Date();
			inc = await createIncident(srv, {
				detected_at: iso(detected),
				description: 'Резервная копия базы клиентов оказалась в открытом хранилище.',
				data_categories: ['name', 'email', 'phone'],
				scope: { subject_ids: ids },
			});
			assert.equal(inc.affected, 997, 'the 1,000 listed but the three erased');
			assert.equal(inc.regulator_initial_due, iso(detected + 24 * HOUR));
			assert.equal(inc.regulator_followup_due, iso(detected + 72 * HOUR));
			const x = await getIncident(srv, inc.id);
			assert.equal(x.affected, 997);
			assert.equal(x.affected_eu, 10, 'ten residents of Germany');
			assert.ok(new Date(x.created_at) >= new Date(before.getTime() - 1000));
			const notices = await incidentNotices(srv, inc.id);
			assert.equal(notices.length, 997, 'exactly one notice per person');
			assert.equal(new Set(notices.map((n) => n.subject_id)).size, 997, 'no person twice');
			const bySubject = new Map(notices.map((n) => [n.subject_id, n]));
			for (const e of erased) assert.ok(!bySubject.has(e.s.id), 'no notice to an erased person');
			for (const e of alive(both)) assert.equal(bySubject.get(e.s.id)?.channel, 'email', 'e-mail where there is one');
			for (const e of alive(emailOnly)) assert.equal(bySubject.get(e.s.id)?.channel, 'email');
			for (const e of alive(phoneOnly)) assert.equal(bySubject.get(e.s.id)?.channel, 'sms', 'SMS for a phone only');
			for (const n of notices) assert.equal(n.kind, 'incident');
		});

		it('every person receives exactly one message, in their language, by e-mail or SMS', async () => {
			const mails = alive(both).length + alive(emailOnly).length;
			const texts = alive(phoneOnly).length;
			await waitFor(async () => {
				const x = await getIncident(srv, inc.id);
				return x.progress.email.sent === mails && x.progress.sms.sent === texts;
			}, `${mails} e-mails and ${texts} SMS sent`, { ms: 240_000, every: 250 });
			await smtp.settled();
			// the erasures' own confirmations went out before: only the incident's messages count here
			const incidentMails = smtp.messages.filter((m) => m.parsed.subject.includes(SUBJECT_RU) ||
				m.parsed.subject.includes(SUBJECT_EN));
			const incidentSms = sms.messages.filter((m) => /Инцидент|An incident/.test(m.json.text));
			assert.equal(incidentMails.length, mails, 'as many e-mails as people with an e-mail');
			assert.equal(incidentSms.length, texts, 'as many SMS as people with only a phone');
			const mailCount = new Map();
			for (const m of incidentMails) for (const r of m.to) mailCount.set(r, (mailCount.get(r) || 0) + 1);
			for (const e of alive(both).concat(alive(emailOnly))) {
				assert.equal(mailCount.get(emailOf(e)), 1, 'one e-mail to each person with an e-mail');
			}
			for (const e of erased) if (e.p.email) assert.ok(!mailCount.has(emailOf(e)), 'none to the erased');
			const smsCount = new Map();
			for (const m of incidentSms) smsCount.set(m.json.to, (smsCount.get(m.json.to) || 0) + 1);
			for (const e of alive(phoneOnly)) assert.equal(smsCount.get(e.p.phone), 1, 'one SMS to each phone-only person');
			assert.ok(!smsCount.has(phoneOnly[99].p.phone), 'no SMS to the erased');
			for (const e of both) assert.ok(!smsCount.has(e.p.phone), 'no SMS to a person with an e-mail');
			// languages: e-mail subjects and SMS texts
			const byAddr = new Map(incidentMails.map((m) => [m.to[0], m]));
			const subjectOf = (e) => byAddr.get(emailOf(e)).parsed.subject;
			for (const e of both.slice(100, 300)) assert.equal(subjectOf(e), SUBJECT_EN, 'English for a person who chose it');
			for (const e of both.slice(300, 500)) assert.equal(subjectOf(e), SUBJECT_RU, 'Russian for a person who chose it');
			for (const e of both.slice(500, 510)) assert.equal(subjectOf(e), `${SUBJECT_RU} / ${SUBJECT_EN}`, 'the default: both');
			const smsOf = new Map(incidentSms.map((m) => [m.json.to, m.json.text]));
			for (const e of phoneOnly.slice(0, 50)) {
				assert.ok(smsOf.get(e.p.phone).includes('An incident concerning your personal data'), 'an English SMS');
				assert.ok(!smsOf.get(e.p.phone).includes('Инцидент'), 'only English');
			}
			for (const e of phoneOnly.slice(50, 60)) assert.ok(smsOf.get(e.p.phone).includes('Инцидент'), 'the default SMS');
		});

		it('the message says what happened, which data, what the person can do, and whom to contact', async () => {
			const incidentMail = (e) => smtp.messages.find((x) => x.to[0] === emailOf(e) &&
				/An incident|Инцидент/.test(x.parsed.subject));
			const m = incidentMail(both[150]);
			const text = m.parsed.text;
			assert.ok(text.includes('Резервная копия базы клиентов оказалась в открытом хранилище.'), 'the description');
			assert.ok(text.includes('your name, your e-mail address, your phone number'), `the categories in words: ${text}`);
			assert.ok(text.includes('What you can do'), 'advice');
			assert.ok(text.includes(OPERATOR) && text.includes(CONTACT), 'the operator and how to reach them');
			assert.ok(text.includes(inc.id), 'the incident number');
			assert.ok(m.parsed.html.includes('What you can do'), 'the HTML part too');
			const ru = incidentMail(both[350]).parsed.text;
			assert.ok(ru.includes('Что произошло') && ru.includes('имя, адрес электронной почты, номер телефона'), ru);
			const t = sms.messages.find((x) => x.json.to === phoneOnly[60].p.phone && /Инцидент/.test(x.json.text)).json.text;
			assert.ok(t.includes('Резервная копия базы клиентов') && t.includes(CONTACT), `the SMS: ${t}`);
			assert.ok(!/\n/.test(t), 'an SMS is one paragraph');
			for (const e of both.slice(0, 20)) {
				const body = incidentMail(e).parsed.text;
				assert.ok(!body.includes(e.p.name), 'a notice does not repeat the person\'s name');
			}
		});

		it('GET /v1/incidents/{id}: progress per channel, the last notice out, both deadlines pending', async () => {
			const x = await getIncident(srv, inc.id);
			assert.deepEqual(x.progress, {
				email: { queued: 0, sent: 898, failed: 0, cancelled: 0 },
				sms: { queued: 0, sent: 99, failed: 0, cancelled: 0 },
			});
			assert.match(x.last_sent_at, TIME_RE);
			assert.deepEqual(x.scope, { kind: 'subject_ids' });
			assert.deepEqual(x.data_categories, ['name', 'email', 'phone']);
			assert.equal(x.regulator.initial.met, null, 'not reported, not yet due');
			assert.equal(x.regulator.followup.met, null);
			assert.equal(x.regulator.initial.sent_at, null);
		});

		it('the draft for Roskomnadzor holds every item of Art. 21 p.3.1, and the GDPR items for the EU residents', async () => {
			let t = await draft(srv, inc.id, 'initial');
			assert.ok(t.includes('ч. 3.1 ст. 21'), 'names the law');
			assert.ok(t.includes('Резервная копия базы клиентов'), 'the incident');
			assert.ok(t.includes('Количество субъектов персональных данных, права которых затронуты: 997'));
			for (const h of ['Предполагаемые причины', 'Предполагаемый вред', 'Принятые меры']) assert.ok(t.includes(h), h);
			assert.ok(t.includes('заполните поле `causes`'), 'says what is still missing');
			assert.ok(t.includes(CONTACT_PERSON), 'the contact person');
			assert.ok(t.includes(OPERATOR), 'the operator');
			assert.ok(t.includes('GDPR Art. 33'), 'EU residents are affected');
			assert.ok(t.includes('of whom 10 reside in the EU/EEA'));
			assert.ok(t.includes(DPO), 'the DPO');
			assert.ok(t.includes('Approximate number of personal data records concerned: 2991'), '997 x 3 categories');
			const r = await srv.req('PATCH', `/v1/incidents/${inc.id}`, {
				as: 'operator',
				json: {
					causes: 'Ошибка в настройке прав доступа к хранилищу.',
					harm: 'Возможна рассылка мошеннических писем.',
					measures: 'Доступ закрыт, ключи доступа заменены.',
					results: 'Копия была доступна 3 часа, скачиваний не обнаружено.',
					responsible: 'Подрядчик ООО «Облако».',
				},
			});
			const x = assertJson(r, 200);
			assert.equal(x.causes, 'Ошибка в настройке прав доступа к хранилищу.');
			t = await draft(srv, inc.id, 'initial');
			for (const s of ['Ошибка в настройке прав', 'мошеннических писем', 'ключи доступа заменены']) assert.ok(t.includes(s), s);
			assert.ok(!t.includes('заполните поле'), 'nothing left to fill in');
			const f = await draft(srv, inc.id, 'followup');
			assert.ok(f.includes('Результаты внутреннего расследования'));
			assert.ok(f.includes('скачиваний не обнаружено') && f.includes('Подрядчик ООО «Облако»'));
			assert.ok(f.includes('Results of the investigation'), 'the GDPR part of the follow-up');
			const a = await draft(srv, inc.id, 'initial', 'auditor');
			assert.ok(a.length > 0, 'an auditor reads the draft');
		});

		it('the access export lists the incident notice, its channel and when it went out', async () => {
			const e = both[5];
			const q = await carryOut(srv, e.s.id, 'access');
			const x = assertJson(await srv.req('GET', `/v1/requests/${q.id}/export`, { as: 'operator' }), 200);
			const n = x.notifications.filter((v) => v.kind === 'incident');
			assert.equal(n.length, 1, JSON.stringify(x.notifications));
			assert.equal(n[0].channel, 'email');
			assert.equal(n[0].status, 'sent');
			assert.match(n[0].sent_at, TIME_RE);
		});
	});

	describe('deadlines and reports to the regulator', () => {
		let people;

		before(async () => {
			people = await registerAll(srv, [newPerson(), newPerson({ email: undefined })]);
		});

		it('an incident detected 30 hours ago: the initial deadline is missed, the follow-up met when recorded in time', async () => {
			const detected = Date.now() - 30 * HOUR;
			const inc = await createIncident(srv, {
				detected_at: iso(detected), description: 'Утечка', data_categories: ['email'],
				scope: { subject_ids: people.map((s) => s.id) },
			});
			let x = await getIncident(srv, inc.id);
			assert.equal(x.regulator.initial.met, false, 'overdue and not reported');
			assert.equal(x.regulator.followup.met, null);
			const sent = iso(Date.now() - 60_000);
			let r = await srv.req('POST', `/v1/incidents/${inc.id}/regulator-reports`, {
				as: 'operator', json: { kind: 'initial', sent_at: sent, reference: 'РКН-2026-0001' },
			});
			x = assertJson(r, 201);
			assert.deepEqual(x.regulator.initial, {
				due: iso(detected + 24 * HOUR), sent_at: sent, reference: 'РКН-2026-0001', met: false,
			});
			r = await srv.req('POST', `/v1/incidents/${inc.id}/regulator-reports`, {
				as: 'operator', json: { kind: 'followup', sent_at: iso(Date.now()), reference: 'РКН-2026-0002' },
			});
			x = assertJson(r, 201);
			assert.equal(x.regulator.followup.met, true);
			assert.equal(x.regulator.followup.reference, 'РКН-2026-0002');
			r = await srv.req('POST', `/v1/incidents/${inc.id}/regulator-reports`, {
				as: 'operator', json: { kind: 'initial', sent_at: sent, reference: 'again' },
			});
			assertProblem(r, 409, 'conflict');
			const f = await draft(srv, inc.id, 'followup');
			assert.ok(f.includes('РКН-2026-0001'), 'the follow-up names the initial report');
		});

		it('an initial report filed within 24 hours is met; without EU residents the draft has no GDPR part', async () => {
			const inc = await createIncident(srv, {
				detected_at: iso(Date.now() - 2 * HOUR), description: 'Утечка', data_categories: ['phone'],
				scope: { subject_ids: [people[1].id] },
			});
			assert.equal(inc.affected, 1);
			const r = await srv.req('POST', `/v1/incidents/${inc.id}/regulator-reports`, {
				as: 'operator', json: { kind: 'initial', sent_at: iso(Date.now()), reference: 'N-1' },
			});
			assert.equal(assertJson(r, 201).regulator.initial.met, true);
			const t = await draft(srv, inc.id, 'initial');
			assert.ok(!t.includes('GDPR'), 'no EU resident affected: no Art. 33 part');
			assert.ok(t.includes('Предполагаемые причины'));
		});

		it('the registered scope takes who registered in the window; the list pages', async () => {
			const from = new Date();
			const two = await registerAll(srv, [newPerson(), newPerson()]);
			const to = new Date();
			const inc = await createIncident(srv, {
				detected_at: iso(Date.now()), description: 'Утечка', data_categories: ['name'],
				scope: { registered_from: from.toISOString(), registered_to: to.toISOString() },
			});
			assert.equal(inc.affected, 2);
			const notices = await incidentNotices(srv, inc.id);
			assert.deepEqual(notices.map((n) => n.subject_id).sort(), two.map((s) => s.id).sort());
			const x = await getIncident(srv, inc.id, 'auditor');
			assert.deepEqual(x.scope, { kind: 'registered', registered_from: from.toISOString(), registered_to: to.toISOString() });
			const all = [];
			let after = '';
			for (;;) {
				const b = assertJson(await srv.req('GET', `/v1/incidents?limit=2${after}`, { as: 'admin' }), 200);
				all.push(...b.items);
				if (b.next_after === null) break;
				after = `&after=${b.next_after}`;
			}
			assert.ok(all.length >= 4, 'every incident, two at a time');
			assert.equal(new Set(all.map((i) => i.id)).size, all.length, 'none twice');
			assert.ok(all.some((i) => i.id === inc.id));
			for (const i of all) assert.equal(i.description, undefined, 'a list holds no texts');
		});

		it('the all scope takes every subject not erased', async () => {
			const [[n]] = await dataRows(srv, "SELECT COUNT(*) FROM subjects WHERE status <> 'erased';");
			const inc = await createIncident(srv, {
				detected_at: iso(Date.now()), description: 'Утечка', data_categories: ['ip'], scope: { all: true },
			});
			assert.equal(inc.affected, Number(n));
		});
	});

	describe('roles and bad input', () => {
		const body = () => ({
			detected_at: iso(Date.now() - HOUR), description: 'Утечка', data_categories: ['email'], scope: { all: true },
		});

		it('only an operator records an incident; app keys read nothing', async () => {
			for (const role of ROLES.filter((x) => x !== 'operator')) {
				assertProblem(await srv.req('POST', '/v1/incidents', { as: role, json: body() }), 403, 'forbidden');
			}
			assertProblem(await srv.req('GET', '/v1/incidents', { as: 'app' }), 403, 'forbidden');
			assertProblem(await srv.req('GET', '/v1/incidents', {}), 401, 'unauthorized');
			assertJson(await srv.req('GET', '/v1/incidents', { as: 'auditor' }), 200);
			assertProblem(await srv.req('GET', `/v1/incidents/${'0'.repeat(32)}`, { as: 'operator' }), 404, 'not-found');
		});

		it('a bad scope, date, category or kind is 422 naming the field, and nothing is created', async () => {
			const before = await counts(srv);
			const cases = [
				[{ scope: {} }, 'scope'],
				[{ scope: { all: false } }, 'scope.all'],
				[{ scope: { all: true, subject_ids: [] } }, 'scope'],
				[{ scope: { subject_ids: [] } }, 'scope.subject_ids'],
				[{ scope: { subject_ids: ['nope'] } }, 'scope.subject_ids[0]'],
				[{ scope: { subject_ids: ['0'.repeat(32)] } }, 'scope.subject_ids[0]'],
				[{ scope: { registered_from: '2026-01-02T00:00:00Z' } }, 'scope.registered_to'],
				[{ scope: { registered_from: '2026-01-02T00:00:00Z', registered_to: '2026-01-01T00:00:00Z' } }, 'scope.registered_to'],
				[{ scope: { registered_from: 'yesterday', registered_to: '2026-01-01T00:00:00Z' } }, 'scope.registered_from'],
				[{ scope: { everyone: true } }, 'scope.#1'], // an unknown member by its position
				[{ scope: 'all' }, 'scope'],
				[{ detected_at: '2026-13-01T00:00:00Z' }, 'detected_at'],
				[{ detected_at: iso(Date.now() + 24 * HOUR) }, 'detected_at'],
				[{ detected_at: undefined }, 'detected_at'],
				[{ description: '   ' }, 'description'],
				[{ description: undefined }, 'description'],
				[{ data_categories: [] }, 'data_categories'],
				[{ data_categories: ['email', 'passwords'] }, 'data_categories[1]'],
				[{ data_categories: ['email', 'email'] }, 'data_categories[1]'],
				[{ severity: 'high' }, (json) => `#${Object.keys(json).indexOf('severity') + 1}`],
				[{ causes: 5 }, 'causes'],
			];
			for (const [change, field] of cases) {
				const json = { ...body(), ...change };
				for (const [k, v] of Object.entries(change)) if (v === undefined) delete json[k];
				const r = await srv.req('POST', '/v1/incidents', { as: 'operator', json });
				assertProblem(r, 422, 'validation', { fields: [typeof field === 'function' ? field(json) : field] });
			}
			const inc = await createIncident(srv, { ...body(), scope: { subject_ids: [(await registerAll(srv, [newPerson()]))[0].id] } });
			const after1 = await counts(srv);
			const reports = [
				[{ kind: 'interim', sent_at: iso(Date.now()), reference: 'x' }, 'kind'],
				[{ sent_at: iso(Date.now()), reference: 'x' }, 'kind'],
				[{ kind: 'initial', sent_at: 'now', reference: 'x' }, 'sent_at'],
				[{ kind: 'initial', sent_at: iso(Date.now() + 24 * HOUR), reference: 'x' }, 'sent_at'],
				[{ kind: 'initial', sent_at: iso(Date.now() - 48 * HOUR), reference: 'x' }, 'sent_at'],
				[{ kind: 'initial', sent_at: iso(Date.now()) }, 'reference'],
			];
			for (const [json, field] of reports) {
				const r = await srv.req('POST', `/v1/incidents/${inc.id}/regulator-reports`, { as: 'operator', json });
				assertProblem(r, 422, 'validation', { fields: [field] });
			}
			assertProblem(await srv.req('GET', `/v1/incidents/${inc.id}/regulator-notice?kind=final`, { as: 'operator' }),
				422, 'validation', { fields: ['kind'] });
			assertProblem(await srv.req('GET', `/v1/incidents/${inc.id}/regulator-notice`, { as: 'operator' }),
				422, 'validation', { fields: ['kind'] });
			assertProblem(await srv.req('PATCH', `/v1/incidents/${inc.id}`, { as: 'operator', json: { description: 'x' } }),
				422, 'validation', { fields: ['#1'] });
			assertProblem(await srv.req('PATCH', `/v1/incidents/${inc.id}`, { as: 'operator', json: {} }),
				422, 'validation', { fields: ['texts'] });
			const x = await getIncident(srv, inc.id);
			assert.equal(x.regulator.initial.sent_at, null, 'no report recorded');
			assert.equal(before.incidents + 1, after1.incidents, 'only the valid incident was created');
			assert.equal(before.notices + 1, after1.notices, 'only its one notice');
		});
	});

	describe('what is kept', () => {
		it('the audit trail holds ids and counts, not the description; it verifies', async () => {
			const entries = await auditEntries(srv);
			const created = entries.filter((e) => e.action === 'incident.create');
			assert.ok(created.length >= 6);
			for (const e of created) {
				assert.equal(e.object_type, 'incident');
				assert.ok(Number.isInteger(e.detail.affected));
				assert.ok(!JSON.stringify(e).includes('Резервная копия'), 'no operator text in the audit log');
			}
			assert.ok(entries.some((e) => e.action === 'incident.report' && e.detail.kind === 'initial'));
			assert.ok(entries.some((e) => e.action === 'incident.update'));
			await assertAuditOk(srv);
		});

		it('privd\'s log is JSON lines without personal data or the description', async () => {
			assertCleanLog(srv);
			assert.ok(!srv.log.includes('Резервная копия'), 'the description is never logged');
		});
	});
});

forEngines('incidents with channel_preference = sms', (engine) => {
	let srv;

	before(async () => {
		srv = await startPrivd(engine, { serve: { env: { PRIVD_INCIDENTS_CHANNEL_PREFERENCE: 'sms' } } });
	});
	after(async () => {
		if (srv) {
			await srv.stop();
			await removeInstance(srv.inst);
		}
	});

	it('a person with a phone is told by SMS, one with only an e-mail by e-mail', async () => {
		const [a, b] = await registerAll(srv, [newPerson(), newPerson({ phone: undefined })]);
		const inc = await createIncident(srv, {
			detected_at: iso(Date.now()), description: 'Утечка', data_categories: ['email'], scope: { all: true },
		});
		assert.equal(inc.affected, 2);
		const x = await getIncident(srv, inc.id);
		assert.equal(x.progress.sms.queued, 1, 'nothing sends here: the notices wait');
		assert.equal(x.progress.email.queued, 1);
		const byId = new Map((await incidentNotices(srv, inc.id)).map((n) => [n.subject_id, n.channel]));
		assert.equal(byId.get(a.id), 'sms');
		assert.equal(byId.get(b.id), 'email');
		assertCleanLog(srv);
	});
});

forEngines('incidents after a master key rotation', (engine) => {
	let srv;
	let smtp;

	before(async () => {
		smtp = await startSmtp();
		srv = await startPrivd(engine, { serve: { env: deliveryEnv({ smtp, secret: SECRET }) } });
	});
	after(async () => {
		if (srv) {
			await srv.stop();
			await removeInstance(srv.inst);
		}
		await smtp?.close();
	});

	it('the people whose keys were wrapped again, and those registered since, are each told once', async () => {
		const before = await registerAll(srv, [newPerson(), newPerson(), newPerson()]);
		const [old] = await keyStatus(srv.inst);
		const r = await keys(srv.inst, 'rotate', ['--batch', '2']);
		assert.equal(r.code, 0, `keys rotate: ${r.stdout}\n${r.stderr}`);
		const people = [newPerson(), newPerson()];
		const since = await registerAll(srv, people);
		const inc = await createIncident(srv, {
			detected_at: iso(Date.now()), description: 'Утечка', data_categories: ['email'], scope: { all: true },
		});
		assert.equal(inc.affected, before.length + since.length);
		await waitFor(async () => (await getIncident(srv, inc.id)).progress.email.sent === inc.affected,
			`${inc.affected} e-mails sent`, { ms: 120_000, every: 250 });
		await smtp.settled();
		const mails = smtp.messages.filter((m) => /Инцидент|An incident/.test(m.parsed.subject));
		assert.equal(mails.length, inc.affected, 'one e-mail to each');
		assert.equal(new Set(mails.map((m) => m.to[0])).size, inc.affected, 'to as many addresses');
		const st = await keyStatus(srv.inst);
		assert.ok(!st.some((k) => k.kid === old.kid && k.keys > 0), `nothing left under the old key: ${JSON.stringify(st)}`);
		assertCleanLog(srv);
	});
});

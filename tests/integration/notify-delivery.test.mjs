// SPDX-License-Identifier: AGPL-3.0-or-later
// Delivery of the outbox: e-mail to a real SMTP server and SMS to a stand-in gateway, both on loopback, on SQLite
// and PostgreSQL. What a person receives is checked as a mail client reads it (mailparser): the headers, the two
// parts, the subject decoded from its RFC 2047 words. Retries, refusals for good, the operators' list of failed
// notices, the metrics, and what is left of a notice once it went out (nothing of the person, no key).
import assert from 'node:assert/strict';
import path from 'node:path';
import { cp } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import {
	assertCleanLog, assertJson, assertProblem, engines, forEngines, ID_RE, initInstance, newPerson, psql,
	removeInstance, serve, sqlite, startPrivd,
} from './lib/privd.mjs';
import { attach, carryOut, decide, fileRequest, notifications } from './lib/requests.mjs';
import { deliveryEnv, startSmsGateway, startSmtp, verifySignature, waitFor } from './lib/mail.mjs';

const SECRET = 'test-gateway-secret-0123456789';
const OPERATOR = 'ООО «Ромашка»';
const CONTACT = 'privacy@operator.example';

/** Rows of SQL on the instance's data database (SQLite file or PostgreSQL), as arrays of columns. */
async function dataRows(srv, sql) {
	const out = srv.engine === 'postgres' ? await psql(srv.dbUrl, sql) : await sqlite(path.join(srv.dataDir, 'privd.db'), sql);
	return out.split('\n').filter(Boolean).map((l) => l.split('|'));
}

/** The owner ids of the keys the keystore holds. */
async function keyIds(srv) {
	if (srv.engine === 'postgres') return (await psql(srv.dbUrl, 'SELECT subject_id FROM privd_keys.data_keys;')).split('\n').filter(Boolean);
	return (await sqlite(path.join(srv.dataDir, 'keystore.db'), 'SELECT subject_id FROM data_keys;')).split('\n').filter(Boolean);
}

async function metric(srv, name) {
	const r = await srv.req('GET', '/metrics');
	const m = new RegExp(`^${name.replace(/[{}"=]/g, '\\$&')} (\\d+)$`, 'm').exec(r.text);
	return m ? Number(m[1]) : undefined;
}

async function listFailed(srv, as = 'operator') {
	return assertJson(await srv.req('GET', '/v1/notifications?status=failed&limit=1000', { as }), 200);
}

forEngines('delivery of notices by e-mail and SMS', (engine) => {
	let srv;
	let smtp;
	let sms;
	// Recipients the SMTP server defers (451) a number of times, or refuses for good (550).
	const deferrals = new Map();
	const refused = new Set();

	before(async () => {
		smtp = await startSmtp({
			onRcpt(address) {
				if (refused.has(address)) return { code: 550, message: 'mailbox unavailable' };
				const left = deferrals.get(address) || 0;
				if (left > 0) {
					deferrals.set(address, left - 1);
					return { code: 451, message: 'try again later' };
				}
				return null;
			},
		});
		sms = await startSmsGateway();
		srv = await startPrivd(engine, {
			operatorName: OPERATOR,
			serve: { env: deliveryEnv({ smtp, sms, secret: SECRET, extra: { PRIVD_OPERATOR_CONTACT: CONTACT } }) },
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

	const mailsTo = async (addr, n) => {
		await waitFor(() => smtp.recipients.filter((r) => r === addr).length >= n, `${n} message(s) to a test address`);
		await smtp.settled();
		return smtp.messages.filter((m) => m.to.includes(addr));
	};

	it('readiness and metrics say both channels are configured', async () => {
		const r = assertJson(await srv.req('GET', '/readyz'), 200);
		assert.deepEqual(r, { status: 'ready', delivery: { email: 'configured', sms: 'configured' } });
		assert.equal(await metric(srv, 'privd_delivery_configured{channel="email"}'), 1);
		assert.equal(await metric(srv, 'privd_delivery_configured{channel="sms"}'), 1);
	});

	it('a request\'s notices arrive by e-mail: Message-ID, Date, multipart text and HTML, an RFC 2047 subject', async () => {
		const p = newPerson();
		const s = await srv.registerOk(p);
		const addr = p.email.split('@')[0] + '@example.org';
		const q = await carryOut(srv, s.id, 'access');
		const got = await mailsTo(addr, 2);
		assert.equal(got.length, 2, 'exactly two messages: received and completed');
		const ids = new Set();
		for (const m of got) {
			const headerBlock = m.raw.split('\r\n\r\n')[0];
			assert.match(headerBlock, /^Subject: =\?UTF-8\?B\?/m, 'the subject is RFC 2047 encoded');
			assert.match(headerBlock, /^MIME-Version: 1\.0$/m);
			assert.match(m.parsed.messageId, /^<[0-9a-f]{32}@operator\.example>$/, 'a Message-ID per notice');
			ids.add(m.parsed.messageId);
			assert.ok(m.parsed.date instanceof Date && Math.abs(m.parsed.date - Date.now()) < 10 * 60_000, 'Date is now');
			assert.match(m.parsed.headers.get('content-type').value, /^multipart\/alternative$/);
			assert.equal(m.from, CONTACT);
			assert.equal(m.parsed.from.value[0].address, CONTACT);
			assert.equal(m.parsed.from.value[0].name, OPERATOR, 'the operator\'s name as the sender');
			assert.ok(m.parsed.text.includes(q.id), 'the text names the request');
			assert.ok(m.parsed.html.includes(q.id), 'the HTML names the request');
			assert.ok(m.parsed.text.includes(OPERATOR) && m.parsed.text.includes(CONTACT), 'operator and contact in the text');
			assert.ok(m.parsed.html.includes('ООО &laquo;Ромашка&raquo;') || m.parsed.html.includes('ООО «Ромашка»'),
				'operator in the HTML');
			assert.ok(!m.parsed.text.includes(p.name), 'no name the notice does not need');
		}
		assert.equal(ids.size, 2, 'two different Message-IDs');
		const subjects = got.map((m) => m.parsed.subject).sort();
		assert.ok(subjects.some((x) => x === `Ваш запрос № ${q.id} получен / Your request no. ${q.id} has been received`),
			`the received notice, in both languages: ${subjects}`);
		assert.ok(subjects.some((x) => x === `Ваш запрос № ${q.id} исполнен / Your request no. ${q.id} has been carried out`));

		const items = await waitFor(async () => {
			const n = await notifications(srv, s.id);
			return n.every((x) => x.status === 'sent') && n;
		}, 'both notices marked sent');
		for (const n of items) {
			assert.equal(n.attempts, 1);
			assert.ok(n.sent_at && n.last_attempt_at);
			assert.equal(n.last_error, null);
		}
	});

	it('the answer to an inquiry near its 10,000-byte limit arrives whole by e-mail, lines of a lone dot kept', async () => {
		// The answer in both languages, in a text and an HTML part, each base64: a message of some 30 KiB, which
		// goes to the server in several pieces of the upload buffer (16 KiB). A line of the answer that is a lone
		// dot (what ends the data in SMTP) must reach the person as written.
		const p = newPerson();
		const s = await srv.registerOk(p);
		const addr = p.email.split('@')[0] + '@example.org';
		const line = 'Ответ оператора: данные хранятся в Москве, третьим лицам не передавались.';
		let reply = '';
		for (let i = 0; Buffer.byteLength(reply) < 9_500; i++) reply += `${i % 7 === 3 ? '.' : `${i}. ${line}`}\n`;
		reply += 'конец';
		srv.pii.push(reply);
		const q = assertJson(await srv.req('POST', `/v1/subjects/${s.id}/requests`,
			{ as: 'app', json: { type: 'inquiry', question: 'Где хранятся мои данные?' } }), 201);
		assertJson(await srv.req('POST', `/v1/requests/${q.id}/answer`, { as: 'operator', json: { text: reply } }), 200);
		const got = (await mailsTo(addr, 2)).filter((m) => m.parsed.text.includes(q.id) && m.parsed.text.includes('конец'));
		assert.equal(got.length, 1, 'the answer arrived once');
		const m = got[0];
		assert.ok(m.raw.length > 16384, `a message larger than one upload buffer: ${m.raw.length} bytes`);
		assert.ok(m.parsed.text.includes(reply), 'the text part holds the whole answer as written');
		const count = (text) => text.split('третьим лицам').length - 1;
		assert.equal(count(m.parsed.html), 2 * count(reply), 'the HTML part holds all of it, in Russian and in English');
	});

	it('the connection is reused across messages: six notices take at most one connection per delivery worker', async () => {
		// privd delivers over [notify] connections (2) at once, each worker keeping its own connection open.
		const c0 = smtp.connections;
		const r0 = smtp.received;
		const p = newPerson();
		const s = await srv.registerOk(p);
		const addr = p.email.split('@')[0] + '@example.org';
		for (let i = 0; i < 6; i++) {
			const q = await fileRequest(srv, s.id, 'access');
			await attach(srv, q.id);
		}
		await mailsTo(addr, 6);
		assert.ok(smtp.received - r0 >= 6, 'six messages arrived');
		assert.ok(smtp.connections - c0 <= 2, `at most one new connection per worker: ${smtp.connections - c0}`);
	});

	it('each person is told in their own language; PATCH changes it; without one, Russian and English', async () => {
		const en = newPerson({ language: 'en' });
		const ru = newPerson({ language: 'ru' });
		const sEn = await srv.registerOk(en);
		const sRu = await srv.registerOk(ru);
		assert.equal(sEn.language, 'en');
		assert.equal(sRu.language, 'ru');
		const local = (p) => p.email.split('@')[0] + '@example.org';
		const qEn = await fileRequest(srv, sEn.id, 'access');
		await attach(srv, qEn.id);
		const qRu = await fileRequest(srv, sRu.id, 'access');
		await attach(srv, qRu.id);
		const [mEn] = await mailsTo(local(en), 1);
		const [mRu] = await mailsTo(local(ru), 1);
		assert.equal(mEn.parsed.subject, `Your request no. ${qEn.id} has been received`);
		assert.ok(!/[а-яё]/i.test(mEn.parsed.text.replace(OPERATOR, '')), `English only: ${mEn.parsed.text}`);
		assert.match(mEn.parsed.html, /<html lang="en">/);
		assert.equal(mRu.parsed.subject, `Ваш запрос № ${qRu.id} получен`);
		assert.ok(!/request/i.test(mRu.parsed.text), `Russian only: ${mRu.parsed.text}`);
		assert.match(mRu.parsed.html, /<html lang="ru">/);

		const r = assertJson(await srv.req('PATCH', `/v1/subjects/${sRu.id}`, { as: 'app', json: { language: 'en' } }), 200);
		assert.equal(r.language, 'en');
		const q2 = await fileRequest(srv, sRu.id, 'access');
		await attach(srv, q2.id);
		const after2 = await mailsTo(local(ru), 2);
		assert.ok(after2.some((m) => m.parsed.subject === `Your request no. ${q2.id} has been received`), 'now in English');
		const cleared = assertJson(await srv.req('PATCH', `/v1/subjects/${sRu.id}`, { as: 'app', json: { language: null } }), 200);
		assert.equal(cleared.language, null);
		assertProblem(await srv.register(newPerson({ language: 'de' })), 422, 'validation', { fields: ['language'] });
		assertProblem(await srv.req('PATCH', `/v1/subjects/${sRu.id}`, { as: 'app', json: { language: 'EN' } }), 422,
			'validation', { fields: ['language'] });
	});

	it('a person without an e-mail gets an SMS, signed as documented', async () => {
		const p = newPerson({ email: undefined });
		const s = await srv.registerOk(p);
		const q = await fileRequest(srv, s.id, 'access');
		await attach(srv, q.id);
		const m = await waitFor(() => sms.messages.find((x) => x.json?.to === p.phone), 'the SMS at the gateway');
		assert.deepEqual(Object.keys(m.json).sort(), ['id', 'text', 'to']);
		assert.match(m.json.id, ID_RE);
		assert.match(m.headers['content-type'], /^application\/json/);
		assert.ok(verifySignature(m.raw, m.signature, SECRET), `the signature verifies: ${m.signature}`);
		assert.ok(!verifySignature(m.raw, m.signature, SECRET + 'x'), 'and not under another secret');
		assert.ok(m.json.text.includes(q.id) && m.json.text.startsWith(`${OPERATOR}: `), m.json.text);
		const items = await waitFor(async () => {
			const n = await notifications(srv, s.id);
			return n.length === 1 && n[0].status === 'sent' && n;
		}, 'the SMS marked sent');
		assert.equal(items[0].channel, 'sms');
		assert.equal(items[0].id, m.json.id, 'the SMS id is the notice id');
	});

	it('a server that defers the first attempts (451) is tried again, and the notice goes out', async () => {
		const p = newPerson();
		const addr = p.email.split('@')[0] + '@example.org';
		deferrals.set(addr, 2);
		const s = await srv.registerOk(p);
		const before = await metric(srv, 'privd_notifications_retried_total');
		const q = await fileRequest(srv, s.id, 'access');
		await attach(srv, q.id);
		await mailsTo(addr, 1);
		const n = await waitFor(async () => {
			const items = await notifications(srv, s.id);
			return items[0]?.status === 'sent' && items[0];
		}, 'the notice marked sent');
		assert.equal(n.attempts, 3, 'two deferrals, then delivered');
		assert.equal(deferrals.get(addr), 0);
		await waitFor(async () => (await metric(srv, 'privd_notifications_retried_total')) >= before + 2, 'the retries counted');
	});

	it('a refusal for good (550) fails the notice; operators list it, its error holds no address', async () => {
		const p = newPerson();
		const addr = p.email.split('@')[0] + '@example.org';
		refused.add(addr);
		const s = await srv.registerOk(p);
		const q = await fileRequest(srv, s.id, 'access');
		await attach(srv, q.id);
		const n = await waitFor(async () => {
			const items = await notifications(srv, s.id);
			return items[0]?.status === 'failed' && items[0];
		}, 'the notice marked failed');
		assert.equal(n.attempts, 1, 'no second attempt after a permanent refusal');
		const page = await listFailed(srv);
		const listed = page.items.find((x) => x.id === n.id);
		assert.ok(listed, 'GET /v1/notifications?status=failed lists it');
		assert.match(listed.last_error, /550/);
		for (const v of [addr, p.email, p.phone, p.name]) assert.ok(!JSON.stringify(page).includes(v), 'no PII in the list');
		await waitFor(async () => (await metric(srv, 'privd_notifications_failed_total')) >= 1, 'the failure counted');
		for (const it2 of page.items) assert.equal(it2.status, 'failed');
		assert.equal((await srv.req('GET', '/v1/notifications?status=failed', { as: 'app' })).status, 403, 'not for apps');
		assert.equal((await srv.req('GET', '/v1/notifications?status=lost', { as: 'operator' })).status, 422);
	});

	it('pages through the outbox by status with a cursor', async () => {
		const all = [];
		let after = '';
		for (let i = 0; i < 100; i++) {
			const b = assertJson(await srv.req('GET', `/v1/notifications?status=sent&limit=2${after ? `&after=${after}` : ''}`,
				{ as: 'operator' }), 200);
			all.push(...b.items);
			if (b.next_after === null) break;
			assert.equal(b.items.length, 2);
			after = b.next_after;
		}
		assert.ok(all.length >= 4, `sent notices listed: ${all.length}`);
		assert.equal(new Set(all.map((x) => x.id)).size, all.length, 'no notice twice');
		for (const x of all) assert.equal(x.status, 'sent');
		assert.equal((await srv.req('GET', '/v1/notifications?after=nonsense', { as: 'operator' })).status, 422);
	});

	it('after the erasure its confirmation is delivered; nothing of the person and no message key remain', async () => {
		const p = newPerson({ policy_version: (await srv.req('GET', '/v1/policies/current')).json.version });
		const addr = p.email.split('@')[0] + '@example.org';
		const s = await srv.registerOk(p);
		await carryOut(srv, s.id, 'erase');
		await waitFor(async () => {
			await smtp.settled();
			return smtp.messages.some((m) => m.to.includes(addr) && m.parsed.subject.startsWith('Ваши персональные данные удалены'));
		}, 'the confirmation of the erasure');
		// the notice of receipt went out before the erasure, or was cancelled by it
		await waitFor(async () => {
			const rows = await dataRows(srv, `SELECT status FROM notifications WHERE subject_id = '${s.id}';`);
			return rows.length === 2 && rows.every(([st]) => st === 'sent' || st === 'cancelled') && rows.some(([st]) => st === 'sent');
		}, 'every notice of the erased person final');
		const rows = await dataRows(srv, `SELECT notification_id, recipient_ct IS NULL, body_ct IS NULL FROM notifications WHERE subject_id = '${s.id}';`);
		for (const [id, r, b] of rows) {
			assert.ok(['1', 't'].includes(r) && ['1', 't'].includes(b), `notice ${id} keeps no recipient or text`);
		}
		// Keys are destroyed in the keystore's pass that follows the data commit: wait for it, then judge.
		let keys = [];
		await waitFor(async () => {
			keys = await keyIds(srv);
			return rows.every(([id]) => !keys.includes(`msg:${id}`)) && !keys.includes(s.id);
		}, 'the message keys and the data key destroyed').catch(() => {});
		for (const [id] of rows) assert.ok(!keys.includes(`msg:${id}`), `the message key of ${id} is gone`);
		assert.ok(!keys.includes(s.id), 'the data key is gone');
	});

	it('a policy published with notify:true tells every active subject with an e-mail, once, in their language', async () => {
		const withMail = [];
		for (let i = 0; i < 6; i++) withMail.push(newPerson(i % 2 ? { language: 'en' } : {}));
		const phoneOnly = [newPerson({ email: undefined }), newPerson({ email: undefined })];
		for (const p of [...withMail, ...phoneOnly]) await srv.registerOk(p);
		const smsBefore = sms.messages.length;
		const r = assertJson(await srv.req('POST', '/v1/policies', {
			as: 'admin', json: { version: `notify-${engine}`, text: '# Политика\n\nНовая редакция.', notify: true },
		}), 201);
		assert.ok(Number.isInteger(r.notified) && r.notified >= withMail.length, `notified: ${r.notified}`);
		assertProblem(await srv.req('POST', '/v1/policies', { as: 'admin', json: { version: 'x', text: 't', notify: 'yes' } }),
			422, 'validation', { fields: ['notify'] });
		for (const p of withMail) {
			const addr = p.email.split('@')[0] + '@example.org';
			const got = await mailsTo(addr, 1);
			const policy = got.filter((m) => /policy|политик/i.test(m.parsed.subject));
			assert.equal(policy.length, 1, 'exactly one policy notice');
			const en = p.language === 'en';
			assert.equal(policy[0].parsed.subject, en ? 'We have updated our privacy policy'
				: 'Мы обновили политику обработки персональных данных / We have updated our privacy policy');
			assert.ok(policy[0].parsed.text.includes(`notify-${engine}`), 'the version is named');
			assert.ok(policy[0].parsed.text.includes('/privacy'), 'where to read it');
		}
		await new Promise((res) => setTimeout(res, 1000));
		const phones = new Set(phoneOnly.map((p) => p.phone));
		assert.equal(sms.messages.slice(smsBefore).filter((m) => phones.has(m.json?.to)).length, 0, 'no SMS: e-mail only');
		const page = assertJson(await srv.req('GET', '/v1/notifications?limit=1000', { as: 'operator' }), 200);
		assert.ok(page.items.filter((n) => n.ref === `policy:notify-${engine}` && n.kind === 'policy.published').length >= withMail.length);

		// a new consent text is an important notification too (registrations after it name the new version)
		const t = assertJson(await srv.req('POST', '/v1/consent-texts', {
			as: 'admin', json: { purpose: 'processing', version: `notify-${engine}`, language: 'ru', text: '# Согласие\n\nНовая редакция.', notify: true },
		}), 201);
		assert.ok(t.notified >= withMail.length, `notified: ${t.notified}`);
		for (const p of withMail) {
			const addr = p.email.split('@')[0] + '@example.org';
			await waitFor(async () => {
				await smtp.settled();
				return smtp.messages.some((m) => m.to.includes(addr) && /consent|согласи/i.test(m.parsed.subject));
			}, 'the consent text notice');
			const m = smtp.messages.find((x) => x.to.includes(addr) && /consent|согласи/i.test(x.parsed.subject));
			assert.ok(m.parsed.text.includes('/consent/processing'), 'where to read the text');
			assert.equal(m.parsed.subject, p.language === 'en' ? 'We have updated the text of our consent to the processing of personal data'
				: 'Мы обновили текст согласия на обработку персональных данных / We have updated the text of our consent to the processing of personal data');
		}
	});

	it('every sent notice is final: no recipient, no text, no message key', async () => {
		await waitFor(async () => (await dataRows(srv, "SELECT count(*) FROM notifications WHERE status = 'queued';"))[0][0] === '0',
			'the queue drained');
		const rows = await dataRows(srv,
			"SELECT count(*) FROM notifications WHERE status IN ('sent', 'failed') AND (recipient_ct IS NOT NULL OR body_ct IS NOT NULL);");
		assert.equal(rows[0][0], '0');
		const keys = await keyIds(srv);
		assert.equal(keys.filter((k) => k.startsWith('msg:')).length, 0, 'no message key left');
	});

	it('privd exits 0 on SIGTERM; its log holds no personal data', async () => {
		const e = await srv.stop();
		assert.deepEqual({ code: e.code, signal: e.signal }, { code: 0, signal: null });
		srv.pii.push(CONTACT.replace('privacy', 'zz-none')); // the sender's address is the operator's, not PII
		assertCleanLog(srv);
		for (const addr of smtp.recipients) assert.ok(!srv.log.includes(addr), 'no recipient address in the log');
	});
});

describe('without [smtp] and [sms]', () => {
	let srv;
	before(async () => { srv = await startPrivd('sqlite'); });
	after(async () => { if (srv) await srv.destroy(); });

	it('notices stay queued; readiness and metrics say delivery is not configured', async () => {
		const s = await srv.registerOk(newPerson());
		const q = await fileRequest(srv, s.id, 'access');
		await attach(srv, q.id);
		await decide(srv, q.id, { action: 'reject', reason: 'подпись не читается' });
		const r = assertJson(await srv.req('GET', '/readyz'), 200);
		assert.deepEqual(r, { status: 'ready', delivery: { email: 'not_configured', sms: 'not_configured' } });
		assert.equal(await metric(srv, 'privd_delivery_configured{channel="email"}'), 0);
		await waitFor(async () => (await metric(srv, 'privd_notifications_queued')) === 2, 'the queue counted');
		const items = await notifications(srv, s.id);
		assert.deepEqual(items.map((n) => n.status), ['queued', 'queued']);
		assert.ok(items.every((n) => n.attempts === 0));
	});
});

/** Registers n people with an e-mail through srv, a few at a time; resolves to their normalised addresses. */
async function registerMany(srv, n, { key, as = 'app' } = {}) {
	const addrs = [];
	for (let i = 0; i < n; i += 25) {
		const batch = [];
		for (let k = i; k < Math.min(n, i + 25); k++) batch.push(newPerson());
		await Promise.all(batch.map(async (p) => {
			srv.pii.push(p.email, p.phone, p.name);
			const r = await srv.req('POST', '/v1/subjects', key ? { key, json: p } : { as, json: p });
			assert.equal(r.status, 201, r.text);
			addrs.push(p.email.split('@')[0] + '@example.org');
		}));
	}
	return addrs;
}

forEngines('a fan-out interrupted by SIGKILL', (engine) => {
	const N = 300;
	let smtp;
	let srv;
	let addrs;
	const env = () => deliveryEnv({ smtp, extra: { PRIVD_NOTIFY_LEASE_SECONDS: '10', PRIVD_NOTIFY_BATCH: '20' } });

	before(async () => {
		smtp = await startSmtp({ discard: true, delayMs: 10 });
		srv = await startPrivd(engine, { serve: { env: env() } });
	});
	after(async () => {
		if (srv) {
			await srv.stop();
			await removeInstance(srv.inst);
		}
		await smtp?.close();
	});

	it('privd killed halfway through a policy notice to every subject delivers every remaining one after a restart', async () => {
		addrs = await registerMany(srv, N);
		const r = assertJson(await srv.req('POST', '/v1/policies', {
			as: 'admin', json: { version: '2', text: '# v2', notify: true },
		}), 201);
		assert.equal(r.notified, N);
		await waitFor(() => smtp.received >= N / 4, 'a quarter of the fan-out delivered');
		const killed = await srv.stop('SIGKILL');
		assert.equal(killed.signal, 'SIGKILL');
		assert.ok(smtp.received < N, `killed halfway: ${smtp.received} of ${N} delivered`);
		const first = srv;
		srv = await serve(first.inst, { env: env() });
		srv.keys = first.keys;
		srv.pii = first.pii;
		await waitFor(() => new Set(smtp.recipients).size >= N, `all ${N} people told`, { ms: 120_000 });
		const got = new Set(smtp.recipients);
		for (const a of addrs) assert.ok(got.has(a), 'every person told');
		const ids = new Set(smtp.messageIds);
		assert.equal(ids.size, N, 'one notice (one Message-ID) per person; a repeat after the crash keeps its id');
		await waitFor(async () => {
			const q = assertJson(await srv.req('GET', '/v1/notifications?status=queued', { as: 'operator' }), 200);
			return q.items.length === 0;
		}, 'nothing left queued');
		// the keys go in the keystore's follow-up, committed after the data's that took the last notice off the queue
		await waitFor(async () => (await keyIds(srv)).filter((k) => k.startsWith('msg:')).length === 0,
			'every message key destroyed', { ms: 30_000 });
		assertCleanLog(first);
	});

	it('the restarted privd exits 0 on SIGTERM; its log holds no personal data', async () => {
		const e = await srv.stop();
		assert.deepEqual({ code: e.code, signal: e.signal }, { code: 0, signal: null });
		assertCleanLog(srv);
	});
});

describe('two nodes on one PostgreSQL database share the outbox', { skip: !engines().includes('postgres') && 'no PostgreSQL server' }, () => {
	const N = 1000;
	let smtp;
	let instA;
	let instB;
	let a;
	let b;

	before(async () => {
		smtp = await startSmtp({ discard: true, delayMs: 1 });
		const env = deliveryEnv({ smtp, extra: { PRIVD_NOTIFY_BATCH: '25' } });
		instA = await initInstance({ engine: 'postgres' });
		instB = { ...instA, root: `${instA.root}-b`, dataDir: `${instA.root}-b/data` };
		await cp(instA.root, instB.root, { recursive: true, preserveTimestamps: true });
		a = await serve(instA, { env });
		b = await serve(instB, { env });
	});
	after(async () => {
		for (const s of [a, b]) if (s) await s.stop();
		for (const i of [instA, instB]) if (i) await removeInstance(i);
		await smtp?.close();
	});

	it(`deliver ${N} notices between them, none twice`, async () => {
		const key = assertJson(await a.req('POST', '/v1/api-keys', { key: instA.adminKey, json: { name: 'app', role: 'app' } }), 201).key;
		await registerMany(a, N, { key });
		b.pii = a.pii;
		const r = assertJson(await a.req('POST', '/v1/policies', {
			key: instA.adminKey, json: { version: '2', text: '# v2', notify: true },
		}), 201);
		assert.equal(r.notified, N);
		await waitFor(() => smtp.received >= N, `${N} messages`, { ms: 120_000 });
		await new Promise((res) => setTimeout(res, 2000)); // a duplicate would arrive now
		assert.equal(smtp.received, N, 'no message twice');
		assert.equal(new Set(smtp.messageIds).size, N);
		assert.equal(new Set(smtp.recipients).size, N);
		const sentA = await metric(a, 'privd_notifications_sent_total');
		const sentB = await metric(b, 'privd_notifications_sent_total');
		assert.equal(sentA + sentB, N, `sent by A ${sentA} + by B ${sentB}`);
		assert.ok(sentA > 0 && sentB > 0, `both nodes took part: A ${sentA}, B ${sentB}`);
	});

	it('both exit 0 on SIGTERM; their logs hold no personal data', async () => {
		for (const s of [a, b]) {
			const e = await s.stop();
			assert.deepEqual({ code: e.code, signal: e.signal }, { code: 0, signal: null });
			assertCleanLog(s);
		}
	});
});

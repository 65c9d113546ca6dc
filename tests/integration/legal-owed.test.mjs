// SPDX-License-Identifier: AGPL-3.0-or-later
// What the person and the regulator are owed (issue 7 §6): the access export's Art. 14 p.7 information (152-FZ) in
// JSON and on the page, in English and Russian, with the operator's configured name and address; a destruction
// record (RKN Order No. 179 of 28.10.2022) for every erasure, by an executed erase request and by the scheduled
// destruction after a revocation of consent, with its log extract, without personal data, as JSON and as a page to
// print and sign; and the evidence an erasure leaves, kept for [retention] evidence_years and then purged.
import assert from 'node:assert/strict';
import { before, it, test } from 'node:test';
import {
	assertJson, assertProblem, forEngines, ID_RE, newPerson, piiOf, sleep, TIME_RE, withServer,
} from './lib/privd.mjs';
import { assertAuditOk, auditEntries, carryOut, poll } from './lib/requests.mjs';
import { normPath, privdRoutes } from './lib/routes.mjs';

const OPERATOR = {
	name: 'ООО «Пример Данных»',
	address: '123456, г. Москва, ул. Тестовая, д. 7, стр. 1',
	contact: 'privacy@operator.example',
};
const OPERATOR_ENV = {
	PRIVD_OPERATOR_NAME: OPERATOR.name,
	PRIVD_OPERATOR_ADDRESS: OPERATOR.address,
	PRIVD_OPERATOR_CONTACT: OPERATOR.contact,
	PRIVD_OPERATOR_CROSS_BORDER_COUNTRIES: 'DE, KZ',
};
const CYRILLIC = /[А-Яа-яЁё]/;
const RECORD_KEYS = ['id', 'subject_id', 'request_id', 'reason', 'categories', 'method', 'operator',
	'information_system', 'actor', 'destroyed_at', 'audit'];
const PROFILE_CATEGORIES = ['name', 'email', 'phone', 'ip', 'birth_date', 'residence_country'];

/** Asserts {en, ru} texts: both non-empty, the Russian one in Cyrillic. */
function assertBilingual(o, what) {
	assert.ok(o && typeof o === 'object', `${what}: an object`);
	assert.equal(typeof o.en, 'string', `${what}.en`);
	assert.equal(typeof o.ru, 'string', `${what}.ru`);
	assert.ok(o.en.length > 2 && !CYRILLIC.test(o.en), `${what}.en is English: ${o.en}`);
	assert.ok(o.ru.length > 2 && CYRILLIC.test(o.ru), `${what}.ru is Russian: ${o.ru}`);
}

/** HTML escaping as privd's pages do it. */
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
	.replace(/'/g, '&#39;');

function assertNoPii(text, person, where) {
	for (const v of piiOf(person)) assert.ok(!text.includes(v), `${where} contains personal data ${JSON.stringify(v)}`);
}

async function records(srv, query = '', as = 'auditor') {
	return assertJson(await srv.req('GET', `/v1/destruction-records${query}`, { as }), 200);
}

async function record(srv, id, as = 'auditor') {
	return assertJson(await srv.req('GET', `/v1/destruction-records/${id}`, { as }), 200);
}

/** Asserts the shape of a record as listed (docs/api.md), or as read alone (with its log extract). */
function assertRecord(d, { alone = false } = {}) {
	const keys = alone ? [...RECORD_KEYS, 'log_extract'] : RECORD_KEYS;
	assert.deepEqual(Object.keys(d).sort(), [...keys].sort(), `record members: ${JSON.stringify(d)}`);
	assert.match(d.id, ID_RE);
	assert.match(d.subject_id, ID_RE);
	assert.ok(d.request_id === null || ID_RE.test(d.request_id), 'request_id: an id or null');
	assert.ok(['erase_request', 'consent_revoked'].includes(d.reason), `reason ${d.reason}`);
	assert.ok(Array.isArray(d.categories) && d.categories.length > 0, 'categories destroyed are listed');
	assert.equal(d.method, 'crypto_shredding');
	assert.deepEqual(Object.keys(d.operator).sort(), ['address', 'name']);
	assert.equal(typeof d.information_system, 'string');
	assert.match(d.destroyed_at, TIME_RE);
	assert.equal(d.audit.length, 1);
	assert.ok(Number.isInteger(d.audit[0].seq) && d.audit[0].seq > 0);
	assert.match(d.audit[0].hash, /^[0-9a-f]{64}$/);
	return d;
}

/** Registers a person and carries out an erase request; resolves to { person, subject, request }. */
async function erased(srv, consents = { processing: true, third_party_transfer: true, cookies: ['analytics'] }) {
	const person = newPerson({ consents });
	const subject = await srv.registerOk(person);
	const request = await carryOut(srv, subject.id, 'erase');
	return { person, subject, request };
}

test('RKN Order 179: `privd routes` declares the destruction records for operator and auditor', async () => {
	const got = new Map((await privdRoutes()).map((r) => [`${r.method} ${normPath(r.path)}`, [...r.roles].sort()]));
	for (const p of ['/v1/destruction-records', '/v1/destruction-records/{id}']) {
		assert.deepEqual(got.get(`GET ${normPath(p)}`), ['auditor', 'operator'], `roles of GET ${p}`);
	}
});

forEngines('152-FZ Art. 14 p.7: what the access export tells the person', (engine) => {
	const ctx = withServer(engine, { serve: { env: OPERATOR_ENV } });
	let x;
	let html;
	let person;

	before(async () => {
		person = newPerson({ consents: { processing: true, third_party_transfer: false, cookies: ['analytics'] } });
		const s = await ctx.srv.registerOk(person);
		const q = await carryOut(ctx.srv, s.id, 'access');
		x = assertJson(await ctx.srv.req('GET', `/v1/requests/${q.id}/export`, { as: 'operator' }), 200);
		const h = await ctx.srv.req('GET', `/v1/requests/${q.id}/export?format=html`, { as: 'operator' });
		assert.equal(h.status, 200);
		assert.match(h.headers.get('content-type'), /^text\/html/);
		html = h.text;
	});

	it('152-FZ Art. 14 p.7: the operator\'s name, address and contact from the configuration', () => {
		assert.deepEqual(x.processing_information.operator, OPERATOR);
	});

	it('152-FZ Art. 14 p.7: legal basis and purposes, each in English and Russian, with the consents given', () => {
		const pi = x.processing_information;
		assert.ok(pi.legal_basis.some((b) => b.basis === 'consent'), 'consent is a legal basis');
		for (const b of pi.legal_basis) assertBilingual(b, `legal_basis ${b.basis}`);
		const got = Object.fromEntries(pi.purposes.map((p) => [p.purpose, p.granted]));
		assert.deepEqual(got, {
			processing: true, third_party_transfer: false, 'cookies.preferences': false, 'cookies.analytics': true,
			'cookies.marketing': false,
		});
		for (const p of pi.purposes) assertBilingual(p, `purpose ${p.purpose}`);
		assertBilingual(pi.methods, 'methods');
	});

	it('152-FZ Art. 14 p.7: the categories of data held and their source', () => {
		const pi = x.processing_information;
		const cats = pi.categories.map((c) => c.category);
		for (const c of [...PROFILE_CATEGORIES, 'consent_records', 'request_documents', 'notifications']) {
			assert.ok(cats.includes(c), `category ${c} is listed: ${cats}`);
		}
		for (const c of pi.categories) assertBilingual(c, `category ${c.category}`);
		assertBilingual(pi.source, 'source');
	});

	it('152-FZ Art. 14 p.7: recipients (none recorded) and cross-border transfers (configured countries)', () => {
		const pi = x.processing_information;
		assert.deepEqual(pi.recipients.items, []);
		assertBilingual(pi.recipients, 'recipients');
		assert.match(pi.recipients.en, /none recorded/i);
		assert.match(pi.recipients.ru, /не зарегистрированы/i);
		assert.deepEqual(pi.cross_border_transfers.countries, ['DE', 'KZ']);
		assertBilingual(pi.cross_border_transfers, 'cross_border_transfers');
		assert.match(pi.cross_border_transfers.en, /DE, KZ/);
	});

	it('152-FZ Art. 14 p.7: retention periods (30 days after a revocation; 3 years of evidence)', () => {
		const r = Object.fromEntries(x.processing_information.retention.map((p) => [p.data, p]));
		assert.equal(r.personal_data.days, 30);
		assert.match(r.personal_data.en, /30 days/);
		assert.match(r.personal_data.ru, /30 дней/);
		assert.equal(r.evidence.years, 3);
		assert.match(r.evidence.en, /3 years/);
		assert.match(r.evidence.ru, /3 года/);
	});

	it('152-FZ Art. 14 p.7: the person\'s rights and how to exercise them', () => {
		const pi = x.processing_information;
		const rights = Object.fromEntries(pi.rights.map((r) => [r.right, r.request_type]));
		for (const t of ['access', 'rectify', 'erase', 'transfer_info', 'revoke_processing', 'revoke_cookies']) {
			assert.equal(rights[t], t, `the right ${t} is exercised by a ${t} request`);
		}
		assert.equal(rights.complaint, null, 'the complaint to Roskomnadzor is not a request');
		for (const r of pi.rights) assertBilingual(r, `right ${r.right}`);
		assertBilingual(pi.how_to_exercise, 'how_to_exercise');
		assert.ok(pi.how_to_exercise.en.includes(OPERATOR.contact), 'the contact is given');
		assert.ok(pi.how_to_exercise.ru.includes(OPERATOR.contact), 'the contact is given in Russian too');
		assert.match(pi.how_to_exercise.en, /10 working days/);
		assert.match(pi.how_to_exercise.ru, /10 рабочих дней/);
	});

	it('152-FZ Art. 14 p.7: the page carries the same items in English and Russian', () => {
		for (const v of [OPERATOR.name, OPERATOR.address, OPERATOR.contact]) {
			assert.ok(html.includes(esc(v)), `the page names ${v}`);
		}
		const pi = x.processing_information;
		const texts = [
			...pi.legal_basis, ...pi.purposes, pi.methods, ...pi.categories, pi.source, pi.recipients,
			...pi.retention, pi.cross_border_transfers, ...pi.rights, pi.how_to_exercise,
		];
		for (const t of texts) {
			assert.ok(html.includes(esc(t.en)), `the page says in English: ${t.en}`);
			assert.ok(html.includes(esc(t.ru)), `the page says in Russian: ${t.ru}`);
		}
		for (const h of ['Operator / Оператор', 'Legal basis / Правовые основания', 'Purposes / Цели обработки',
			'Recipients / Получатели', 'Retention / Сроки обработки и хранения',
			'Cross-border transfer / Трансграничная передача', 'Your rights / Ваши права']) {
			assert.ok(html.includes(h), `the page has the heading ${h}`);
		}
		// The person's own data is on the page, as before.
		assert.ok(html.includes(person.email.split('@')[0]), 'the page still holds the person\'s data');
	});

	ctx.closingTest();
});

forEngines('RKN Order 179: a destruction record for every executed erasure', (engine) => {
	const ctx = withServer(engine, { serve: { env: OPERATOR_ENV } });
	let e;
	let d;
	let erasedAt;

	before(async () => {
		e = await erased(ctx.srv);
		erasedAt = Date.now();
		d = await record(ctx.srv, e.request.result.destruction_record);
	});

	it('RKN Order 179: the erase request\'s result names its destruction record', () => {
		assert.match(e.request.result.destruction_record, ID_RE);
		assert.equal(e.request.result.erased, true);
	});

	it('RKN Order 179: the record holds every item of the act: operator, subject, categories, reason, method, time, who', async () => {
		assertRecord(d, { alone: true });
		assert.equal(d.id, e.request.result.destruction_record);
		assert.equal(d.subject_id, e.subject.id, 'the person is named by the pseudonymous subject id');
		assert.equal(d.request_id, e.request.id);
		assert.equal(d.reason, 'erase_request');
		for (const c of [...PROFILE_CATEGORIES, 'consent_records', 'request_documents', 'notifications']) {
			assert.ok(d.categories.includes(c), `category ${c} destroyed: ${d.categories}`);
		}
		assert.equal(d.method, 'crypto_shredding');
		assert.deepEqual(d.operator, { name: OPERATOR.name, address: OPERATOR.address });
		assert.equal(d.information_system, 'privd');
		const ms = Date.parse(d.destroyed_at);
		assert.ok(Math.abs(ms - erasedAt) < 60_000, `destroyed_at ${d.destroyed_at} is the time of the erasure`);
		const exec = (await auditEntries(ctx.srv)).find((a) => a.action === 'request.execute' && a.object_id === e.request.id);
		assert.ok(exec, 'the execution is audited');
		assert.equal(d.actor, exec.actor, 'the record names the operator\'s key that carried it out');
		assert.match(d.actor, /^apikey:[0-9a-f]{32}$/);
	});

	it('RKN Order 179: the log extract is the erasure\'s entries as the audit chain holds them', async () => {
		const all = await auditEntries(ctx.srv);
		const bySeq = new Map(all.map((a) => [a.seq, a]));
		const own = bySeq.get(d.audit[0].seq);
		assert.ok(own, `audit entry ${d.audit[0].seq} exists`);
		assert.equal(own.hash, d.audit[0].hash);
		assert.equal(own.action, 'subject.erase');
		assert.equal(own.object_id, e.subject.id);
		assert.equal(own.detail.record, d.id);
		assert.equal(own.detail.reason, 'erase_request');
		assert.deepEqual(own.detail.categories, d.categories);
		assert.ok(Array.isArray(d.log_extract) && d.log_extract.length === 2, `log_extract: ${JSON.stringify(d.log_extract)}`);
		for (const entry of d.log_extract) assert.deepEqual(entry, bySeq.get(entry.seq), `extract entry ${entry.seq} is the chain's`);
		assert.deepEqual(d.log_extract.map((a) => a.action), ['subject.erase', 'request.execute']);
		assert.equal(d.log_extract[1].object_id, e.request.id);
		await assertAuditOk(ctx.srv);
	});

	it('RKN Order 179: no personal data in the record, the list or the page', async () => {
		assertNoPii(JSON.stringify(d), e.person, 'the record');
		assertNoPii(JSON.stringify(await records(ctx.srv)), e.person, 'the list');
		const h = await ctx.srv.req('GET', `/v1/destruction-records/${d.id}?format=html`, { as: 'operator' });
		assertNoPii(h.text, e.person, 'the page');
	});

	it('RKN Order 179: the act as a page to print and sign, in Russian with English', async () => {
		for (const how of [{ q: '?format=html' }, { q: '', headers: { accept: 'text/html' } }]) {
			const h = await ctx.srv.req('GET', `/v1/destruction-records/${d.id}${how.q}`, { as: 'operator', headers: how.headers });
			assert.equal(h.status, 200, h.text.slice(0, 300));
			assert.match(h.headers.get('content-type'), /^text\/html; charset=utf-8/);
			assert.equal(h.headers.get('cache-control'), 'no-store');
			for (const s of ['Акт об уничтожении персональных данных', 'Personal data destruction act', d.id,
				e.subject.id, esc(OPERATOR.name), esc(OPERATOR.address), 'Уничтожение произвёл / Destroyed by',
				'Ответственный за организацию обработки персональных данных', 'Подпись / Signature',
				'Фамилия, имя, отчество', 'Full name', 'Криптографическое уничтожение', 'Crypto-shredding',
				'Адрес электронной почты', 'E-mail address', 'Выгрузка из журнала событий', d.audit[0].hash,
				'Приказ Роскомнадзора от 28.10.2022 № 179']) {
				assert.ok(h.text.includes(s), `the page holds ${s}`);
			}
		}
		const j = await ctx.srv.req('GET', `/v1/destruction-records/${d.id}?format=json`, { as: 'operator', headers: { accept: 'text/html' } });
		assertJson(j, 200);
		assertProblem(await ctx.srv.req('GET', `/v1/destruction-records/${d.id}?format=pdf`, { as: 'operator' }), 422,
			'validation', { fields: ['format'] });
	});

	it('RKN Order 179: records are for operator and auditor keys; app and admin keys get 403, no key 401', async () => {
		for (const p of ['/v1/destruction-records', `/v1/destruction-records/${d.id}`]) {
			assertJson(await ctx.srv.req('GET', p, { as: 'operator' }), 200);
			assertJson(await ctx.srv.req('GET', p, { as: 'auditor' }), 200);
			assertProblem(await ctx.srv.req('GET', p, { as: 'app' }), 403, 'forbidden');
			assertProblem(await ctx.srv.req('GET', p, { as: 'admin' }), 403, 'forbidden');
			assertProblem(await ctx.srv.req('GET', p), 401, 'unauthorized');
		}
	});

	it('RKN Order 179: the list pages like the other lists, filters by subject, refuses bad parameters', async () => {
		const more = [await erased(ctx.srv), await erased(ctx.srv)];
		const all = await records(ctx.srv);
		assert.ok(all.items.length >= 3);
		all.items.forEach(assertRecord);
		assert.equal(all.next_after, null);
		const seen = [];
		let after = 0;
		for (let i = 0; i < 10; i++) {
			const page = await records(ctx.srv, `?limit=1&after=${after}`);
			seen.push(...page.items.map((r) => r.id));
			if (page.next_after === null) break;
			assert.equal(page.items.length, 1);
			after = page.next_after;
		}
		assert.deepEqual(seen, all.items.map((r) => r.id), 'pages in order, each record once');
		const mine = await records(ctx.srv, `?subject_id=${more[1].subject.id}`);
		assert.deepEqual(mine.items.map((r) => r.id), [more[1].request.result.destruction_record]);
		for (const [q, field] of [['?limit=0', 'limit'], ['?limit=1001', 'limit'], ['?after=-1', 'after'],
			['?subject_id=XYZ', 'subject_id']]) {
			assertProblem(await ctx.srv.req('GET', `/v1/destruction-records${q}`, { as: 'auditor' }), 422, 'validation', { fields: [field] });
		}
		assertProblem(await ctx.srv.req('GET', `/v1/destruction-records/${'0'.repeat(32)}`, { as: 'auditor' }), 404, 'not-found');
	});

	it('RKN Order 179: with the default evidence period the record and the tombstone stay after the purge runs', async () => {
		const wait = erasedAt + 11_000 - Date.now();	// the evidence purge runs every 10 s
		if (wait > 0) await sleep(wait);
		assert.equal((await record(ctx.srv, d.id)).id, d.id);
		assertProblem(await ctx.srv.req('GET', `/v1/subjects/${e.subject.id}`, { as: 'operator' }), 410, 'gone');
		assertJson(await ctx.srv.req('GET', `/v1/requests/${e.request.id}`, { as: 'operator' }), 200);
	});

	ctx.closingTest();
});

forEngines('RKN Order 179: a destruction record for the scheduled destruction after a revocation', (engine) => {
	const ctx = withServer(engine, { serve: { env: { ...OPERATOR_ENV, PRIVD_REQUESTS_ERASE_AFTER_REVOKE_DAYS: '0' } } });
	let person;
	let subject;

	before(async () => {
		person = newPerson();
		subject = await ctx.srv.registerOk(person);
		await carryOut(ctx.srv, subject.id, 'revoke_processing');
		const status = await poll(async () => {
			const r = await ctx.srv.req('GET', `/v1/subjects/${subject.id}`, { as: 'operator' });
			return r.status === 410 ? r.status : null;
		}, { ms: 10_000 });
		assert.equal(status, 410, 'the scheduled destruction ran within 10 s');
	});

	it('152-FZ Art. 21 p.5, RKN Order 179: the scheduled destruction leaves a record naming the revocation', async () => {
		const list = await records(ctx.srv, `?subject_id=${subject.id}`);
		assert.equal(list.items.length, 1, `one record: ${JSON.stringify(list)}`);
		assertRecord(list.items[0]);
		const d = assertRecord(await record(ctx.srv, list.items[0].id), { alone: true });
		assert.equal(d.reason, 'consent_revoked');
		assert.equal(d.request_id, null);
		assert.equal(d.actor, 'system');
		assert.deepEqual(d.operator, { name: OPERATOR.name, address: OPERATOR.address });
		for (const c of [...PROFILE_CATEGORIES, 'consent_records']) assert.ok(d.categories.includes(c), `category ${c}`);
		assert.deepEqual(d.log_extract.map((a) => [a.seq, a.hash, a.action, a.actor, a.object_id]),
			[[d.audit[0].seq, d.audit[0].hash, 'subject.erase', 'system', subject.id]]);
		assertNoPii(JSON.stringify(d), person, 'the record');
		await assertAuditOk(ctx.srv);
	});

	ctx.closingTest();
});

forEngines('RKN Order 179: what an erasure leaves is purged after the evidence period', (engine) => {
	// An evidence period of 0 years: everything already erased is past it, and the purge runs within 10 s.
	const ctx = withServer(engine, { serve: { env: { ...OPERATOR_ENV, PRIVD_RETENTION_EVIDENCE_YEARS: '0' } } });
	let e;
	let living;
	let id;

	before(async () => {
		living = await ctx.srv.registerOk(newPerson());
		e = await erased(ctx.srv);
		id = e.request.result.destruction_record;
	});

	it('RKN Order 179: the tombstone, the request rows and the record are purged once the period is over', async () => {
		const gone = await poll(async () => {
			const r = await ctx.srv.req('GET', `/v1/destruction-records/${id}`, { as: 'auditor' });
			return r.status === 404 ? r : null;
		}, { ms: 25_000, every: 500 });
		assert.ok(gone, 'the destruction record was purged within 25 s');
		assertProblem(gone, 404, 'not-found');
		assertProblem(await ctx.srv.req('GET', `/v1/subjects/${e.subject.id}`, { as: 'operator' }), 404, 'not-found');
		assertProblem(await ctx.srv.req('GET', `/v1/requests/${e.request.id}`, { as: 'operator' }), 404, 'not-found');
		assert.deepEqual((await records(ctx.srv, `?subject_id=${e.subject.id}`)).items, []);
	});

	it('RKN Order 179: the purge keeps the audit chain whole and is itself audited', async () => {
		await assertAuditOk(ctx.srv);
		const mine = (await auditEntries(ctx.srv)).filter((a) => a.object_id === e.subject.id);
		const actions = mine.map((a) => a.action);
		assert.ok(actions.includes('subject.create'), 'the entries from before the erasure remain');
		assert.ok(actions.includes('subject.erase'), 'the erasure\'s entry remains');
		const purge = mine.find((a) => a.action === 'subject.purge');
		assert.ok(purge, `the purge is audited: ${actions}`);
		assert.equal(purge.actor, 'system');
		assert.deepEqual(purge.detail, { evidence_years: 0, destruction_records: 1 });
		assertNoPii(JSON.stringify(mine), e.person, 'the audit entries');
	});

	it('RKN Order 179: subjects that were not erased are untouched by the purge', async () => {
		assertJson(await ctx.srv.req('GET', `/v1/subjects/${living.id}`, { as: 'operator' }), 200);
	});

	it('RKN Order 179: an evidence period under 3 years is warned of at start', () => {
		const warn = ctx.srv.log.split('\n').filter((l) => l.includes('config.evidence_years_short'));
		assert.equal(warn.length, 1, `one warning: ${ctx.srv.log.slice(0, 2000)}`);
		assert.match(warn[0], /"evidence_years":0/);
	});

	ctx.closingTest();
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// Transfers to third parties, on SQLite and PostgreSQL, against a recipient on loopback that opens every delivery
// with its own X25519 private key, as a real one would: the recipients registry (no recipient without a
// confidentiality agreement, TLS or loopback only, a real public key, 152-FZ Art. 12 abroad, versions kept,
// deactivation), transfers under consent (each person checked, refused with the reason, never sent, and exactly the
// fields allowed arriving for the others), under a court decision (no consent needed, its reference in the log), a
// consent revoked while a delivery waits for its retry, the disclosure log per person, and what the person is told
// by a transfer_info and an access request.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
	assertCleanLog, assertJson, assertProblem, birthDateForAge, forEngines, grant, ID_RE, newPerson, TIME_RE,
	withServer,
} from './lib/privd.mjs';
import { auditEntries, assertAuditOk, carryOut, moscowToday, poll } from './lib/requests.mjs';
import { recipientKeys, startRecipient } from './lib/recipient.mjs';

const TRANSFER_KEYS = ['id', 'recipient', 'legal_basis', 'reference', 'fields', 'subjects', 'status', 'created_at',
	'actor'];

/** A registration body of someone who consents to transfer to third parties. */
function consenting(overrides = {}) {
	return newPerson({ consents: { processing: true, third_party_transfer: true, cookies: [] }, ...overrides });
}

/** A recipient body for rec, with overrides (undefined deletes a member). */
function recipientBody(rec, overrides = {}) {
	const b = {
		name: 'ООО «Доставка»', purpose: 'Delivery of orders to customers', country: 'RU', endpoint: rec.url,
		public_key: rec.publicKey, confidentiality_ref: 'NDA-2026/17 of 01.02.2026', fields_allowed: ['name', 'email'],
	};
	for (const [k, v] of Object.entries(overrides)) {
		if (v === undefined) delete b[k];
		else b[k] = v;
	}
	return b;
}

/** The person's disclosure log. */
async function disclosures(srv, id, as = 'auditor') {
	const b = assertJson(await srv.req('GET', `/v1/subjects/${id}/transfers`, { as }), 200);
	assert.deepEqual(Object.keys(b).sort(), ['items', 'next_after']);
	assert.equal(b.next_after, null, 'one page holds a test person\'s log');
	for (const d of b.items) {
		assert.match(d.transfer_id, ID_RE);
		assert.match(d.at, TIME_RE);
		assert.ok(['queued', 'delivered', 'refused', 'failed'].includes(d.outcome), d.outcome);
		assert.deepEqual(Object.keys(d.recipient).sort(), ['country', 'cross_border', 'id', 'name', 'purpose', 'version']);
	}
	return b.items;
}

/** Waits until the transfer has nobody left to send; resolves to it. */
async function settled(srv, id) {
	const t = await poll(async () => {
		const x = assertJson(await srv.req('GET', `/v1/transfers/${id}`, { as: 'operator' }), 200);
		return x.status === 'completed' && x;
	}, { ms: 60_000 });
	assert.ok(t, 'the transfer completes');
	return t;
}

forEngines('transfers to third parties', (engine) => {
	const ctx = withServer(engine, { serve: { env: { PRIVD_NOTIFY_RETRY_SECONDS: '1', PRIVD_TRANSFERS_BATCH: '3' } } });
	let rec;
	let partner;

	before(async () => {
		rec = await startRecipient();
	});
	after(async () => {
		await rec?.close();
	});

	it('a recipient cannot be registered without a confidentiality reference, nor with a bad endpoint or key', async () => {
		const srv = ctx.srv;
		let r = await srv.req('POST', '/v1/recipients', { as: 'admin', json: recipientBody(rec, { confidentiality_ref: undefined }) });
		assertProblem(r, 422, 'validation', { fields: ['confidentiality_ref'] });
		r = await srv.req('POST', '/v1/recipients', { as: 'admin', json: recipientBody(rec, { confidentiality_ref: '  ' }) });
		assertProblem(r, 422, 'validation', { fields: ['confidentiality_ref'] });
		r = await srv.req('POST', '/v1/recipients', {
			as: 'admin',
			json: recipientBody(rec, {
				endpoint: 'http://partner.example/in', public_key: Buffer.alloc(32).toString('base64'),
				fields_allowed: ['name', 'passport'], country: 'XX',
			}),
		});
		assertProblem(r, 422, 'validation', { fields: ['endpoint', 'public_key', 'fields_allowed', 'country'] });
		r = await srv.req('POST', '/v1/recipients', { as: 'admin', json: recipientBody(rec, { public_key: 'c2hvcnQ=' }) });
		assertProblem(r, 422, 'validation', { fields: ['public_key'] });
		// abroad: the Art. 12 notification is required; at home it is refused
		r = await srv.req('POST', '/v1/recipients', { as: 'admin', json: recipientBody(rec, { country: 'KZ' }) });
		assertProblem(r, 422, 'validation',
			{ fields: ['cross_border_notice_ref', 'cross_border_notice_filed_on', 'adequate_protection'] });
		r = await srv.req('POST', '/v1/recipients', {
			as: 'admin', json: recipientBody(rec, { cross_border_notice_ref: 'RKN-1', adequate_protection: true }),
		});
		assertProblem(r, 422, 'validation', { fields: ['cross_border_notice_ref', 'adequate_protection'] });
		for (const as of ['app', 'operator', 'auditor']) {
			r = await srv.req('POST', '/v1/recipients', { as, json: recipientBody(rec) });
			assertProblem(r, 403, 'forbidden');
		}
		const list = assertJson(await srv.req('GET', '/v1/recipients', { as: 'operator' }), 200);
		assert.deepEqual(list.items, [], 'nothing was created');
	});

	it('an admin registers a recipient; every role that transfers or checks reads it', async () => {
		const srv = ctx.srv;
		const r = await srv.req('POST', '/v1/recipients', { as: 'admin', json: recipientBody(rec) });
		partner = assertJson(r, 201);
		assert.equal(r.headers.get('location'), `/v1/recipients/${partner.id}`);
		assert.match(partner.id, ID_RE);
		assert.equal(partner.version, 1);
		assert.equal(partner.active, true);
		assert.equal(partner.cross_border, false);
		assert.deepEqual(partner.fields_allowed, ['name', 'email']);
		assert.equal(partner.confidentiality_ref, 'NDA-2026/17 of 01.02.2026');
		assert.equal(partner.cross_border_notice_ref, null);
		assert.equal(partner.transfers_from, null);
		for (const as of ['app', 'operator', 'auditor', 'admin']) {
			const one = assertJson(await srv.req('GET', `/v1/recipients/${partner.id}`, { as }), 200);
			assert.equal(one.name, partner.name);
			assert.equal(one.history.length, 1);
			const list = assertJson(await srv.req('GET', '/v1/recipients', { as }), 200);
			assert.ok(list.items.some((x) => x.id === partner.id));
		}
		assertProblem(await srv.req('GET', `/v1/recipients/${'0'.repeat(32)}`, { as: 'operator' }), 404, 'not-found');
		// the list pages by creation, as every list does
		assertJson(await srv.req('POST', '/v1/recipients', { as: 'admin', json: recipientBody(rec, { name: 'Second' }) }), 201);
		const p1 = assertJson(await srv.req('GET', '/v1/recipients?limit=1', { as: 'auditor' }), 200);
		assert.deepEqual(p1.items.map((x) => x.id), [partner.id]);
		assert.equal(typeof p1.next_after, 'string');
		const p2 = assertJson(await srv.req('GET', `/v1/recipients?limit=1&after=${p1.next_after}`, { as: 'auditor' }), 200);
		assert.deepEqual(p2.items.map((x) => x.name), ['Second']);
	});

	it('consented people arrive with exactly the fields allowed; the others are refused with reasons and never sent', async () => {
		const srv = ctx.srv;
		const yes = [consenting(), consenting(), consenting({ phone: undefined })];
		const ids = [];
		for (const p of yes) ids.push((await srv.registerOk(p)).id);
		const noConsent = newPerson();
		const no = await srv.registerOk(noConsent);
		const revokedP = consenting();
		const revoked = await srv.registerOk(revokedP);
		assertJson(await srv.req('POST', `/v1/subjects/${revoked.id}/consents`,
			{ as: 'app', json: { purpose: 'processing', granted: false } }), 201);
		const withdrawnP = consenting();
		const withdrawn = await srv.registerOk(withdrawnP);
		assertJson(await srv.req('POST', `/v1/subjects/${withdrawn.id}/consents`,
			{ as: 'app', json: { purpose: 'third_party_transfer', granted: false } }), 201);
		const minorP = consenting({ residence_country: 'DE', birth_date: birthDateForAge(14) });
		const minorR = await srv.register(minorP);
		assert.equal(minorR.status, 202, minorR.text);
		const unknown = 'f'.repeat(32);
		const asked = [...ids, no.id, revoked.id, withdrawn.id, minorR.json.id, unknown];

		const r = await srv.req('POST', '/v1/transfers', {
			as: 'operator',
			json: { recipient_id: partner.id, subject_ids: asked, fields: ['name', 'email', 'phone'], legal_basis: 'consent' },
		});
		const t = assertJson(r, 201);
		assert.equal(r.headers.get('location'), `/v1/transfers/${t.id}`);
		for (const k of TRANSFER_KEYS) assert.ok(k in t, `the transfer has ${k}`);
		assert.deepEqual(t.fields, ['name', 'email'], 'only what was asked and is allowed');
		assert.deepEqual(t.fields_withheld, ['phone']);
		assert.equal(t.legal_basis, 'consent');
		assert.equal(t.reference, null);
		assert.deepEqual(t.refused, [
			{ subject_id: no.id, reason: 'no_consent' },
			{ subject_id: revoked.id, reason: 'revoked' },
			{ subject_id: withdrawn.id, reason: 'no_consent' },
			{ subject_id: minorR.json.id, reason: 'pending_guardian' },
			{ subject_id: unknown, reason: 'not_found' },
		], 'every refusal, with its reason, in the order asked');
		assert.deepEqual(t.subjects, { requested: 8, accepted: 3, refused: 5, delivered: 0, failed: 0, pending: 3 });

		const done = await settled(srv, t.id);
		assert.deepEqual(done.subjects, { requested: 8, accepted: 3, refused: 5, delivered: 3, failed: 0, pending: 0 });
		assert.equal(done.batches.length, 1);
		assert.equal(done.batches[0].status, 'sent');

		const mine = rec.deliveries.filter((d) => d.body.transfer_id === t.id);
		assert.equal(mine.length, 1);
		const got = mine[0];
		assert.equal(got.headers['x-privd-transfer'], t.id);
		assert.match(got.headers['idempotency-key'], /^[0-9a-f]{32}-[0-9a-f]{32}$/);
		assert.equal(got.headers['content-type'], 'application/octet-stream');
		assert.equal(got.body.recipient_id, partner.id);
		assert.equal(got.body.legal_basis, 'consent');
		assert.equal(got.body.purpose, partner.purpose);
		assert.deepEqual(got.body.fields, ['name', 'email']);
		assert.equal(got.body.subjects.length, 3);
		const emails = got.body.subjects.map((s) => s.email).sort();
		assert.deepEqual(emails, yes.map((p) => p.email.split('@')[0] + '@example.org').sort());
		for (const s of got.body.subjects) {
			assert.deepEqual(Object.keys(s).sort(), ['email', 'name'], 'exactly the allowed fields');
			const p = yes.find((x) => x.email.split('@')[0] + '@example.org' === s.email);
			assert.equal(s.name, p.name.trim());
		}
		// nothing of the refused went, and the wire never carried anything readable
		const wire = Buffer.concat(mine.map((d) => d.raw)).toString('latin1');
		const opened = JSON.stringify(rec.deliveries.map((d) => d.body));
		for (const p of [noConsent, revokedP, withdrawnP, minorP]) {
			assert.ok(!opened.includes(p.email.split('@')[0]), 'a refused person never reaches the recipient');
		}
		for (const p of yes) assert.ok(!wire.includes(p.email.split('@')[0]), 'the body is sealed');

		// the disclosure log, per person
		const d0 = await disclosures(srv, ids[0]);
		assert.deepEqual(d0.map((d) => d.outcome), ['queued', 'delivered']);
		for (const d of d0) {
			assert.equal(d.transfer_id, t.id);
			assert.deepEqual(d.recipient, { id: partner.id, version: 1, name: partner.name, country: 'RU', purpose: partner.purpose, cross_border: false });
			assert.deepEqual(d.fields, ['name', 'email']);
			assert.equal(d.legal_basis, 'consent');
			assert.equal(d.reason, null);
		}
		const dn = await disclosures(srv, no.id, 'app');
		assert.deepEqual(dn.map((d) => [d.outcome, d.reason]), [['refused', 'no_consent']]);
		assert.deepEqual((await disclosures(srv, revoked.id, 'operator')).map((d) => d.reason), ['revoked']);
		assert.deepEqual((await disclosures(srv, minorR.json.id, 'admin')).map((d) => d.reason), ['pending_guardian']);
		assertProblem(await srv.req('GET', `/v1/subjects/${unknown}/transfers`, { as: 'auditor' }), 404, 'not-found');
		// the log pages by seq, as every list does
		const p1 = assertJson(await srv.req('GET', `/v1/subjects/${ids[0]}/transfers?limit=1`, { as: 'auditor' }), 200);
		assert.equal(p1.items.length, 1);
		assert.equal(p1.items[0].outcome, 'queued');
		assert.equal(p1.next_after, p1.items[0].seq);
		const p2 = assertJson(await srv.req('GET', `/v1/subjects/${ids[0]}/transfers?limit=1&after=${p1.next_after}`,
			{ as: 'auditor' }), 200);
		assert.deepEqual(p2.items.map((d) => d.outcome), ['delivered']);
		assertProblem(await srv.req('GET', `/v1/subjects/${ids[0]}/transfers?limit=0`, { as: 'auditor' }), 422,
			'validation', { fields: ['limit'] });
	});

	it('a court decision goes without consent and carries its reference in the log; other bases need one', async () => {
		const srv = ctx.srv;
		const p = newPerson();
		const s = await srv.registerOk(p);
		const q = consenting();
		const revoked = await srv.registerOk(q);
		assertJson(await srv.req('POST', `/v1/subjects/${revoked.id}/consents`,
			{ as: 'app', json: { purpose: 'processing', granted: false } }), 201);
		for (const basis of ['court_decision', 'law', 'protection_of_rights']) {
			const r = await srv.req('POST', '/v1/transfers', {
				as: 'app', json: { recipient_id: partner.id, subject_ids: [s.id], fields: ['email'], legal_basis: basis },
			});
			assertProblem(r, 422, 'validation', { fields: ['reference'] });
		}
		assertProblem(await srv.req('POST', '/v1/transfers', {
			as: 'app', json: { recipient_id: partner.id, subject_ids: [s.id], fields: ['email'], legal_basis: 'subpoena' },
		}), 422, 'validation', { fields: ['legal_basis'] });
		const reference = 'Решение Пресненского районного суда г. Москвы по делу № 2-1234/2026 от 15.01.2026';
		const t = assertJson(await srv.req('POST', '/v1/transfers', {
			as: 'app',
			json: { recipient_id: partner.id, subject_ids: [s.id, revoked.id], fields: ['email'], legal_basis: 'court_decision', reference },
		}), 201);
		assert.deepEqual(t.refused, []);
		assert.equal(t.reference, reference);
		await settled(srv, t.id);
		const got = rec.deliveries.find((d) => d.body.transfer_id === t.id);
		assert.equal(got.body.legal_basis, 'court_decision');
		assert.equal(got.body.reference, reference);
		assert.equal(got.body.subjects.length, 2);
		for (const sub of got.body.subjects) assert.deepEqual(Object.keys(sub), ['email']);
		const log = await disclosures(srv, s.id);
		assert.deepEqual(log.map((d) => d.outcome), ['queued', 'delivered']);
		for (const d of log) {
			assert.equal(d.legal_basis, 'court_decision');
			assert.equal(d.reference, reference);
		}
	});

	it('a consent revoked while a delivery waits for its retry: that person does not go out, the others do', async () => {
		const srv = ctx.srv;
		const people = [consenting(), consenting(), consenting(), consenting()];
		const ids = [];
		for (const p of people) ids.push((await srv.registerOk(p)).id);
		rec.failWith = 503;
		const before = rec.attempts;
		const t = assertJson(await srv.req('POST', '/v1/transfers', {
			as: 'operator', json: { recipient_id: partner.id, subject_ids: ids, fields: ['name'], legal_basis: 'consent' },
		}), 201);
		assert.deepEqual(t.refused, []);
		// two batches of up to 3 ([transfers] batch): both tried once and put off
		await poll(() => rec.attempts >= before + 2, { ms: 30_000, every: 50 });
		assertJson(await srv.req('POST', `/v1/subjects/${ids[0]}/consents`,
			{ as: 'app', json: { purpose: 'third_party_transfer', granted: false } }), 201);
		assertJson(await srv.req('POST', `/v1/subjects/${ids[3]}/consents`,
			{ as: 'app', json: { purpose: 'processing', granted: false } }), 201);
		const waiting = assertJson(await srv.req('GET', `/v1/transfers/${t.id}`, { as: 'auditor' }), 200);
		assert.equal(waiting.batches.length, 2);
		for (const b of waiting.batches) {
			assert.equal(b.status, 'queued');
			assert.ok(b.attempts >= 1);
			assert.equal(b.last_error, 'recipient http 503');
		}
		rec.failWith = 0;
		const done = await settled(srv, t.id);
		assert.equal(done.subjects.delivered, 2);
		assert.equal(done.subjects.refused, 2);
		const received = rec.deliveries.filter((d) => d.body.transfer_id === t.id).flatMap((d) => d.body.subjects)
			.map((s) => s.name).sort();
		assert.deepEqual(received, [people[1].name, people[2].name].map((n) => n.trim()).sort());
		assert.deepEqual((await disclosures(srv, ids[0])).map((d) => [d.outcome, d.reason]),
			[['queued', null], ['refused', 'no_consent']]);
		assert.deepEqual((await disclosures(srv, ids[3])).map((d) => [d.outcome, d.reason]),
			[['queued', null], ['refused', 'revoked']]);
		assert.deepEqual((await disclosures(srv, ids[1])).map((d) => d.outcome), ['queued', 'delivered']);
		// a retry of the same people keeps its key; a batch that lost someone got a new one
		const keys = rec.deliveries.filter((d) => d.body.transfer_id === t.id).map((d) => d.headers['idempotency-key']);
		assert.equal(new Set(keys).size, keys.length);
	});

	it('the fields, the recipient, the people and the roles are checked before anything is queued', async () => {
		const srv = ctx.srv;
		const s = await srv.registerOk(consenting());
		const base = { recipient_id: partner.id, subject_ids: [s.id], fields: ['name'], legal_basis: 'consent' };
		let r = await srv.req('POST', '/v1/transfers', { as: 'operator', json: { ...base, fields: ['phone', 'ip'] } });
		assertProblem(r, 422, 'validation', { fields: ['fields'] });
		r = await srv.req('POST', '/v1/transfers', { as: 'operator', json: { ...base, recipient_id: 'a'.repeat(32) } });
		assertProblem(r, 422, 'validation', { fields: ['recipient_id'] });
		r = await srv.req('POST', '/v1/transfers', { as: 'operator', json: { ...base, subject_ids: [s.id, s.id] } });
		assertProblem(r, 422, 'validation', { fields: ['subject_ids'] });
		r = await srv.req('POST', '/v1/transfers', { as: 'operator', json: { ...base, subject_ids: ['nope'] } });
		assertProblem(r, 422, 'validation', { fields: ['subject_ids'] });
		r = await srv.req('POST', '/v1/transfers', { as: 'operator', json: { ...base, subject_ids: [] } });
		assertProblem(r, 422, 'validation', { fields: ['subject_ids'] });
		// the fifth member, named by its position: an error never repeats what the client sent
		r = await srv.req('POST', '/v1/transfers', { as: 'operator', json: { ...base, extra: 1 } });
		assertProblem(r, 422, 'validation', { fields: ['#5'] });
		for (const as of ['admin', 'auditor']) {
			assertProblem(await srv.req('POST', '/v1/transfers', { as, json: base }), 403, 'forbidden');
		}
		assertProblem(await srv.req('GET', `/v1/transfers/${'0'.repeat(32)}`, { as: 'app' }), 404, 'not-found');
		assert.deepEqual(await disclosures(srv, s.id), [], 'nothing was logged for a transfer refused whole');
	});

	it('a change is a new version; a deactivated recipient receives nothing; history is kept', async () => {
		const srv = ctx.srv;
		const other = assertJson(await srv.req('POST', '/v1/recipients', {
			as: 'admin', json: recipientBody(rec, { name: 'Аналитика Плюс', fields_allowed: ['email'] }),
		}), 201);
		let r = await srv.req('PATCH', `/v1/recipients/${other.id}`, { as: 'admin', json: { fields_allowed: ['email', 'name'] } });
		const v2 = assertJson(r, 200);
		assert.equal(v2.version, 2);
		assert.deepEqual(v2.fields_allowed, ['name', 'email']);
		assertProblem(await srv.req('PATCH', `/v1/recipients/${other.id}`, { as: 'admin', json: {} }), 422, 'validation');
		assertProblem(await srv.req('PATCH', `/v1/recipients/${other.id}`, { as: 'operator', json: { name: 'x' } }), 403, 'forbidden');
		r = await srv.req('DELETE', `/v1/recipients/${other.id}`, { as: 'admin' });
		const v3 = assertJson(r, 200);
		assert.equal(v3.active, false);
		assert.equal(v3.version, 3);
		const s = await srv.registerOk(consenting());
		r = await srv.req('POST', '/v1/transfers', {
			as: 'operator', json: { recipient_id: other.id, subject_ids: [s.id], fields: ['email'], legal_basis: 'consent' },
		});
		assertProblem(r, 409, 'recipient-inactive');
		const one = assertJson(await srv.req('GET', `/v1/recipients/${other.id}`, { as: 'auditor' }), 200);
		assert.deepEqual(one.history.map((h) => [h.version, h.active, h.fields_allowed]),
			[[1, true, ['email']], [2, true, ['name', 'email']], [3, false, ['name', 'email']]]);
		const back = assertJson(await srv.req('PATCH', `/v1/recipients/${other.id}`, { as: 'admin', json: { active: true } }), 200);
		assert.equal(back.active, true);
		assert.equal(back.version, 4);
	});

	it('152-FZ Art. 12: abroad without adequate protection nothing goes during the 10 working days of review', async () => {
		const srv = ctx.srv;
		const today = moscowToday();
		const kz = assertJson(await srv.req('POST', '/v1/recipients', {
			as: 'admin',
			json: recipientBody(rec, {
				name: 'TOO Partner KZ', country: 'KZ', cross_border_notice_ref: 'RKN notification 12345',
				cross_border_notice_filed_on: today, adequate_protection: false,
			}),
		}), 201);
		assert.equal(kz.cross_border, true);
		assert.equal(kz.adequate_protection, false);
		assert.ok(kz.transfers_from > today, `transfers_from ${kz.transfers_from} after the filing day`);
		const s = await srv.registerOk(consenting());
		const r = await srv.req('POST', '/v1/transfers', {
			as: 'operator', json: { recipient_id: kz.id, subject_ids: [s.id], fields: ['email'], legal_basis: 'consent' },
		});
		const p = assertProblem(r, 409, 'cross-border-review');
		assert.equal(p.not_before, kz.transfers_from);
		assert.ok(p.detail.includes(kz.transfers_from), 'the refusal says when it may go');
		assert.deepEqual(await disclosures(srv, s.id), []);
		// a country with adequate protection: from the filing day
		const de = assertJson(await srv.req('POST', '/v1/recipients', {
			as: 'admin',
			json: recipientBody(rec, {
				name: 'Partner GmbH', country: 'DE', cross_border_notice_ref: 'RKN notification 12346',
				cross_border_notice_filed_on: today, adequate_protection: true,
			}),
		}), 201);
		assert.equal(de.transfers_from, today);
		const t = assertJson(await srv.req('POST', '/v1/transfers', {
			as: 'operator', json: { recipient_id: de.id, subject_ids: [s.id], fields: ['email'], legal_basis: 'consent' },
		}), 201);
		await settled(srv, t.id);
		const log = await disclosures(srv, s.id);
		assert.deepEqual(log.at(-1).recipient, { id: de.id, version: 1, name: 'Partner GmbH', country: 'DE', purpose: de.purpose, cross_border: true });
		// a notification filed in the future is refused
		const later = new Date(Date.now() + 40 * 86400_000).toISOString().slice(0, 10);
		assertProblem(await srv.req('PATCH', `/v1/recipients/${kz.id}`, { as: 'admin', json: { cross_border_notice_filed_on: later } }),
			422, 'validation', { fields: ['cross_border_notice_filed_on'] });
	});

	it('transfer_info answers with the transfers; the access export names each recipient with its country and purpose', async () => {
		const srv = ctx.srv;
		const p = consenting();
		const s = await srv.registerOk(p);
		const t = assertJson(await srv.req('POST', '/v1/transfers', {
			as: 'app', json: { recipient_id: partner.id, subject_ids: [s.id], fields: ['name', 'email'], legal_basis: 'consent' },
		}), 201);
		await settled(srv, t.id);
		const info = await carryOut(srv, s.id, 'transfer_info');
		assert.equal(info.result.transfers.length, 1);
		const e = info.result.transfers[0];
		assert.deepEqual({ ...e, at: undefined }, {
			transfer_id: t.id, recipient: partner.name, country: 'RU', purpose: partner.purpose, fields: ['name', 'email'],
			legal_basis: 'consent', status: 'delivered', at: undefined,
		});
		const q = await carryOut(srv, s.id, 'access');
		const x = assertJson(await srv.req('GET', `/v1/requests/${q.id}/export`, { as: 'operator' }), 200);
		const rcp = x.processing_information.recipients;
		assert.deepEqual(rcp.items, [{ id: partner.id, name: partner.name, country: 'RU', purpose: partner.purpose, cross_border: false }]);
		assert.match(rcp.en, /transferred/);
		assert.match(rcp.ru, /переданы/);
		assert.deepEqual(x.transfers.map((d) => d.outcome), ['queued', 'delivered']);
		const page = await srv.req('GET', `/v1/requests/${q.id}/export?format=html`, { as: 'operator' });
		assert.equal(page.status, 200);
		assert.ok(page.text.includes('Delivery of orders to customers'), 'the page names the purpose');
		assert.ok(page.text.includes('ООО «Доставка»') || page.text.includes('ООО &laquo;Доставка&raquo;'));
		// someone with no transfer is still told so honestly
		const none = await srv.registerOk(newPerson());
		const empty = await carryOut(srv, none.id, 'transfer_info');
		assert.deepEqual(empty.result, { transfers: [] });
	});

	it('a consent given on a text that is no longer current is refused as reconsent_required', async () => {
		const srv = ctx.srv;
		const s = await srv.registerOk(consenting());
		assertJson(await srv.req('POST', '/v1/consent-texts', {
			as: 'admin', json: { purpose: 'third_party_transfer', version: '2', language: 'ru', text: '# Согласие на передачу, версия 2' },
		}), 201);
		assertJson(await srv.req('POST', '/v1/consent-texts', {
			as: 'admin', json: { purpose: 'third_party_transfer', version: '2', language: 'en', text: '# Consent to transfer, version 2' },
		}), 201);
		const t = assertJson(await srv.req('POST', '/v1/transfers', {
			as: 'operator', json: { recipient_id: partner.id, subject_ids: [s.id], fields: ['email'], legal_basis: 'consent' },
		}), 201);
		assert.deepEqual(t.refused, [{ subject_id: s.id, reason: 'reconsent_required' }]);
		assert.equal(t.status, 'completed');
		assertJson(await srv.req('POST', `/v1/subjects/${s.id}/consents`, { as: 'app', json: grant('third_party_transfer', { text_version: '2' }) }), 201);
		const again = assertJson(await srv.req('POST', '/v1/transfers', {
			as: 'operator', json: { recipient_id: partner.id, subject_ids: [s.id], fields: ['email'], legal_basis: 'consent' },
		}), 201);
		assert.deepEqual(again.refused, []);
	});

	it('every transfer and recipient change is audited with ids and counts only; the chain verifies', async () => {
		const srv = ctx.srv;
		const entries = await auditEntries(srv);
		const actions = new Set(entries.map((e) => e.action));
		for (const a of ['recipient.create', 'recipient.update', 'recipient.deactivate', 'recipient.reactivate',
			'transfer.create', 'transfer.delivered']) {
			assert.ok(actions.has(a), `an audit entry ${a}`);
		}
		const created = entries.filter((e) => e.action === 'transfer.create');
		for (const e of created) {
			assert.equal(e.object_type, 'transfer');
			assert.match(e.detail.accepted_sha256, /^[0-9a-f]{64}$/);
			assert.ok(Number.isInteger(e.detail.requested));
		}
		assert.ok(!JSON.stringify(entries).includes('Решение'), 'no reference text in the audit log');
		await assertAuditOk(srv);
		assertCleanLog(srv);
		const m = await srv.req('GET', '/metrics');
		assert.match(m.text, /^privd_transfer_subjects_delivered_total \d+$/m);
		assert.match(m.text, /^privd_transfer_batches_retried_total [1-9]\d*$/m);
	});

	ctx.closingTest();
});

forEngines('transfers: the recipient\'s key', (engine) => {
	const ctx = withServer(engine);

	it('what was sealed to another key cannot be opened: a recipient whose key changed gets a sealed box it cannot read', async () => {
		const srv = ctx.srv;
		const keys = await recipientKeys();
		const rec = await startRecipient({ keys });
		try {
			const other = await recipientKeys();
			const r = assertJson(await srv.req('POST', '/v1/recipients', {
				as: 'admin', json: recipientBody(rec, { public_key: other.publicKey }),
			}), 201);
			const s = await srv.registerOk(consenting());
			const t = assertJson(await srv.req('POST', '/v1/transfers', {
				as: 'operator', json: { recipient_id: r.id, subject_ids: [s.id], fields: ['email'], legal_basis: 'consent' },
			}), 201);
			// the recipient refuses what it cannot open (400): a refusal for good
			const done = await poll(async () => {
				const x = assertJson(await srv.req('GET', `/v1/transfers/${t.id}`, { as: 'operator' }), 200);
				return x.status === 'completed' && x;
			}, { ms: 30_000 });
			assert.equal(done.subjects.failed, 1);
			assert.equal(done.batches[0].status, 'failed');
			assert.equal(done.batches[0].last_error, 'recipient http 400');
			assert.equal(rec.unopened, 1);
			const log = assertJson(await srv.req('GET', `/v1/subjects/${s.id}/transfers`, { as: 'auditor' }), 200);
			assert.deepEqual(log.items.map((d) => d.outcome), ['queued', 'failed']);
		} finally {
			await rec.close();
		}
	});

	ctx.closingTest();
});

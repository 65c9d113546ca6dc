// SPDX-License-Identifier: AGPL-3.0-or-later
// The list of every transfer (GET /v1/transfers), on SQLite and PostgreSQL: newest first, read a page at a time by
// its cursor with nothing lost or repeated, each filter (recipient, status, legal basis, the time filed) taking what
// it says, a bad value a 422 naming the parameter, an auditor reading it, and no person in it: counts only.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { assertJson, assertProblem, forEngines, newPerson, piiOf, withServer } from './lib/privd.mjs';
import { poll } from './lib/requests.mjs';
import { startRecipient } from './lib/recipient.mjs';

const SUMMARY_KEYS = ['actor', 'created_at', 'fields', 'id', 'legal_basis', 'recipient', 'reference', 'status',
	'subjects'];

function consenting() {
	return newPerson({ consents: { processing: true, third_party_transfer: true, cookies: [] } });
}

/** Every page of GET /v1/transfers?query, limit at a time: the items in order, and how many pages it took. */
async function allPages(srv, query, limit, as = 'operator') {
	const items = [];
	let after = 0;
	let pages = 0;
	for (;;) {
		const b = assertJson(await srv.req('GET', `/v1/transfers?${query}${query ? '&' : ''}limit=${limit}&after=${after}`, { as }), 200);
		assert.deepEqual(Object.keys(b).sort(), ['items', 'next_after']);
		items.push(...b.items);
		pages += 1;
		assert.ok(pages < 50, 'the pages end');
		if (b.next_after === null) break;
		assert.equal(b.items.length, limit, 'only a full page has a next one');
		after = b.next_after;
	}
	return { items, pages };
}

const ids = (items) => items.map((x) => x.id);

forEngines('the list of transfers', (engine) => {
	// deliveries that fail wait an hour for their retry: a transfer to the failing recipient stays queued
	const ctx = withServer(engine, { serve: { env: { PRIVD_NOTIFY_RETRY_SECONDS: '3600' } } });
	let good, bad, toGood, toBad, people, pids, filed;

	before(async () => {
		good = await startRecipient();
		bad = await startRecipient({ failWith: 503 });
		const srv = ctx.srv;
		const body = (rec, name) => ({ name, purpose: 'Delivery of orders', country: 'RU', endpoint: rec.url,
			public_key: rec.publicKey, confidentiality_ref: 'NDA-2026/17', fields_allowed: ['name', 'email', 'phone'] });
		toGood = assertJson(await srv.req('POST', '/v1/recipients', { as: 'admin', json: body(good, 'ООО «Доставка»') }), 201);
		toBad = assertJson(await srv.req('POST', '/v1/recipients', { as: 'admin', json: body(bad, 'ООО «Склад»') }), 201);
		people = [consenting(), consenting(), consenting()];
		pids = [];
		for (const p of people) pids.push((await srv.registerOk(p)).id);
		// oldest first: 4 under consent and 1 by law to the good recipient, then 1 by court decision to the bad one
		const file = async (recipient, json) => assertJson(await srv.req('POST', '/v1/transfers', { as: 'operator',
			json: { recipient_id: recipient.id, subject_ids: pids, fields: ['name', 'email'], ...json } }), 201);
		filed = [];
		for (let i = 0; i < 4; i++) filed.push(await file(toGood, { legal_basis: 'consent' }));
		filed.push(await file(toGood, { legal_basis: 'law', reference: '152-FZ Art. 6 p.1(2)' }));
		filed.push(await file(toBad, { legal_basis: 'court_decision', reference: 'Case A40-1/2026' }));
		filed.reverse(); // newest first, as the list is
		for (const t of filed.slice(1)) {
			const done = await poll(async () => assertJson(await srv.req('GET', `/v1/transfers/${t.id}`, { as: 'auditor' }), 200)
				.status === 'completed', { ms: 60_000 });
			assert.ok(done, 'each transfer to the good recipient completes');
		}
	});
	after(async () => {
		await good?.close();
		await bad?.close();
	});

	it('newest first, page by page by its cursor: every transfer once; each as GET /v1/transfers/{id} without batches', async () => {
		const srv = ctx.srv;
		const { items, pages } = await allPages(srv, '', 2);
		assert.deepEqual(ids(items), ids(filed), 'every transfer once, newest first');
		assert.equal(pages, 4, '6 transfers at 2 a page: 3 full pages, then an empty last one');
		for (let i = 1; i < items.length; i++) assert.ok(items[i - 1].created_at > items[i].created_at, 'each its own created_at');
		for (const x of items) {
			assert.deepEqual(Object.keys(x).sort(), SUMMARY_KEYS, 'no batches, no refusals, no person');
			const one = assertJson(await srv.req('GET', `/v1/transfers/${x.id}`, { as: 'operator' }), 200);
			delete one.batches;
			assert.deepEqual(x, one, 'the same summary as the transfer itself');
		}
		const last = items.at(-1);
		assert.deepEqual(last.subjects, { requested: 3, accepted: 3, refused: 0, delivered: 3, failed: 0, pending: 0 });
		assert.equal(items[0].status, 'queued');
		assert.equal(items[0].subjects.pending, 3);
		assert.equal(items[0].recipient.name, 'ООО «Склад»');
		const whole = assertJson(await srv.req('GET', '/v1/transfers', { as: 'operator' }), 200);
		assert.equal(whole.next_after, null, 'the default page (100) holds them all');
		assert.deepEqual(ids(whole.items), ids(filed));
	});

	it('filters: recipient, status, legal basis, since and until, alone and together', async () => {
		const srv = ctx.srv;
		const list = async (q) => ids((await allPages(srv, q, 3)).items);
		assert.deepEqual(await list(`recipient_id=${toGood.id}`), ids(filed.slice(1)));
		assert.deepEqual(await list(`recipient_id=${toBad.id}`), [filed[0].id]);
		assert.deepEqual(await list(`recipient_id=${'e'.repeat(32)}`), [], 'an unknown recipient: nothing');
		assert.deepEqual(await list('status=queued'), [filed[0].id]);
		assert.deepEqual(await list('status=completed'), ids(filed.slice(1)));
		assert.deepEqual(await list('legal_basis=consent'), ids(filed.slice(2)));
		assert.deepEqual(await list('legal_basis=law'), [filed[1].id]);
		assert.deepEqual(await list('legal_basis=court_decision'), [filed[0].id]);
		assert.deepEqual(await list('legal_basis=protection_of_rights'), []);
		const at = (x) => encodeURIComponent(x.created_at);
		// filed[3] is the third oldest: since takes it and the newer ones, until the older ones
		assert.deepEqual(await list(`since=${at(filed[3])}`), ids(filed.slice(0, 4)));
		assert.deepEqual(await list(`until=${at(filed[3])}`), ids(filed.slice(4)));
		assert.deepEqual(await list(`since=${at(filed[4])}&until=${at(filed[1])}`), ids(filed.slice(2, 5)));
		assert.deepEqual(await list(`since=${encodeURIComponent('2000-01-01T03:00:00+03:00')}`), ids(filed), 'an offset is taken');
		assert.deepEqual(await list(`until=${encodeURIComponent('2000-01-01T00:00:00Z')}`), []);
		assert.deepEqual(await list(`recipient_id=${toGood.id}&legal_basis=consent&status=completed&since=${at(filed[4])}`),
			ids(filed.slice(2, 5)));
		assert.deepEqual(await list(`recipient_id=${toBad.id}&status=completed`), []);
	});

	it('a bad filter, limit or cursor is a 422 problem naming the parameter, and nothing else', async () => {
		const srv = ctx.srv;
		const bad = [['recipient_id', 'not-an-id'], ['recipient_id', 'A'.repeat(32)], ['status', 'pending'],
			['status', 'QUEUED'], ['legal_basis', 'contract'], ['since', 'yesterday'], ['since', '2026-11-30'],
			['until', '2026-13-01T00:00:00Z'], ['limit', '0'], ['limit', '1001'], ['after', '-1'], ['after', 'x']];
		for (const [name, value] of bad) {
			const r = await srv.req('GET', `/v1/transfers?${name}=${encodeURIComponent(value)}`, { as: 'operator' });
			const p = assertProblem(r, 422, 'validation', { fields: [name], path: '/v1/transfers' });
			assert.deepEqual(p.errors.map((e) => e.field), [name], `${name}=${value}: only ${name} named`);
			if (value.length >= 6) assert.ok(!r.text.includes(value), 'the value sent does not come back');
		}
		const r = await srv.req('GET', '/v1/transfers?since=2026-11-30T00:00:00Z&until=2026-11-29T00:00:00Z', { as: 'operator' });
		assertProblem(r, 422, 'validation', { fields: ['until'] });
		const two = await srv.req('GET', '/v1/transfers?status=x&legal_basis=y', { as: 'operator' });
		assert.deepEqual(assertProblem(two, 422, 'validation').errors.map((e) => e.field).sort(), ['legal_basis', 'status']);
	});

	it('an auditor, an app and an admin read it; a portal session and no key do not; no person is in it', async () => {
		const srv = ctx.srv;
		const texts = [];
		for (const as of ['auditor', 'app', 'admin', 'operator']) {
			const r = await srv.req('GET', '/v1/transfers?limit=1000', { as });
			assert.deepEqual(ids(assertJson(r, 200).items), ids(filed), `${as} reads the list`);
			texts.push(r.text);
		}
		assert.equal((await srv.req('GET', '/v1/transfers')).status, 401);
		const text = texts.join('\n');
		for (const p of people) {
			for (const v of piiOf(p)) assert.ok(!text.includes(v), 'no personal data in the list');
		}
		for (const id of pids) assert.ok(!text.includes(id), 'no person\'s id in the list');
	});

	ctx.closingTest();
});

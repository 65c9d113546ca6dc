// SPDX-License-Identifier: AGPL-3.0-or-later
// The person's portal reads whom their data went to, on SQLite and PostgreSQL: a portal session gets its own
// person's disclosure log (GET /v1/subjects/{id}/transfers) with the recipient, purpose, data and outcome of each
// entry, and another person's log answers 404, as every other id does; the transfer itself stays out of reach (403).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { assertJson, assertProblem, forEngines, newPerson, removeInstance, startPrivd } from './lib/privd.mjs';
import { asPortal, portalSession } from './lib/portal.mjs';
import { startRecipient } from './lib/recipient.mjs';
import { poll } from './lib/requests.mjs';

forEngines('the portal reads its own disclosure log', (engine) => {
	let srv;
	let rec;
	let me;
	let other;
	let transfer;

	before(async () => {
		srv = await startPrivd(engine);
		await srv.createRoleKeys();
		rec = await startRecipient();
		const consent = { consents: { processing: true, third_party_transfer: true, cookies: [] } };
		me = await srv.registerOk(newPerson(consent));
		other = await srv.registerOk(newPerson(consent));
		const r = assertJson(await srv.req('POST', '/v1/recipients', { as: 'admin', json: { name: 'ООО «Доставка»',
			purpose: 'Доставка заказов', country: 'RU', endpoint: rec.url, public_key: rec.publicKey,
			confidentiality_ref: 'NDA-1', fields_allowed: ['name', 'phone'] } }), 201);
		transfer = assertJson(await srv.req('POST', '/v1/transfers', { as: 'operator', json: { recipient_id: r.id,
			subject_ids: [me.id, other.id], fields: ['name', 'phone'], legal_basis: 'consent' } }), 201);
		await poll(async () => assertJson(await srv.req('GET', `/v1/transfers/${transfer.id}`, { as: 'auditor' }), 200).status === 'completed',
			{ ms: 30_000 });
	});

	after(async () => {
		if (srv) {
			await srv.stop();
			await removeInstance(srv.inst);
		}
		await rec?.close();
	});

	it('a session reads its own log; another person\'s is 404 and the transfer 403', async () => {
		const cookie = await portalSession(srv, me.id);
		const r = await asPortal(srv, cookie, 'GET', `/v1/subjects/${me.id}/transfers`);
		assert.equal(r.status, 200, r.text);
		assert.deepEqual(r.json.items.map((d) => d.outcome), ['queued', 'delivered']);
		for (const d of r.json.items) {
			assert.equal(d.transfer_id, transfer.id);
			assert.equal(d.recipient.name, 'ООО «Доставка»');
			assert.deepEqual(d.fields, ['name', 'phone']);
		}
		assertProblem(await asPortal(srv, cookie, 'GET', `/v1/subjects/${other.id}/transfers`), 404, 'not-found');
		assertProblem(await asPortal(srv, cookie, 'GET', `/v1/transfers/${transfer.id}`), 403, 'forbidden');
	});
});

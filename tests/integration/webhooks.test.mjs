// SPDX-License-Identifier: AGPL-3.0-or-later
// Webhooks, on SQLite and PostgreSQL, against a receiver on loopback that checks every signature with the recipe of
// docs/api.md: an admin subscribes a URL (https://, or http:// to loopback with [webhooks] allow_http) to event
// types and gets the secret once; a request filed and completed, an incident created and a transfer sent each reach
// the receiver, signed in the Standard Webhooks format, with ids and types only; a receiver answering 500 gets the
// same webhook-id again until it takes it; a receiver refusing for good shows in the failed deliveries; a deleted
// subscription hears nothing more.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
	assertJson, assertProblem, corePii, forEngines, ID_RE, newPerson, TIME_RE, withServer,
} from './lib/privd.mjs';
import { carryOut, fileRequest, poll } from './lib/requests.mjs';
import { startRecipient } from './lib/recipient.mjs';
import { startReceiver, verifyWebhook } from './lib/webhook.mjs';

const EVENTS = ['request.filed', 'request.completed', 'incident.created', 'transfer.sent'];
const WAIT = { ms: 30_000 };

forEngines('webhooks', (engine) => {
	const ctx = withServer(engine, {
		serve: { env: { PRIVD_WEBHOOKS_ALLOW_HTTP: 'true', PRIVD_NOTIFY_RETRY_SECONDS: '1' } },
	});
	let rx;
	let hook;
	const people = [];

	before(async () => { rx = await startReceiver(); });
	after(async () => { await rx?.close(); });

	/** The accepted deliveries of event about id, once there are n of them (each signature checked). */
	async function delivered(event, id, n = 1) {
		const got = await poll(() => {
			const m = rx.accepted.filter((r) => {
				const b = JSON.parse(r.body);
				return b.type === event && b.data.id === id;
			});
			return m.length >= n && m;
		}, WAIT);
		assert.ok(got, `${event} for ${id} reached the receiver`);
		for (const r of got) {
			assert.ok(verifyWebhook(hook.secret, r.headers, r.body), 'the signature verifies with the recipe');
			assert.equal(r.headers['content-type'], 'application/json');
			const b = JSON.parse(r.body);
			assert.deepEqual(Object.keys(b).sort(), ['data', 'timestamp', 'type']);
			assert.deepEqual(Object.keys(b.data).sort(), ['id', 'object']);
			assert.match(b.timestamp, TIME_RE);
			for (const p of people) for (const v of corePii(p)) assert.ok(!r.body.includes(v), 'no personal data');
		}
		return got;
	}

	describe('subscriptions', () => {
		it('bad URLs and event types are 422 naming the field; only an admin subscribes', async () => {
			const srv = ctx.srv;
			let r = await srv.req('POST', '/v1/webhooks', { as: 'admin', json: { url: 'http://example.org/in', events: EVENTS } });
			assertProblem(r, 422, 'validation', { fields: ['url'] });
			r = await srv.req('POST', '/v1/webhooks', { as: 'admin', json: { url: rx.url, events: ['request.read'] } });
			assertProblem(r, 422, 'validation', { fields: ['events[0]'] });
			r = await srv.req('POST', '/v1/webhooks', { as: 'admin', json: { url: rx.url, events: [] } });
			assertProblem(r, 422, 'validation', { fields: ['events'] });
			for (const as of ['operator', 'app', 'auditor']) {
				assertProblem(await srv.req('POST', '/v1/webhooks', { as, json: { url: rx.url, events: EVENTS } }), 403, 'forbidden');
			}
		});

		it('POST /v1/webhooks answers 201 with the secret once; the list shows no secret', async () => {
			const srv = ctx.srv;
			const r = await srv.req('POST', '/v1/webhooks', { as: 'admin', json: { url: rx.url, events: EVENTS } });
			hook = assertJson(r, 201);
			assert.match(hook.id, ID_RE);
			assert.equal(r.headers.get('location'), `/v1/webhooks/${hook.id}`);
			assert.match(hook.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
			assert.deepEqual(hook.events, EVENTS);
			for (const as of ['admin', 'operator', 'auditor']) {
				const list = assertJson(await srv.req('GET', '/v1/webhooks', { as }), 200);
				const mine = list.items.find((w) => w.id === hook.id);
				assert.ok(mine, 'listed');
				assert.equal(mine.url, rx.url);
				assert.equal('secret' in mine, false, 'the secret is shown once only');
			}
		});
	});

	describe('events', () => {
		it('a request filed and completed: request.filed and request.completed, signed', async () => {
			const srv = ctx.srv;
			const p = newPerson();
			people.push(p);
			const s = await srv.registerOk(p);
			const q = await carryOut(srv, s.id, 'access');
			const [filed] = await delivered('request.filed', q.id);
			await delivered('request.completed', q.id);
			assert.equal(JSON.parse(filed.body).data.object, 'request');
		});

		it('an incident created: incident.created', async () => {
			const srv = ctx.srv;
			const p = newPerson();
			people.push(p);
			const s = await srv.registerOk(p);
			const inc = assertJson(await srv.req('POST', '/v1/incidents', {
				as: 'operator',
				json: {
					detected_at: new Date(Date.now() - 3_600_000).toISOString(),
					description: 'Тестовый инцидент', data_categories: ['email'], scope: { subject_ids: [s.id] },
				},
			}), 201);
			await delivered('incident.created', inc.id);
		});

		it('a transfer sent: transfer.sent', async () => {
			const srv = ctx.srv;
			const rec = await startRecipient();
			try {
				const partner = assertJson(await srv.req('POST', '/v1/recipients', {
					as: 'admin',
					json: {
						name: 'ООО «Доставка»', purpose: 'Delivery of orders', country: 'RU', endpoint: rec.url,
						public_key: rec.publicKey, confidentiality_ref: 'NDA-1', fields_allowed: ['email'],
					},
				}), 201);
				const p = newPerson({ consents: { processing: true, third_party_transfer: true, cookies: [] } });
				people.push(p);
				const s = await srv.registerOk(p);
				const t = assertJson(await srv.req('POST', '/v1/transfers', {
					as: 'operator',
					json: { recipient_id: partner.id, subject_ids: [s.id], fields: ['email'], legal_basis: 'consent' },
				}), 201);
				await delivered('transfer.sent', t.id);
			} finally {
				await rec.close();
			}
		});

		it('a receiver answering 500 gets the same webhook-id again until it takes it', async () => {
			const srv = ctx.srv;
			const s = await srv.registerOk(newPerson());
			rx.failNext = 2;
			const q = await fileRequest(srv, s.id, 'access');
			const [ok] = await delivered('request.filed', q.id);
			const tries = rx.requests.filter((r) => r.headers['webhook-id'] === ok.headers['webhook-id']);
			assert.deepEqual(tries.map((r) => r.status), [500, 500, 204], 'two refusals, then taken');
			for (const r of tries) assert.ok(verifyWebhook(hook.secret, r.headers, r.body), 'each attempt is signed');
			// privd records the outcome once the receiver's answer is in, a moment after the receiver has the event
			const d = await poll(async () => {
				const log = assertJson(await ctx.srv.req('GET', `/v1/webhooks/${hook.id}/deliveries`, { as: 'operator' }), 200);
				const x = log.items.find((i) => i.id === ok.headers['webhook-id']);
				return x && x.status !== 'queued' && x;
			}, WAIT);
			assert.ok(d, 'the delivery is in the log, its outcome recorded');
			assert.equal(d.status, 'sent');
			assert.equal(d.attempts, 3);
			assert.equal(d.event, 'request.filed');
			assert.equal(d.object_id, q.id);
		});
	});

	describe('failures and deletion', () => {
		it('a receiver refusing for good: the delivery fails and shows in ?status=failed', async () => {
			const srv = ctx.srv;
			const bad = await startReceiver();
			bad.failNext = Infinity;
			bad.failStatus = 410;
			try {
				const h = assertJson(await srv.req('POST', '/v1/webhooks', {
					as: 'admin', json: { url: bad.url, events: ['request.filed'] },
				}), 201);
				const s = await srv.registerOk(newPerson());
				const q = await fileRequest(srv, s.id, 'access');
				const failed = await poll(async () => {
					const b = assertJson(await srv.req('GET', `/v1/webhooks/${h.id}/deliveries?status=failed`, { as: 'operator' }), 200);
					return b.items.find((d) => d.object_id === q.id);
				}, WAIT);
				assert.ok(failed, 'the failed delivery is listed');
				assert.equal(failed.status, 'failed');
				assert.match(failed.last_error, /410/);
				assert.equal(bad.requests.length, 1, 'a 410 is not tried again');
				assert.equal((await srv.req('DELETE', `/v1/webhooks/${h.id}`, { as: 'admin' })).status, 204);
			} finally {
				await bad.close();
			}
		});

		it('DELETE /v1/webhooks/{id}: 204, gone from the list, nothing more sent to it', async () => {
			const srv = ctx.srv;
			assertProblem(await srv.req('DELETE', `/v1/webhooks/${hook.id}`, { as: 'operator' }), 403, 'forbidden');
			const r = await srv.req('DELETE', `/v1/webhooks/${hook.id}`, { as: 'admin' });
			assert.equal(r.status, 204);
			assertProblem(await srv.req('DELETE', `/v1/webhooks/${hook.id}`, { as: 'admin' }), 404, 'not-found');
			const list = assertJson(await srv.req('GET', '/v1/webhooks', { as: 'admin' }), 200);
			assert.equal(list.items.some((w) => w.id === hook.id), false);
			const before = rx.requests.length;
			const s = await srv.registerOk(newPerson());
			await fileRequest(srv, s.id, 'access');
			await new Promise((res) => setTimeout(res, 2000));
			assert.equal(rx.requests.length, before, 'nothing reaches a deleted subscription');
		});

		ctx.closingTest();
	});
});

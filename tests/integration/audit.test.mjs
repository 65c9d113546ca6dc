// SPDX-License-Identifier: AGPL-3.0-or-later
// The audit log over HTTP: paging, the hash chain, verify, an entry for every read of personal data, and no
// personal data in any entry.
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import {
	assertJson, assertProblem, forEngines, ID_RE, newPerson, piiOf, TIME_RE, withServer,
} from './lib/privd.mjs';

const ACTIONS = ['apikey.create', 'apikey.revoke', 'policy.publish', 'subject.create', 'subject.read', 'subject.update',
	'subject.find', 'consent.record', 'consent.read'];

async function allEntries(srv, limit = 7, as = 'auditor') {
	const out = [];
	let after = 0;
	for (let page = 0; page < 10_000; page++) {
		const b = assertJson(await srv.req('GET', `/v1/audit?after=${after}&limit=${limit}`, { as }), 200);
		assert.ok(Array.isArray(b.items));
		assert.ok(b.items.length <= limit, `a page holds at most limit (${limit}) entries`);
		out.push(...b.items);
		if (b.next_after === null) return out;
		assert.equal(b.next_after, b.items[b.items.length - 1].seq, 'next_after is the last seq returned');
		after = b.next_after;
	}
	throw new Error('audit paging did not end');
}

forEngines('audit', (engine) => {
	const ctx = withServer(engine);
	const people = [];
	const subjects = [];

	before(async () => {
		const srv = ctx.srv;
		for (let i = 0; i < 3; i++) {
			const p = newPerson({ ip: `2001:db8:${(0xa000 + i * 17).toString(16)}::${(0x1000 + i).toString(16)}` });
			people.push(p);
			const s = await srv.registerOk(p);
			subjects.push(s);
			await srv.req('GET', `/v1/subjects/${s.id}`, { as: 'app' });
			await srv.req('GET', `/v1/subjects?email=${encodeURIComponent(p.email)}`, { as: 'app' });
			await srv.req('GET', `/v1/subjects?phone=${encodeURIComponent(p.phone)}`, { as: 'operator' });
			const q = newPerson();
			srv.pii.push(...piiOf(q));
			people.push(q);
			assert.equal((await srv.req('PATCH', `/v1/subjects/${s.id}`, {
				as: 'app', json: { name: q.name, email: q.email, phone: q.phone, birth_date: q.birth_date, ip: q.ip },
			})).status, 200);
			assert.equal((await srv.req('POST', `/v1/subjects/${s.id}/consents`, {
				as: 'app', json: { purpose: 'cookies.analytics', granted: true, ip: '198.51.100.77', source: 'banner' },
			})).status, 201);
			await srv.req('GET', `/v1/subjects/${s.id}/consents`, { as: 'app' });
		}
		const k = await srv.req('POST', '/v1/api-keys', { as: 'admin', json: { name: 'to revoke', role: 'app' } });
		assert.equal((await srv.req('DELETE', `/v1/api-keys/${k.json.id}`, { as: 'admin' })).status, 204);
		assert.equal((await srv.req('POST', '/v1/policies', { as: 'admin', json: { version: '1.1', text: '# v1.1\n\ntext' } })).status, 201);
	});

	it('GET /v1/audit pages through every entry with after/limit; entries chain by hash', async () => {
		const entries = await allEntries(ctx.srv, 7);
		assert.ok(entries.length >= 25, `entries recorded (${entries.length})`);
		entries.forEach((e, i) => {
			for (const k of ['seq', 'ts', 'actor', 'action', 'object_type', 'object_id', 'detail', 'prev_hash', 'hash']) {
				assert.ok(k in e, `entry has ${k}: ${JSON.stringify(e)}`);
			}
			assert.equal(e.seq, i + 1, 'seqs run 1, 2, 3, ... without gaps');
			assert.match(e.ts, TIME_RE);
			assert.equal(typeof e.detail, 'object');
			assert.match(e.hash, /^[0-9a-f]{64}$/);
			if (i > 0) assert.equal(e.prev_hash, entries[i - 1].hash, `entry ${e.seq} links to the previous`);
		});
		const again = await allEntries(ctx.srv, 1000, 'admin');
		assert.deepEqual(again.slice(0, entries.length), entries, 'the same entries whatever the page size');
		const actions = new Set(entries.map((e) => e.action));
		for (const a of ACTIONS) assert.ok(actions.has(a), `an ${a} entry was recorded`);
		for (const a of actions) assert.ok(ACTIONS.includes(a) || /^[a-z_]+\.[a-z_]+$/.test(a), `action ${a}`);
	});

	it('after skips entries; the default limit is 100', async () => {
		const b = assertJson(await ctx.srv.req('GET', '/v1/audit?after=3&limit=2', { as: 'auditor' }), 200);
		assert.deepEqual(b.items.map((e) => e.seq), [4, 5]);
		assert.equal(b.next_after, 5);
		const d = assertJson(await ctx.srv.req('GET', '/v1/audit', { as: 'auditor' }), 200);
		assert.equal(d.items[0].seq, 1);
		assert.ok(d.items.length <= 100);
		const end = assertJson(await ctx.srv.req('GET', '/v1/audit?after=999999', { as: 'auditor' }), 200);
		assert.deepEqual(end.items, []);
		assert.equal(end.next_after, null);
	});

	it('limit outside 1..1000 or a non-numeric after is 422', async () => {
		for (const q of ['limit=0', 'limit=1001', 'limit=abc', 'after=-1', 'after=x']) {
			assertProblem(await ctx.srv.req('GET', `/v1/audit?${q}`, { as: 'auditor' }), 422, 'validation');
		}
	});

	it('GET /v1/audit/verify: {ok:true, entries, head}', async () => {
		const entries = await allEntries(ctx.srv, 1000);
		const v = assertJson(await ctx.srv.req('GET', '/v1/audit/verify', { as: 'auditor' }), 200);
		assert.equal(v.ok, true);
		assert.ok(v.entries >= entries.length, 'entries counts every entry');
		const last = assertJson(await ctx.srv.req('GET', `/v1/audit?after=${v.entries - 1}&limit=1`, { as: 'auditor' }), 200);
		assert.equal(v.head, last.items[0].hash, 'head is the hash of the last entry');
		assert.ok(!('first_bad' in v) || v.first_bad === null);
	});

	it('every read of a subject is an audit entry naming the subject', async () => {
		const srv = ctx.srv;
		const s = subjects[0];
		const count = async () => (await allEntries(srv, 1000))
			.filter((e) => e.action === 'subject.read' && e.object_id === s.id).length;
		const n0 = await count();
		assert.ok(n0 >= 1, 'the read in before() was audited');
		for (const as of ['app', 'operator', 'admin', 'app', 'app']) {
			assert.equal((await srv.req('GET', `/v1/subjects/${s.id}`, { as })).status, 200);
		}
		assert.equal(await count(), n0 + 5, 'five reads, five entries');
		const e = (await allEntries(srv, 1000)).filter((x) => x.action === 'subject.read' && x.object_id === s.id).pop();
		assert.equal(e.object_type, 'subject');
		assert.match(e.object_id, ID_RE);
		assert.ok(e.actor, 'the entry names an actor');
	});

	it('audit entries hold no personal data and no API keys', async () => {
		const text = JSON.stringify(await allEntries(ctx.srv, 1000));
		for (const p of people) {
			for (const s of piiOf(p)) assert.ok(!text.includes(s), `the audit log contains ${JSON.stringify(s)}`);
		}
		assert.ok(!text.includes('198.51.100.77'), 'the audit log contains a consent\'s IP address');
		for (const k of Object.values(ctx.srv.keys)) assert.ok(!text.includes(k), 'the audit log contains an API key');
	});

	ctx.closingTest();
});

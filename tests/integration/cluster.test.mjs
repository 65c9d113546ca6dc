// SPDX-License-Identifier: AGPL-3.0-or-later
// Two privd processes on one PostgreSQL database (as behind a load balancer): a change made through one is
// answered by the other within one second, even where the other had the old answer cached.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
	assertCleanLog, assertJson, engines, newPerson, privd, sleep, withTwoNodes,
} from './lib/privd.mjs';

const WINDOW_MS = 1000;

/** Polls fn until it returns true; resolves to the milliseconds it took, or fails after WINDOW_MS. */
async function within(fn, what) {
	const t0 = performance.now();
	for (;;) {
		if (await fn()) return performance.now() - t0;
		const dt = performance.now() - t0;
		assert.ok(dt <= WINDOW_MS, `${what}: not seen within ${WINDOW_MS} ms`);
		await sleep(20);
	}
}

describe('two processes on one PostgreSQL database', { skip: !engines().includes('postgres') && 'no PostgreSQL server' }, () => {
	const nodes = withTwoNodes();
	let instA;
	let a;
	let b;
	let appKey;

	before(() => {
		({ instA, a, b } = nodes);
	});

	it('a key created on A works on B at once', async () => {
		const r = assertJson(await a.req('POST', '/v1/api-keys', { key: instA.adminKey, json: { name: 'node app', role: 'app' } }), 201);
		appKey = r.key;
		a.keys.app = appKey;
		b.keys.app = appKey;
		assert.equal((await b.req('GET', '/v1/subjects?email=x%40example.org', { key: appKey })).status, 200);
	});

	it('registered on A, granted on B; revoked on A, B answers not granted within 1 s', async () => {
		const p = newPerson();
		const s = await a.registerOk(p);
		b.pii.push(...a.pii);
		const check = async (node, purpose) =>
			assertJson(await node.req('GET', `/v1/subjects/${s.id}/consents/${purpose}`, { key: appKey }), 200).granted;
		for (let i = 0; i < 5; i++) assert.equal(await check(b, 'processing'), true, 'B sees the registration');
		assert.equal((await b.req('GET', `/v1/subjects/${s.id}`, { key: appKey })).json.name, p.name);

		const rev = await a.req('POST', `/v1/subjects/${s.id}/consents`, { key: appKey, json: { purpose: 'processing', granted: false } });
		assert.equal(rev.status, 201, rev.text);
		const ms = await within(async () => (await check(b, 'processing')) === false, 'the revocation on B');
		assert.ok(ms <= WINDOW_MS);
		const batch = assertJson(await b.req('POST', '/v1/consent-checks', {
			key: appKey, json: { checks: [{ subject_id: s.id, purpose: 'processing' }] },
		}), 200);
		assert.equal(batch.results[0].granted, false, 'the batch check on B agrees');

		// The other way round, for a grant A had answered false (and may have cached): processing given again.
		for (let i = 0; i < 5; i++) assert.equal(await check(a, 'processing'), false);
		const g = await b.req('POST', `/v1/subjects/${s.id}/consents`, {
			key: appKey, json: { purpose: 'processing', granted: true, ip: '198.51.100.3', text_version: '1' },
		});
		assert.equal(g.status, 201, g.text);
		await within(async () => (await check(a, 'processing')) === true, 'the grant on A');
	});

	it('consent changes on A: A answers them at once, B within 1 s, both having the old answer cached', async () => {
		// A hears its own writes only when they commit, not again from the database: what it answers right after a
		// 201 is the change. B hears A's writes through the database.
		const s = await a.registerOk(newPerson());
		b.pii.push(...a.pii);
		const check = async (node, purpose) =>
			assertJson(await node.req('GET', `/v1/subjects/${s.id}/consents/${purpose}`, { key: appKey }), 200).granted;
		for (let round = 0; round < 3; round++) {
			for (const purpose of ['cookies.analytics', 'cookies.marketing']) {
				const before = await check(a, purpose);
				assert.equal(await check(b, purpose), before, 'B agrees before the change');
				const r = await a.req('POST', `/v1/subjects/${s.id}/consents`, {
					key: appKey, json: { purpose, granted: !before, ip: '198.51.100.7' },
				});
				assert.equal(r.status, 201, r.text);
				for (let i = 0; i < 5; i++) assert.equal(await check(a, purpose), !before, `A answers the change to ${purpose}`);
				await within(async () => (await check(b, purpose)) === !before, `the change to ${purpose} on B`);
				await sleep(50); // a notification of A's own arriving late would still find A right
				assert.equal(await check(a, purpose), !before, `A still answers the change to ${purpose}`);
			}
		}
		// and the other way round, B's change reaching A
		const pref = await check(a, 'cookies.preferences');
		const g = await b.req('POST', `/v1/subjects/${s.id}/consents`, {
			key: appKey, json: { purpose: 'cookies.preferences', granted: !pref, ip: '198.51.100.8' },
		});
		assert.equal(g.status, 201, g.text);
		await within(async () => (await check(a, 'cookies.preferences')) === !pref, 'B\'s change on A');
	});

	it('a key revoked on A stops working on B within 1 s', async () => {
		const k = assertJson(await a.req('POST', '/v1/api-keys', { key: instA.adminKey, json: { name: 'short-lived', role: 'app' } }), 201);
		for (let i = 0; i < 3; i++) assert.equal((await b.req('GET', '/v1/subjects?email=y%40example.org', { key: k.key })).status, 200);
		assert.equal((await a.req('DELETE', `/v1/api-keys/${k.id}`, { key: instA.adminKey })).status, 204);
		await within(async () => (await b.req('GET', '/v1/subjects?email=y%40example.org', { key: k.key })).status === 401,
			'the key revocation on B');
	});

	it('a policy published on A is current on B', async () => {
		assert.equal((await a.req('POST', '/v1/policies', { key: instA.adminKey, json: { version: 'node-2', text: '# v\n\nx' } })).status, 201);
		await within(async () => (await b.req('GET', '/v1/policies/current')).json?.version === 'node-2', 'the new policy on B');
	});

	it('registrations on both nodes at once: every one answered 201, one audit chain that verifies', async () => {
		// Both writers append to one chain: each group takes the chain's lock and reads its head, so the entries
		// of the two nodes interleave without a fork or a gap.
		for (let wave = 0; wave < 4; wave++) {
			const people = Array.from({ length: 48 }, () => newPerson({ policy_version: 'node-2' }));
			const answers = await Promise.all(people.map((p, i) => (i % 2 ? b : a).register(p)));
			for (const r of answers) assert.equal(r.status, 201, r.text);
		}
		for (const inst of [instA, nodes.instB]) {
			const v = await privd(['audit', 'verify', '--data-dir', inst.dataDir, '--database', inst.dbUrl]);
			assert.equal(v.code, 0, `privd audit verify: ${v.stdout}${v.stderr}`);
		}
	});

	it('both nodes exit 0 on SIGTERM; their logs hold no personal data', async () => {
		for (const s of [a, b]) {
			const e = await s.stop();
			assert.deepEqual({ code: e.code, signal: e.signal }, { code: 0, signal: null });
		}
		b.pii.push(...a.pii);
		assertCleanLog(a);
		assertCleanLog(b);
	});
});

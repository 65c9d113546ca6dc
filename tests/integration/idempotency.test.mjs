// SPDX-License-Identifier: AGPL-3.0-or-later
// Idempotency-Key on POST: a replay by the same API key within 24 hours answers the first response again (status,
// body, Location, with Idempotent-Replayed: true) and creates nothing (counted before and after); the same key
// with another body is 422 naming the header; another API key's same key is its own; two requests with one key at
// once create one thing; an expired key (its record moved 25 hours back) runs again and its record is swept; a
// registration's kept answer is unreadable once the person is erased (410, nothing created, no personal data
// stored); a malformed key is 422; the public routes ignore the header.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
	assertJson, assertProblem, corePii, findStored, forEngines, grant, newPerson, psql, sqlite, withServer,
} from './lib/privd.mjs';
import { attach, decide, execute, fileRequest, poll } from './lib/requests.mjs';

const HOUR = 3_600_000;
let seq = 0;
const newKey = () => `test-${process.pid}-${Date.now()}-${++seq}`;

/** Runs SQL against the instance's data database while privd runs. */
async function sqlData(srv, sql) {
	if (srv.engine === 'postgres') return psql(srv.dbUrl, sql);
	return sqlite(path.join(srv.dataDir, 'privd.db'), `PRAGMA busy_timeout = 10000;\n${sql}`);
}

async function count(srv, table, where = '') {
	const lines = (await sqlData(srv, `SELECT count(*) FROM ${table} ${where};`)).trim().split('\n');
	const n = Number(lines[lines.length - 1]); // SQLite prints the busy_timeout pragma's value first
	assert.ok(Number.isInteger(n), `a count of ${table}`);
	return n;
}

function post(srv, p, json, key, as = 'app') {
	return srv.req('POST', p, { as, json, headers: key ? { 'idempotency-key': key } : {} });
}

function assertSameAnswer(first, again) {
	assert.equal(again.status, first.status, 'the replay has the first status');
	assert.equal(again.text, first.text, 'the replay has the first body, byte for byte');
	assert.equal(again.headers.get('location'), first.headers.get('location'), 'the replay has the first Location');
	assert.equal(again.headers.get('content-type'), first.headers.get('content-type'));
	assert.equal(again.headers.get('idempotent-replayed'), 'true', 'a replay says so');
	assert.equal(first.headers.get('idempotent-replayed'), null, 'the first answer is no replay');
}

forEngines('idempotency', (engine) => {
	const ctx = withServer(engine);

	describe('Idempotency-Key on POST', () => {
		it('a registration sent again with its key answers the same 201 and creates no second person', async () => {
			const srv = ctx.srv;
			const person = newPerson();
			srv.pii.push(...corePii(person));
			const key = newKey();
			const first = await post(srv, '/v1/subjects', person, key);
			const s = assertJson(first, 201);
			const before = await count(srv, 'subjects');
			const again = await post(srv, '/v1/subjects', person, key);
			assertSameAnswer(first, again);
			assert.equal(again.json.id, s.id);
			assert.equal(await count(srv, 'subjects'), before, 'no subject was created by the replay');
			const third = await post(srv, '/v1/subjects', person, key);
			assertSameAnswer(first, third);
		});

		it('the same key with another body is 422 naming Idempotency-Key, and changes nothing', async () => {
			const srv = ctx.srv;
			const key = newKey();
			const a = newPerson();
			const b = newPerson();
			srv.pii.push(...corePii(a), ...corePii(b));
			assertJson(await post(srv, '/v1/subjects', a, key), 201);
			const before = await count(srv, 'subjects');
			const r = await post(srv, '/v1/subjects', b, key);
			assertProblem(r, 422, 'idempotency-key-reused', { fields: ['Idempotency-Key'] });
			assert.equal(await count(srv, 'subjects'), before);
			// another path with the same key is another request too
			const s = assertJson(await post(srv, '/v1/subjects', newPerson(), newKey()), 201);
			assertProblem(await post(srv, `/v1/subjects/${s.id}/consents`, a, key), 422, 'idempotency-key-reused');
		});

		it('a key is scoped to its API key: another key\'s same Idempotency-Key is a request of its own', async () => {
			const srv = ctx.srv;
			const key = newKey();
			const s = assertJson(await post(srv, '/v1/subjects', newPerson(), newKey()), 201);
			const body = grant('cookies.analytics');
			const mine = assertJson(await post(srv, `/v1/subjects/${s.id}/consents`, body, key, 'app'), 201);
			const before = await count(srv, 'consents', `WHERE subject_id = '${s.id}'`);
			const theirs = await post(srv, `/v1/subjects/${s.id}/consents`, body, key, 'admin');
			assertJson(theirs, 201);
			assert.equal(theirs.headers.get('idempotent-replayed'), null);
			assert.notEqual(theirs.json.id ?? theirs.text, mine.id ?? JSON.stringify(mine));
			assert.equal(await count(srv, 'consents', `WHERE subject_id = '${s.id}'`), before + 1);
		});

		it('a request filed, its scan attached, the decision: each replayed creates nothing', async () => {
			const srv = ctx.srv;
			const s = assertJson(await post(srv, '/v1/subjects', newPerson(), newKey()), 201);
			const key = newKey();
			const first = await post(srv, `/v1/subjects/${s.id}/requests`, { type: 'access' }, key);
			const q = assertJson(first, 201);
			const before = await count(srv, 'requests');
			assertSameAnswer(first, await post(srv, `/v1/subjects/${s.id}/requests`, { type: 'access' }, key));
			assert.equal(await count(srv, 'requests'), before, 'no second request');
			await attach(srv, q.id);
			const dkey = newKey();
			const d1 = await srv.req('POST', `/v1/requests/${q.id}/decision`, {
				as: 'operator', json: { action: 'accept' }, headers: { 'idempotency-key': dkey },
			});
			assertJson(d1, 200);
			const audit = await count(srv, 'audit');
			const d2 = await srv.req('POST', `/v1/requests/${q.id}/decision`, {
				as: 'operator', json: { action: 'accept' }, headers: { 'idempotency-key': dkey },
			});
			assertSameAnswer(d1, d2);
			assert.equal(await count(srv, 'audit'), audit, 'the replay wrote nothing, not even an audit entry');
		});

		it('an API key created with a key is answered again (its secret included) and no second key exists', async () => {
			const srv = ctx.srv;
			const key = newKey();
			const first = await post(srv, '/v1/api-keys', { name: 'idem', role: 'app' }, key, 'admin');
			assertJson(first, 201);
			const before = await count(srv, 'api_keys');
			assertSameAnswer(first, await post(srv, '/v1/api-keys', { name: 'idem', role: 'app' }, key, 'admin'));
			assert.equal(await count(srv, 'api_keys'), before);
			const hits = await findStored(srv, [first.json.key]);
			assert.deepEqual(hits, [], 'the kept answer is sealed: the secret is not stored readable');
		});

		it('two requests with one key at once create one thing; the other is a replay or 409', async () => {
			const srv = ctx.srv;
			const s = assertJson(await post(srv, '/v1/subjects', newPerson(), newKey()), 201);
			const before = await count(srv, 'requests');
			const key = newKey();
			const rs = await Promise.all([0, 1, 2].map(() =>
				post(srv, `/v1/subjects/${s.id}/requests`, { type: 'access' }, key)));
			const statuses = rs.map((r) => r.status).sort();
			assert.ok(statuses.every((st) => st === 201 || st === 409), `statuses: ${statuses}`);
			for (const r of rs.filter((x) => x.status === 409)) {
				assertProblem(r, 409, 'idempotency-key-in-flight', { fields: ['Idempotency-Key'] });
			}
			assert.equal(await count(srv, 'requests'), before + 1, 'exactly one request was filed');
			const ids = new Set(rs.filter((r) => r.status === 201).map((r) => r.json.id));
			assert.equal(ids.size, 1, 'every 201 names the same request');
		});

		it('after 24 hours a key runs again, and the scheduler sweeps the expired record', async () => {
			const srv = ctx.srv;
			const s = assertJson(await post(srv, '/v1/subjects', newPerson(), newKey()), 201);
			const key = newKey();
			const body = grant('cookies.preferences');
			assertJson(await post(srv, `/v1/subjects/${s.id}/consents`, body, key), 201);
			const where = `WHERE subject_id = '${s.id}'`;
			const before = await count(srv, 'consents', where);
			const kept = await count(srv, 'idempotency_keys');
			await sqlData(srv, `UPDATE idempotency_keys SET created_at = created_at - ${25 * HOUR};`);
			const again = await post(srv, `/v1/subjects/${s.id}/consents`, body, key);
			assertJson(again, 201);
			assert.equal(again.headers.get('idempotent-replayed'), null, 'an expired key is no replay');
			assert.equal(await count(srv, 'consents', where), before + 1, 'the request ran again');
			const swept = await poll(async () => (await count(srv, 'idempotency_keys')) === 1, { ms: 20_000 });
			assert.ok(swept, `the expired records were swept (${kept} before, the new one left)`);
		});

		it('an erased person\'s kept registration answer cannot be read: a replay is 410 and creates nothing', async () => {
			const srv = ctx.srv;
			const person = newPerson();
			srv.pii.push(...corePii(person));
			const key = newKey();
			const s = assertJson(await post(srv, '/v1/subjects', person, key), 201);
			const q = await fileRequest(srv, s.id, 'erase');
			await attach(srv, q.id);
			assertJson(await decide(srv, q.id, { action: 'accept' }), 200);
			assertJson(await execute(srv, q.id), 200);
			const before = await count(srv, 'subjects');
			const again = await post(srv, '/v1/subjects', person, key);
			assertProblem(again, 410, 'gone');
			assert.equal(await count(srv, 'subjects'), before, 'the replay created no one');
			const hits = await findStored(srv, corePii(person));
			assert.deepEqual(hits, [], `the erased person's data is still stored: ${JSON.stringify(hits)}`);
		});

		it('a malformed key is 422 naming the header; a POST without one is unaffected', async () => {
			const srv = ctx.srv;
			for (const bad of ['x'.repeat(256), 'with space']) {
				const r = await post(srv, '/v1/subjects', newPerson(), bad);
				assertProblem(r, 422, 'validation', { fields: ['Idempotency-Key'] });
			}
			assertJson(await post(srv, '/v1/subjects', newPerson()), 201);
		});

		ctx.closingTest();
	});
});

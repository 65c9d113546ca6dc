// SPDX-License-Identifier: AGPL-3.0-or-later
// Counting an incident's scope before recording it (POST /v1/incident-scope-count), on SQLite and PostgreSQL: the
// count is the number of persons the incident would then notify, for each of the three scopes (a list of ids, with
// an erased person and a repeat in it; a registration window; everyone), with the EU/EEA residents among them;
// recording the same scope right after notifies exactly that many. A bad scope is 422 naming the field, an unknown
// id by its place in the list; only an operator may ask; and asking stores nothing: no incident, no notice, no
// audit entry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertJson, assertProblem, forEngines, newPerson, removeInstance, ROLES, startPrivd } from './lib/privd.mjs';
import { auditEntries, carryOut } from './lib/requests.mjs';

const iso = (ms) => new Date(ms).toISOString();

function count(srv, scope, as = 'operator') {
	return srv.req('POST', '/v1/incident-scope-count', { as, json: { scope } });
}

async function countOk(srv, scope) {
	const b = assertJson(await count(srv, scope), 200);
	assert.deepEqual(Object.keys(b).sort(), ['affected', 'affected_eu']);
	return b;
}

async function record(srv, scope) {
	const r = await srv.req('POST', '/v1/incidents', {
		as: 'operator',
		json: { detected_at: iso(Date.now() - 60_000), description: 'Утечка резервной копии', data_categories: ['email'], scope },
	});
	return assertJson(r, 201);
}

async function incidentCount(srv) {
	let n = 0;
	let after = '';
	for (;;) {
		const b = assertJson(await srv.req('GET', `/v1/incidents?limit=1000${after}`, { as: 'auditor' }), 200);
		n += b.items.length;
		if (b.next_after === null) return n;
		after = `&after=${b.next_after}`;
	}
}

forEngines('counting an incident scope', (engine) => {
	let srv;
	let ru;
	let de;
	let erased;
	let from;
	let to;

	before(async () => {
		srv = await startPrivd(engine);
		await srv.createRoleKeys();
		await srv.registerOk(newPerson());
		from = new Date();
		ru = await srv.registerOk(newPerson());
		de = await srv.registerOk(newPerson({ residence_country: 'DE' }));
		erased = await srv.registerOk(newPerson({ residence_country: 'FR' }));
		to = new Date();
		await carryOut(srv, erased.id, 'erase');
	});

	after(async () => {
		if (srv) {
			await srv.stop();
			await removeInstance(srv.inst);
		}
	});

	describe('the count is whom the incident would notify', () => {
		it('a list of ids: each person once, the erased left out, the EU residents counted; recording it agrees', async () => {
			const scope = { subject_ids: [ru.id, de.id, erased.id, ru.id] };
			assert.deepEqual(await countOk(srv, scope), { affected: 2, affected_eu: 1 });
			assert.equal((await record(srv, scope)).affected, 2);
		});

		it('a registration window takes who registered in it', async () => {
			const scope = { registered_from: from.toISOString(), registered_to: to.toISOString() };
			assert.deepEqual(await countOk(srv, scope), { affected: 2, affected_eu: 1 });
			assert.equal((await record(srv, scope)).affected, 2);
			const empty = { registered_from: iso(Date.parse('2020-01-01T00:00:00Z')), registered_to: iso(Date.parse('2020-12-31T23:59:59Z')) };
			assert.deepEqual(await countOk(srv, empty), { affected: 0, affected_eu: 0 });
		});

		it('everyone: every person not erased, as recording it notifies', async () => {
			const c = await countOk(srv, { all: true });
			assert.equal(c.affected, 3);
			assert.equal(c.affected_eu, 1);
			const late = await srv.registerOk(newPerson({ residence_country: 'IT' }));
			assert.deepEqual(await countOk(srv, { all: true }), { affected: 4, affected_eu: 2 }, 'the count is live');
			assert.equal((await record(srv, { all: true })).affected, 4);
			assert.ok(late.id);
		});
	});

	describe('roles and bad input', () => {
		it('only an operator may count', async () => {
			for (const role of ROLES.filter((x) => x !== 'operator')) {
				assertProblem(await count(srv, { all: true }, role), 403, 'forbidden');
			}
			assertProblem(await srv.req('POST', '/v1/incident-scope-count', { json: { scope: { all: true } } }), 401, 'unauthorized');
		});

		it('a bad scope is 422 naming the field, an unknown id by its place; nothing is stored or audited', async () => {
			const incidents = await incidentCount(srv);
			const audit = (await auditEntries(srv)).length;
			const cases = [
				[{}, 'scope'],
				[{ all: false }, 'scope.all'],
				[{ all: true, subject_ids: [ru.id] }, 'scope'],
				[{ subject_ids: [] }, 'scope.subject_ids'],
				[{ subject_ids: [ru.id, 'nope'] }, 'scope.subject_ids[1]'],
				[{ subject_ids: [ru.id, de.id, '0'.repeat(32)] }, 'scope.subject_ids[2]'],
				[{ registered_from: '2026-01-02T00:00:00Z' }, 'scope.registered_to'],
				[{ registered_from: '2026-01-02T00:00:00Z', registered_to: '2026-01-01T00:00:00Z' }, 'scope.registered_to'],
				[{ registered_from: 'yesterday', registered_to: '2026-01-01T00:00:00Z' }, 'scope.registered_from'],
				['all', 'scope'],
			];
			for (const [scope, field] of cases) assertProblem(await count(srv, scope), 422, 'validation', { fields: [field] });
			// an unknown member is refused, named by its name or by its position (as every body's)
			for (const [json, names] of [[{ scope: { everyone: true } }, ['scope.everyone', 'scope.#1']],
				[{ scope: { all: true }, description: 'x' }, ['description', '#2']]]) {
				const r = await srv.req('POST', '/v1/incident-scope-count', { as: 'operator', json });
				assertProblem(r, 422, 'validation');
				assert.ok(names.includes(r.json.errors?.[0]?.field), `named: ${JSON.stringify(r.json.errors)}`);
			}
			await countOk(srv, { all: true });
			assert.equal(await incidentCount(srv), incidents, 'no incident recorded');
			assert.equal((await auditEntries(srv)).length, audit, 'no audit entry');
		});
	});
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// Encryption at rest, tested from outside: after registering subjects with distinctive personal data, no stored
// byte (SQLite: every file of the data directory, WAL included; PostgreSQL: a dump of the database, and the
// cluster's files when known) contains their name, e-mail or phone. API keys are stored hashed.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
	assertCleanLog, corePii, findStored, forEngines, listFiles, newPerson, pgDump, removeInstance, startPrivd, uniquePhone,
} from './lib/privd.mjs';

const CANARY = 'canary-policy-text-0d9b3e';

forEngines('plaintext absence', (engine) => {
	let srv;
	const people = [];

	before(async () => {
		srv = await startPrivd(engine);
		const list = [
			newPerson({ name: 'Евлампия Криптографова ЩЫЪ' }),
			newPerson({ name: 'Plaintext Hunter Zyxwvu', residence_country: 'DE' }),
			newPerson({ name: 'Одна Почта Тестовна', phone: undefined }),
			newPerson({ name: 'Один Телефон Тестович', email: undefined }),
		];
		for (const p of list) {
			const r = await srv.register(p);
			assert.ok(r.status === 201 || r.status === 202, `registration: ${r.status} ${r.text}`);
			p.id = r.json.id;
			people.push(p);
		}
		// Read, find, update, consent: every path that touches personal data.
		const s = people[0];
		await srv.req('GET', `/v1/subjects/${s.id}`, { as: 'app' });
		await srv.req('GET', `/v1/subjects?email=${encodeURIComponent(s.email)}`, { as: 'app' });
		await srv.req('GET', `/v1/subjects?phone=${encodeURIComponent(s.phone)}`, { as: 'app' });
		const upd = newPerson({ name: 'Обновлённая Фамилия Шифровкина', phone: uniquePhone() });
		srv.pii.push(...corePii(upd));
		const r = await srv.req('PATCH', `/v1/subjects/${people[1].id}`, {
			as: 'app', json: { name: upd.name, email: upd.email, phone: upd.phone },
		});
		assert.equal(r.status, 200, r.text);
		people.push(upd);
		await srv.req('POST', `/v1/subjects/${s.id}/consents`, {
			as: 'app', json: { purpose: 'cookies.analytics', granted: true, ip: '198.51.100.6', source: 'banner' },
		});
		// A non-personal canary that must be found in plain text: proves the search reads the right bytes.
		const pol = await srv.req('POST', '/v1/policies', { as: 'admin', json: { version: 'canary', text: `# Policy\n\n${CANARY}\n` } });
		assert.equal(pol.status, 201, pol.text);
	});

	after(async () => {
		if (!srv) return;
		await srv.stop();
		await removeInstance(srv.inst);
	});

	const needles = () => people.flatMap((p) => corePii(p));

	it('the search sees the store: a policy text is found in plain text', async () => {
		const hits = await findStored(srv, [CANARY]);
		assert.ok(hits.length > 0, 'the canary must be found, or the search reads the wrong files');
		if (engine === 'sqlite') {
			const files = (await listFiles(srv.dataDir)).map((f) => f.file);
			for (const f of ['privd.db', 'keystore.db']) assert.ok(files.includes(f), `${f} exists (files: ${files.join(', ')})`);
		} else {
			const dump = (await pgDump(srv.dbUrl)).toString('utf8');
			assert.match(dump, /CREATE SCHEMA privd_keys/, 'the dump includes the keystore schema');
			for (const t of ['subjects', 'consents', 'audit', 'api_keys', 'policies']) {
				assert.match(dump, new RegExp(`CREATE TABLE public\\.${t} `), `the dump includes table ${t}`);
			}
		}
	});

	it('while privd runs, no stored byte holds a name, e-mail or phone', async () => {
		const hits = await findStored(srv, needles());
		assert.deepEqual(hits, [], `personal data in plain text: ${JSON.stringify(hits)}`);
	});

	it('API keys are stored hashed: no stored byte holds a key', async () => {
		const hits = await findStored(srv, Object.values(srv.keys));
		assert.deepEqual(hits.map((h) => h.where), [], 'an API key is stored in plain text');
	});

	it('after SIGTERM (WAL checkpointed), still none', async () => {
		const e = await srv.stop();
		assert.equal(e.code, 0);
		const hits = await findStored(srv, [...needles(), ...Object.values(srv.keys)]);
		assert.deepEqual(hits, [], `plain text after shutdown: ${JSON.stringify(hits)}`);
	});

	it('privd\'s log is JSON lines without personal data', () => {
		assertCleanLog(srv);
	});
});

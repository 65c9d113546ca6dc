// SPDX-License-Identifier: AGPL-3.0-or-later
// Registrations under load take data keys committed ahead of them (the key reserve): every such person's data opens,
// before and after a restart; ids keep their time; a refused registration's key and the keys nobody took are
// destroyed, while running and at a clean stop, so the keystore ends holding exactly the subjects' keys.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
	assertCleanLog, engines, initInstance, newPerson, psql, removeInstance, serve, sleep, sqlite,
} from './lib/privd.mjs';

const WAVE = 64;

async function metric(srv, name) {
	const r = await srv.req('GET', '/metrics');
	assert.equal(r.status, 200, r.text.slice(0, 300));
	const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(r.text);
	return m ? Number(m[1]) : 0;
}

/** How many subjects the data database holds, and how many subjects' keys the keystore holds. */
async function keysAndSubjects(inst) {
	if (inst.engine === 'postgres') {
		const subjects = Number(await psql(inst.dbUrl, 'SELECT count(*) FROM subjects;'));
		const keys = Number(await psql(inst.dbUrl,
			"SELECT count(*) FROM privd_keys.data_keys WHERE subject_id NOT LIKE 'msg:%';"));
		return { subjects, keys };
	}
	const subjects = Number(await sqlite(path.join(inst.dataDir, 'privd.db'), 'SELECT count(*) FROM subjects;'));
	const keys = Number(await sqlite(path.join(inst.dataDir, 'keystore.db'),
		"SELECT count(*) FROM data_keys WHERE subject_id NOT LIKE 'msg:%';"));
	return { subjects, keys };
}

for (const engine of engines()) {
	describe(`key reserve (${engine})`, { concurrency: 1 }, () => {
		let inst;
		let srv;
		const people = []; // { person, id }

		after(async () => {
			if (srv) await srv.stop();
			if (inst) await removeInstance(inst);
		});

		async function start() {
			const keys = srv ? srv.keys : null;
			const pii = srv ? srv.pii : [];
			if (srv && !srv.exit) await srv.stop();
			srv = await serve(inst);
			srv.pii.push(...pii);
			if (keys) srv.keys = keys;
			else await srv.createRoleKeys();
		}

		/** WAVE registrations at once; extra people (expected: status) go in the middle of the wave. */
		async function wave(extra = []) {
			const batch = Array.from({ length: WAVE }, () => ({ person: newPerson(), status: 201 }));
			batch.splice(WAVE / 2, 0, ...extra);
			const res = await Promise.all(batch.map((b) => srv.register(b.person)));
			res.forEach((r, i) => {
				assert.equal(r.status, batch[i].status, r.text);
				if (r.status === 201) people.push({ person: batch[i].person, subject: r.json });
			});
		}

		it('registrations many at a time take keys from the reserve', async () => {
			inst = await initInstance({ engine });
			await start();
			for (let i = 0; i < 20 && (await metric(srv, 'privd_key_reserve_taken_total')) < WAVE; i++) await wave();
			const taken = await metric(srv, 'privd_key_reserve_taken_total');
			assert.ok(taken >= WAVE, `registrations took ${taken} keys from the reserve`);
			assert.ok(taken <= people.length);
		});

		it('an e-mail already registered is refused under load, the others are not', async () => {
			const dup = newPerson({ email: people[0].person.email });
			await wave([{ person: dup, status: 409 }]);
		});

		it("a subject's id carries the time of its registration, within a second", () => {
			for (const { subject } of people) {
				const idTime = parseInt(subject.id.slice(0, 12), 16);
				const made = Date.parse(subject.created_at);
				assert.ok(idTime <= made && made - idTime <= 1100, `id ${subject.id} made ${made - idTime} ms before it`);
			}
		});

		it('every person registered reads back whole', async () => {
			for (const { person, subject } of people) {
				const r = await srv.req('GET', `/v1/subjects/${subject.id}`, { as: 'app' });
				assert.equal(r.status, 200, r.text);
				assert.equal(r.json.name, person.name);
				assert.equal(r.json.phone, subject.phone);
			}
		});

		it('keys nobody took are destroyed within seconds while running, and the refused one', async () => {
			let last;
			for (let i = 0; i < 50; i++) {
				last = await keysAndSubjects(inst);
				if (last.keys === last.subjects) break;
				await sleep(100);
			}
			assert.equal(last.subjects, people.length);
			assert.equal(last.keys, last.subjects, 'the keystore holds exactly the subjects\' keys');
		});

		it('a clean stop right after a wave leaves no key without its subject', async () => {
			// A refill may commit just after its wave, and on a loaded machine a wave may outlast its keys' second:
			// waves until the keystore is seen holding keys that wait.
			let waiting;
			for (let i = 0; i < 5 && !(waiting?.keys > waiting?.subjects); i++) {
				await wave();
				for (let j = 0; j < 5; j++) {
					waiting = await keysAndSubjects(inst);
					if (waiting.keys > waiting.subjects) break;
					await sleep(50);
				}
			}
			assert.ok(waiting.keys > waiting.subjects, 'keys wait in the reserve as the wave ends');
			const e = await srv.stop();
			assert.deepEqual({ code: e.code, signal: e.signal }, { code: 0, signal: null });
			assertCleanLog(srv);
			const c = await keysAndSubjects(inst);
			assert.equal(c.subjects, people.length);
			assert.equal(c.keys, c.subjects);
		});

		it('after a restart every person still reads back', async () => {
			await start();
			for (const { person, subject } of people) {
				const r = await srv.req('GET', `/v1/subjects/${subject.id}`, { as: 'app' });
				assert.equal(r.status, 200, r.text);
				assert.equal(r.json.name, person.name);
			}
			const e = await srv.stop();
			assert.equal(e.code, 0);
			assertCleanLog(srv);
		});
	});
}

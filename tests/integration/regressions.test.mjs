// SPDX-License-Identifier: AGPL-3.0-or-later
// Regression tests for bugs a review found, each named after what went wrong: acknowledged writes lost when
// another process read the SQLite files, audit verify missing bytes after a NUL and missing deleted newest entries,
// an erased subject made active again by another accepted request, queued notices and message keys outliving an
// erasure, an empty PATCH answered with the profile, and a PATCH writing back a stale status.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
	assertJson, assertProblem, birthDateForAge, forEngines, initInstance, newPerson, PG_URL, privd, psql,
	removeInstance, run, serve, sleep, sqlite, withServer,
} from './lib/privd.mjs';
import {
	assertRequest, attach, auditEntries, carryOut, decide, execute, fileRequest, notifications,
} from './lib/requests.mjs';

function verifyArgs(dataDir, dbUrl) {
	const a = ['audit', 'verify', '--data-dir', dataDir];
	if (dbUrl) a.push('--database', dbUrl);
	return a;
}

async function verify(inst, { dataDir = inst.dataDir, dbUrl = inst.dbUrl } = {}) {
	const r = await privd(verifyArgs(dataDir, dbUrl));
	return { ...r, out: `${r.stdout}\n${r.stderr}` };
}

/** SQL on the instance's main database (sqlite3 on privd.db, or psql). */
function sqlMain(inst, sql) {
	return inst.engine === 'postgres' ? psql(inst.dbUrl, sql) : sqlite(path.join(inst.dataDir, 'privd.db'), sql);
}

/** An EU (German) resident aged 15: registers as pending_guardian. */
function euMinor() {
	return newPerson({ birth_date: birthDateForAge(15), residence_country: 'DE' });
}

async function registerMinor(srv) {
	const b = assertJson(await srv.register(euMinor()), 202);
	assert.equal(b.status, 'pending_guardian', `registration of an EU 15-year-old: ${JSON.stringify(b)}`);
	return b;
}

async function subjectStatus(srv, id) {
	return assertJson(await srv.req('GET', `/v1/subjects/${id}`, { as: 'operator' }), 200).status;
}

/** Files a request, attaches a PDF and accepts it; resolves to the accepted request. */
async function fileAndAccept(srv, subjectId, type) {
	const q = await fileRequest(srv, subjectId, type);
	await attach(srv, q.id);
	return assertRequest(assertJson(await decide(srv, q.id, { action: 'accept' }), 200), { status: 'accepted' });
}

// ---------------------------------------------------------------------------------------------------------------
// 1. SQLite only

describe('regression: keys left behind by a crash after an erasure are destroyed when privd starts (SQLite)', () => {
	let inst;
	after(async () => {
		if (inst) await removeInstance(inst);
	});

	it('the data key of an erased subject and the key of a cancelled notice go; a key without its row stays',
		async () => {
			inst = await initInstance({ engine: 'sqlite' });
			let srv = await serve(inst);
			await srv.createRoleKeys();
			const a = await srv.registerOk(newPerson());
			assert.equal((await srv.stop()).code, 0);
			// what a crash between the data commit and the keystore's follow-up leaves: an erased subject whose
			// key is still held, and a cancelled notice whose message key is still held
			const db = path.join(inst.dataDir, 'privd.db');
			const ks = path.join(inst.dataDir, 'keystore.db');
			await sqlite(db, `UPDATE subjects SET status = 'erased' WHERE subject_id = '${a.id}';` +
				` INSERT INTO notifications(notification_id, subject_id, kind, channel, status, created_at)` +
				` VALUES ('n-cancelled', '${a.id}', 'request.received', 'email', 'cancelled', 1);`);
			await sqlite(ks, "INSERT INTO data_keys(subject_id, wrapped, created_at) VALUES ('msg:n-cancelled', x'00', 1);" +
				" INSERT INTO data_keys(subject_id, wrapped, created_at) VALUES ('msg:n-in-flight', x'00', 1);");
			srv = await serve(inst);
			let keys = '';
			for (let i = 0; i < 50; i++) {
				keys = await sqlite(ks, 'SELECT subject_id FROM data_keys ORDER BY subject_id;');
				if (!keys.includes(a.id) && !keys.includes('msg:n-cancelled')) break;
				await sleep(100);
			}
			assert.equal((await srv.stop()).code, 0);
			assert.ok(!keys.includes(a.id), `the erased subject's data key is destroyed:\n${keys}`);
			assert.ok(!keys.includes('msg:n-cancelled'), `the cancelled notice's key is destroyed:\n${keys}`);
			assert.ok(keys.includes('msg:n-in-flight'), `a key whose notice does not exist is kept:\n${keys}`);
		});
});

describe('regression: an external reader of the SQLite files while privd serves does not lose acknowledged writes',
	() => {
		let inst;
		let srv;
		after(async () => {
			if (srv) await srv.stop();
			if (inst) await removeInstance(inst);
		});

		it('subjects registered before and after a sqlite3 read of privd.db and keystore.db survive a restart; ' +
			'the audit log verifies', async () => {
			inst = await initInstance({ engine: 'sqlite' });
			srv = await serve(inst);
			await srv.createRoleKeys();
			const keys = srv.keys;
			const a = await srv.registerOk(newPerson());

			const main = await run('sqlite3', [path.join(inst.dataDir, 'privd.db'), 'select count(*) from subjects']);
			assert.equal(main.code, 0, `sqlite3 privd.db: ${main.stderr}`);
			assert.ok(Number(main.stdout.trim()) >= 1, `sqlite3 sees subject A: ${main.stdout}`);
			const ks = await run('sqlite3', [path.join(inst.dataDir, 'keystore.db'), 'select count(*) from data_keys']);
			assert.equal(ks.code, 0, `sqlite3 keystore.db: ${ks.stderr}`);
			assert.ok(Number(ks.stdout.trim()) >= 1, `sqlite3 sees A's data key: ${ks.stdout}`);

			const b = await srv.registerOk(newPerson());
			const e = await srv.stop();
			assert.deepEqual({ code: e.code, signal: e.signal }, { code: 0, signal: null }, 'SIGTERM exits 0');

			srv = await serve(inst);
			srv.keys = keys;
			for (const [name, s] of [['A', a], ['B', b]]) {
				const r = await srv.req('GET', `/v1/subjects/${s.id}`, { as: 'operator' });
				assert.equal(r.status, 200, `subject ${name} (registered with 201) after the restart: ${r.status} ${r.text}`);
				assert.equal(r.json.id, s.id);
			}
			const e2 = await srv.stop();
			assert.equal(e2.code, 0, 'the second privd exits 0 on SIGTERM');
			const v = await verify(inst);
			assert.equal(v.code, 0, `privd audit verify: exit ${v.code}\n${v.out}`);
		});
	});

// ---------------------------------------------------------------------------------------------------------------
// 2. and 3. the audit chain, behind privd's back

forEngines('regression: audit verify fails when a stored entry gains bytes after a NUL', (engine) => {
	let inst;
	before(async () => {
		inst = await initInstance({ engine });
		const srv = await serve(inst);
		await srv.createRoleKeys();
		for (let i = 0; i < 2; i++) {
			const s = await srv.registerOk(newPerson());
			await srv.req('GET', `/v1/subjects/${s.id}`, { as: 'app' });
		}
		assert.equal((await srv.stop()).code, 0, 'SIGTERM exits 0');
	});
	after(async () => { if (inst) await removeInstance(inst); });

	it('the intact store verifies', async () => {
		const v = await verify(inst);
		assert.equal(v.code, 0, `exit ${v.code}\n${v.out}`);
	});

	const what = engine === 'postgres'
		? "'x' appended to entry 2's hash (a PostgreSQL text column cannot hold NUL)"
		: "NUL and 'x' appended to entry 2's detail";
	it(`${what}: verify exits 1 naming entry 2`, async () => {
		if (engine === 'postgres') {
			await psql(inst.dbUrl, "UPDATE audit SET hash = hash || 'x' WHERE seq = 2;");
		} else {
			const db = path.join(inst.dataDir, 'privd.db');
			await sqlite(db, "UPDATE audit SET detail = detail || char(0) || 'x' WHERE seq = 2;");
			const len = (await sqlite(db, 'SELECT length(CAST(detail AS BLOB)) > 0, instr(CAST(detail AS BLOB), X\'00\') > 0 ' +
				'FROM audit WHERE seq = 2;')).trim();
			assert.equal(len, '1|1', 'the stored detail of entry 2 now holds a NUL');
		}
		const v = await verify(inst);
		assert.equal(v.code, 1, `exit ${v.code} after the change\n${v.out}`);
		assert.match(v.out, /(seq|entry|#)\D{0,12}\b2\b/i, `the output names entry 2:\n${v.out}`);
	});
});

forEngines('regression: audit verify fails when the newest entries are deleted', (engine) => {
	let inst;
	let copy;
	let last;
	before(async () => {
		inst = await initInstance({ engine });
		const srv = await serve(inst);
		await srv.createRoleKeys();
		for (let i = 0; i < 3; i++) {
			const s = await srv.registerOk(newPerson());
			await srv.req('GET', `/v1/subjects/${s.id}`, { as: 'app' });
		}
		await sleep(1500);	// the server writes DATA_DIR/audit.anchor every second
		assert.equal((await srv.stop()).code, 0, 'SIGTERM exits 0');
		last = Number((await sqlMain(inst, 'SELECT max(seq) FROM audit;')).trim());
		assert.ok(last > 2, `audit entries: ${last}`);

		// An untouched copy: the data directory (with the anchor) and, on PostgreSQL, the database.
		const root = await mkdtemp(path.join(os.tmpdir(), 'privd-it-copy-'));
		copy = { root, dataDir: path.join(root, 'data'), dbUrl: null };
		await cp(inst.dataDir, copy.dataDir, { recursive: true });
		if (engine === 'postgres') {
			const name = `${inst.dbName}_copy`;
			await psql(PG_URL, `CREATE DATABASE ${name} TEMPLATE ${inst.dbName};`);
			const u = new URL(inst.dbUrl);
			u.pathname = `/${name}`;
			copy.dbUrl = u.toString();
		}
	});
	after(async () => {
		if (inst) await removeInstance(inst);
		if (copy && process.env.PRIVD_TEST_KEEP !== '1') await rm(copy.root, { recursive: true, force: true });
	});

	it('the anchor names the newest entry: the store verifies before the deletion', async () => {
		const v = await verify(inst);
		assert.equal(v.code, 0, `exit ${v.code}\n${v.out}`);
	});

	it('deleting the entry with the highest seq: verify exits 1, the chain ends before the anchored entry', async () => {
		await sqlMain(inst, `DELETE FROM audit WHERE seq = ${last};`);
		const v = await verify(inst);
		assert.equal(v.code, 1, `exit ${v.code} after deleting entry ${last}\n${v.out}`);
		assert.match(v.out, new RegExp(`entry ${last} does not verify: it is missing, the chain ends at ${last - 1} ` +
			`but entry ${last} was anchored`), `the output says the chain ends before the anchored entry:\n${v.out}`);
	});

	it('the untouched copy verifies (exit 0)', async () => {
		const v = await verify(copy, copy);
		assert.equal(v.code, 0, `exit ${v.code}\n${v.out}`);
	});

	it('an anchor moved back to an older entry does not authenticate: verify exits 1', async () => {
		const file = path.join(copy.dataDir, 'audit.anchor');
		const [seq, hash, mac] = (await readFile(file, 'utf8')).trim().split(' ');
		assert.equal(Number(seq), last, 'the anchor names the newest entry');
		assert.equal((await stat(file)).mode & 0o777, 0o600, 'the anchor is 0600');
		await writeFile(file, `${Number(seq) - 1} ${hash} ${mac}\n`);
		const v = await verify(copy, copy);
		assert.equal(v.code, 1, `exit ${v.code}\n${v.out}`);
		assert.match(v.out, /audit\.anchor does not authenticate/);
	});
});

// ---------------------------------------------------------------------------------------------------------------
// 4. to 7. on a running privd

forEngines('regressions on a running privd', (engine) => {
	const ctx = withServer(engine);

	describe('regression: an erased subject cannot be made active again by another accepted request', () => {
		let subj;
		let guardian;
		let erase;
		before(async () => {
			subj = await registerMinor(ctx.srv);
			guardian = await fileAndAccept(ctx.srv, subj.id, 'guardian_consent');
			erase = await fileAndAccept(ctx.srv, subj.id, 'erase');
		});

		it('the erase request executes (200)', async () => {
			assertRequest(assertJson(await execute(ctx.srv, erase.id), 200), { status: 'completed', type: 'erase' });
		});

		it('executing the accepted guardian_consent request afterwards is 410 Gone', async () => {
			const r = await execute(ctx.srv, guardian.id);
			assert.notEqual(r.status, 200, `guardian_consent executed on an erased subject: ${r.text.slice(0, 400)}`);
			assertProblem(r, 410, 'gone');
		});

		it('the subject stays erased: GET is 410, processing not granted, a new consent record is 410', async () => {
			assertProblem(await ctx.srv.req('GET', `/v1/subjects/${subj.id}`, { as: 'operator' }), 410, 'gone');
			const c = assertJson(await ctx.srv.req('GET', `/v1/subjects/${subj.id}/consents/processing`, { as: 'app' }), 200);
			assert.equal(c.granted, false, `processing after erasure: ${JSON.stringify(c)}`);
			assertProblem(await ctx.srv.req('POST', `/v1/subjects/${subj.id}/consents`, {
				as: 'app', json: { purpose: 'processing', granted: true, ip: '198.51.100.4', text_version: '1' },
			}), 410, 'gone');
		});
	});

	describe('regression: erasure cancels the person\'s queued notices and destroys their message keys', () => {
		let subj;
		let erase;
		let items;
		before(async () => {
			subj = await ctx.srv.registerOk(newPerson());
			const access = await fileRequest(ctx.srv, subj.id, 'access');
			await attach(ctx.srv, access.id);
			assertRequest(assertJson(await decide(ctx.srv, access.id, { action: 'extend', reason: 'Нужна проверка архива' }),
				200), { status: 'received' });
			erase = await carryOut(ctx.srv, subj.id, 'erase');
			items = await notifications(ctx.srv, subj.id);
		});

		it('the earlier queued notices are cancelled; only the erasure\'s request.completed is queued', async () => {
			const kinds = items.map((n) => n.kind);
			assert.ok(kinds.includes('request.received') && kinds.includes('request.extended'),
				`the earlier notices are listed: ${JSON.stringify(items)}`);
			for (const n of items) {
				const confirmation = n.request_id === erase.id && n.kind === 'request.completed';
				assert.equal(n.status, confirmation ? 'queued' : 'cancelled',
					`${n.kind} of request ${n.request_id}: ${JSON.stringify(n)}`);
			}
			assert.equal(items.filter((n) => n.status === 'queued').length, 1, `notices: ${JSON.stringify(items)}`);
		});

		it('the keystore holds no data key for the subject and exactly one message key: the confirmation\'s', async () => {
			const ids = engine === 'postgres'
				? (await psql(ctx.srv.dbUrl, 'SELECT subject_id FROM privd_keys.data_keys;')).split('\n').filter(Boolean)
				: (await sqlite(path.join(ctx.srv.dataDir, 'keystore.db'), 'select subject_id from data_keys;'))
					.split('\n').filter(Boolean);
			assert.ok(!ids.includes(subj.id), 'the subject\'s data key was destroyed');
			const confirmation = items.find((n) => n.request_id === erase.id && n.kind === 'request.completed');
			assert.ok(confirmation, 'the erasure is confirmed by a notice');
			const mine = items.map((n) => `msg:${n.id}`).filter((k) => ids.includes(k));
			assert.deepEqual(mine, [`msg:${confirmation.id}`], 'message keys of the person\'s notices left in the keystore');
		});
	});

	describe('regression: an empty PATCH is refused instead of returning the profile', () => {
		it('PATCH {} is 422; a PATCH that changes the name is 200 and audited with "returned":"profile"', async () => {
			const subj = await ctx.srv.registerOk(newPerson());
			const empty = await ctx.srv.req('PATCH', `/v1/subjects/${subj.id}`, { as: 'app', json: {} });
			assert.equal(empty.status, 422, `PATCH {}: ${empty.status} ${empty.text.slice(0, 400)}`);
			assertProblem(empty, 422, 'validation');
			assert.equal(empty.json.name, undefined, 'the refusal does not carry the profile');

			const name = `Мария Правкина ${subj.id.slice(0, 6)}`;
			ctx.srv.pii.push(name);
			const r = assertJson(await ctx.srv.req('PATCH', `/v1/subjects/${subj.id}`, { as: 'app', json: { name } }), 200);
			assert.equal(r.name, name);
			const updates = (await auditEntries(ctx.srv)).filter((e) => e.action === 'subject.update' && e.object_id === subj.id);
			assert.equal(updates.length, 1, `one subject.update entry (the empty PATCH writes none): ${JSON.stringify(updates)}`);
			assert.equal(updates[0].detail.returned, 'profile', `detail: ${JSON.stringify(updates[0].detail)}`);
		});
	});

	describe('regression: PATCH does not write back a stale status', () => {
		it('a PATCH keeps pending_guardian; after guardian_consent the subject is active and a PATCH keeps it active',
			async () => {
				const subj = await registerMinor(ctx.srv);
				const patch = async (name) => {
					ctx.srv.pii.push(name);
					return assertJson(await ctx.srv.req('PATCH', `/v1/subjects/${subj.id}`, { as: 'app', json: { name } }), 200);
				};
				const p1 = await patch(`Лена Первая ${subj.id.slice(0, 6)}`);
				assert.equal(p1.status, 'pending_guardian', 'the PATCH answer');
				assert.equal(await subjectStatus(ctx.srv, subj.id), 'pending_guardian', 'after the first PATCH');
				await carryOut(ctx.srv, subj.id, 'guardian_consent');
				assert.equal(await subjectStatus(ctx.srv, subj.id), 'active', 'after guardian_consent');
				const p2 = await patch(`Лена Вторая ${subj.id.slice(0, 6)}`);
				assert.equal(p2.status, 'active', 'the second PATCH answer');
				assert.equal(await subjectStatus(ctx.srv, subj.id), 'active', 'after the second PATCH');
			});

		it('PATCHes racing the guardian_consent execution (each 200 or 409) never put the subject back to ' +
			'pending_guardian', async () => {
			for (let round = 0; round < 6; round++) {
				const subj = await registerMinor(ctx.srv);
				const q = await fileAndAccept(ctx.srv, subj.id, 'guardian_consent');
				const patches = [];
				const exec = (async () => {
					await sleep(round);
					return execute(ctx.srv, q.id);
				})();
				for (let i = 0; i < 24; i++) {
					const name = `Лена Гонка ${round}-${i} ${subj.id.slice(0, 6)}`;
					ctx.srv.pii.push(name);
					patches.push(ctx.srv.req('PATCH', `/v1/subjects/${subj.id}`, { as: 'app', json: { name } }));
				}
				const done = await exec;
				assertRequest(assertJson(done, 200), { status: 'completed' });
				for (const r of await Promise.all(patches)) {
					assert.ok([200, 409].includes(r.status), `a racing PATCH: ${r.status} ${r.text.slice(0, 300)}`);
				}
				assert.equal(await subjectStatus(ctx.srv, subj.id), 'active',
					`round ${round}: after guardian_consent executed and the racing PATCHes answered`);
			}
		});
	});

	ctx.closingTest();
});

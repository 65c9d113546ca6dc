// SPDX-License-Identifier: AGPL-3.0-or-later
// privd backup and privd restore: a data set and a keystore set taken at one instant while privd serves, written
// apart and without the master key; restored into an empty data directory (and database), where the audit chain
// verifies and everyone registered before the backup reads back. Keystore sets age out sooner than data sets, so an
// old data set is restored with a newer keystore set, and a person erased in between stays unreadable.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rename, cp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import {
	assertJson, corePii, createDatabase, existsSync, findInFiles, forEngines, newPerson, privd, sleep, withServer,
} from './lib/privd.mjs';
import { assertAuditOk, carryOut } from './lib/requests.mjs';
import {
	assertReadBack, backup, filesHolding, keyBytes, keyFiles, restore, serveRestored, stampOf, startLoad, timeOfStamp,
} from './lib/ops.mjs';

const DAY = 86_400_000;

/** A directory for a restore, with a fresh database on PostgreSQL. */
async function target(root, name, engine) {
	return { dir: path.join(root, name), dbUrl: engine === 'postgres' ? (await createDatabase()).url : null };
}

async function register(srv, n) {
	const out = [];
	for (let i = 0; i < n; i++) {
		const p = newPerson();
		out.push({ id: (await srv.registerOk(p)).id, name: p.name, person: p });
	}
	return out;
}

/** `privd audit verify` of a data directory (and database). */
function auditVerify(dir, dbUrl) {
	const argv = ['audit', 'verify', '--data-dir', dir];
	if (dbUrl) argv.push('--database', dbUrl);
	return privd(argv);
}

forEngines('privd backup and privd restore', (engine) => {
	const ctx = withServer(engine);
	let root;
	let bk;
	let stamp;
	let people;
	let masterKey;
	const files = engine === 'sqlite' ? { data: 'privd.db', keystore: 'keystore.db' }
		: { data: 'data.pgdump', keystore: 'keystore.pgdump' };

	before(async () => {
		root = await mkdtemp(path.join(os.tmpdir(), 'privd-backup-'));
		bk = path.join(root, 'backups');
	});
	after(async () => { if (root) await rm(root, { recursive: true, force: true }); });

	it('a backup taken under load restores: the audit chain verifies and everyone registered before it reads back',
		async () => {
			const srv = ctx.srv;
			masterKey = (await keyBytes(srv.dataDir))['master.key'];
			const early = await register(srv, 20);
			const load = startLoad(srv, { people: early });
			await sleep(300);
			const before = early.concat(load.people);
			const taken = await backup(srv.inst, bk);
			await sleep(300);
			const res = await load.stop();
			assert.deepEqual(res.failures, [], 'no request failed while the backup was taken');
			stamp = taken.stamp;
			people = before;

			const t = await target(root, 'restored', engine);
			const r = await restore(bk, t.dir, { dbUrl: t.dbUrl, keysDir: srv.dataDir });
			assert.equal(r.code, 0, `restore: ${r.stdout}\n${r.stderr}`);
			assert.match(r.stdout, new RegExp(`restored data set ${stamp} with keystore set ${stamp}`));
			const manifest = JSON.parse(await readFile(path.join(bk, 'data', stamp, 'manifest.json'), 'utf8'));
			assert.match(r.stdout, new RegExp(`audit chain intact: ${manifest.audit_seq} entries`),
				'the restored chain is the backed-up one, verified');
			const v = await auditVerify(t.dir, t.dbUrl);
			assert.equal(v.code, 0, `privd audit verify of the restore: ${v.stdout}${v.stderr}`);
			assert.match(v.stdout, new RegExp(`audit chain intact: ${manifest.audit_seq + 1} entries`),
				'and the restore itself is its next entry');
			const c = await serveRestored(srv, t.dir, t.dbUrl);
			try {
				await assertReadBack(c, before, 'the restored privd');
				await assertAuditOk(c);
				const a = assertJson(await c.req('GET', `/v1/subjects/${before[0].id}/consents/processing`, { as: 'app' }), 200);
				assert.equal(a.granted, true);
			} finally {
				assert.equal((await c.stop()).code, 0);
			}
		});

	it('the sets are apart, each with its manifest, and neither holds the master key nor anyone\'s data in clear',
		async () => {
			assert.deepEqual((await readdir(path.join(bk, 'data', stamp))).sort(),
				[files.data, 'manifest.json', 'privd.conf'].sort());
			assert.deepEqual((await readdir(path.join(bk, 'keystore', stamp))).sort(), [files.keystore, 'manifest.json']);
			const ks = JSON.parse(await readFile(path.join(bk, 'keystore', stamp, 'manifest.json'), 'utf8'));
			assert.equal(ks.set, 'keystore');
			assert.equal(ks.engine, engine === 'sqlite' ? 'sqlite' : 'postgresql');
			assert.equal(ks.master_keys.length, 1);
			assert.deepEqual(await keyFiles(path.join(bk, 'data', stamp)), []);
			assert.deepEqual(await keyFiles(path.join(bk, 'keystore', stamp)), []);
			assert.deepEqual(await filesHolding(bk, masterKey), [], 'no backup file holds the master key');
			const pii = people.filter((p) => p.person).flatMap((p) => corePii(p.person));
			assert.deepEqual(await findInFiles(bk, pii), [], 'no backup file holds personal data in clear');
		});

	it('a backup directory inside the data directory is refused', async () => {
		const r = await privd(['backup', '--data-dir', ctx.srv.dataDir, '--to', path.join(ctx.srv.dataDir, 'bk'),
			...(ctx.srv.dbUrl ? ['--database', ctx.srv.dbUrl] : [])]);
		assert.equal(r.code, 1);
		assert.match(r.stderr, /inside the data directory/);
	});

	it('a restore into a data directory (or database) that already holds one is refused, and changes nothing',
		async () => {
			const srv = ctx.srv;
			const r = await restore(bk, srv.dataDir, { dbUrl: srv.dbUrl, keysDir: srv.dataDir });
			assert.equal(r.code, 1, r.stdout);
			assert.match(r.stderr, /already/);
			await assertReadBack(srv, people.slice(0, 3), 'the live privd');
		});

	it('keystore sets age out sooner than data sets; an old data set restores with a newer keystore set, and the ' +
		'person erased in between stays unreadable', async () => {
		const srv = ctx.srv;
		const dir = path.join(root, 'retention');
		const [a, b] = await register(srv, 2);
		const s1 = (await backup(srv.inst, dir)).stamp;
		// as if it had been taken 10 days ago; and a data set of 40 days ago beside it
		const s0 = stampOf(timeOfStamp(s1) - 10 * DAY);
		const old = stampOf(timeOfStamp(s1) - 40 * DAY);
		for (const kind of ['data', 'keystore']) await rename(path.join(dir, kind, s1), path.join(dir, kind, s0));
		await cp(path.join(dir, 'data', s0), path.join(dir, 'data', old), { recursive: true });

		await carryOut(srv, a.id, 'erase');
		const s2 = await backup(srv.inst, dir);
		assert.match(s2.stdout, /aged out: 1 data sets \(after 30 days\), 1 keystore sets \(after 7 days\)/);
		assert.deepEqual((await readdir(path.join(dir, 'data'))).sort(), [s0, s2.stamp].sort());
		assert.deepEqual(await readdir(path.join(dir, 'keystore')), [s2.stamp],
			'the keystore set that held the erased person\'s key is gone');

		const t = await target(root, 'old-data', engine);
		const r = await restore(dir, t.dir, { dbUrl: t.dbUrl, keysDir: srv.dataDir, at: s0 });
		assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
		assert.match(r.stdout, new RegExp(`restored data set ${s0} with keystore set ${s2.stamp}`));
		const c = await serveRestored(srv, t.dir, t.dbUrl);
		try {
			await assertReadBack(c, [b], 'the old data set');
			const ga = await c.req('GET', `/v1/subjects/${a.id}`, { as: 'app' });
			assert.equal(ga.status, 410, `the person erased after the data set was taken is unreadable: ${ga.text}`);
			assert.ok(!ga.text.includes(a.name));
		} finally {
			assert.equal((await c.stop()).code, 0);
		}
		assert.equal(existsSync(path.join(t.dir, 'audit.anchor.before-restore')), false);
	});

	ctx.closingTest();
});

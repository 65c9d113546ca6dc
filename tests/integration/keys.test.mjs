// SPDX-License-Identifier: AGPL-3.0-or-later
// Master key rotation (privd keys): every data key wrapped again under a new master key while privd keeps serving,
// the old key destroyed; after that, a keystore copy taken before an erasure reveals the erased person to nobody,
// because the only key that opens it no longer exists anywhere. Then rotation under load with no failed request,
// and on PostgreSQL two nodes sharing a staged key.
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
	assertJson, createDatabase, engines, existsSync, forEngines, newPerson, privd, run, sleep, withServer, withTwoNodes,
} from './lib/privd.mjs';
import { assertAuditOk, auditEntries, carryOut } from './lib/requests.mjs';
import {
	assertReadBack, backup, filesHolding, keyBytes, keyFiles, keys, keyStatus, restore, serveRestored, startLoad,
	waitFor,
} from './lib/ops.mjs';

/** A directory for a restore, or a fresh database too on PostgreSQL. */
async function target(root, name, engine) {
	return { dir: path.join(root, name), dbUrl: engine === 'postgres' ? (await createDatabase()).url : null };
}

forEngines('privd keys rotate: a keystore copy taken before an erasure reveals nobody once the old key is gone',
	(engine) => {
		const ctx = withServer(engine);
		let root;
		let a;
		let b;
		let oldKid;
		let oldKey;
		let newKid;
		const bk = () => path.join(root, 'backups');

		before(async () => { root = await mkdtemp(path.join(os.tmpdir(), 'privd-keys-')); });
		after(async () => { if (root) await rm(root, { recursive: true, force: true }); });

		it('at first one master key, master.key, is current and wraps every data key', async () => {
			const srv = ctx.srv;
			const pa = newPerson();
			const pb = newPerson();
			a = { id: (await srv.registerOk(pa)).id, name: pa.name };
			b = { id: (await srv.registerOk(pb)).id, name: pb.name };
			assert.deepEqual(await keyFiles(srv.dataDir), ['master.key']);
			oldKey = (await keyBytes(srv.dataDir))['master.key'];
			const st = await keyStatus(srv.inst);
			assert.equal(st.length, 1, JSON.stringify(st));
			assert.equal(st[0].state, 'current');
			assert.ok(st[0].keys >= 2, `both data keys are under it: ${JSON.stringify(st)}`);
			assert.equal(st[0].here, true);
			oldKid = st[0].kid;
			assert.match(oldKid, /^[0-9a-f]{16}$/);
		});

		it('a backup taken before the erasure restores the person while the old key exists', async () => {
			const srv = ctx.srv;
			const { stdout } = await backup(srv.inst, bk());
			assert.match(stdout, new RegExp(`master key needed to restore it: ${oldKid}`));
			const t = await target(root, 'control', engine);
			const r = await restore(bk(), t.dir, { dbUrl: t.dbUrl, keysDir: srv.dataDir });
			assert.equal(r.code, 0, `restore with the old key: ${r.stdout}\n${r.stderr}`);
			const c = await serveRestored(srv, t.dir, t.dbUrl);
			try {
				await assertReadBack(c, [a, b], 'the restored copy');
			} finally {
				assert.equal((await c.stop()).code, 0);
			}
			// the control restore holds a copy of the old key: part of what a rotation must leave behind
			await rm(t.dir, { recursive: true, force: true });
		});

		it('after the erasure, privd keys rotate makes a new key current, wraps every key again and destroys the ' +
			'old one, while privd serves', async () => {
			const srv = ctx.srv;
			await carryOut(srv, a.id, 'erase');
			assert.equal((await srv.req('GET', `/v1/subjects/${a.id}`, { as: 'app' })).status, 410);
			const r = await keys(srv.inst, 'rotate', ['--batch', '1']);
			assert.equal(r.code, 0, `keys rotate: ${r.stdout}\n${r.stderr}`);
			assert.match(r.stdout, new RegExp(`master key ${oldKid} retired; its file here destroyed`));
			newKid = /current master key: ([0-9a-f]{16})/.exec(r.stdout)?.[1];
			assert.ok(newKid && newKid !== oldKid, r.stdout);
			assert.match(r.stdout, /keys wrapped again: [1-9]/);
			assert.deepEqual(await keyFiles(srv.dataDir), [`master.key.${newKid}`]);
			const st = await keyStatus(srv.inst);
			assert.deepEqual(st.map((k) => [k.kid, k.state, k.here]), [[oldKid, 'retired', false], [newKid, 'current', true]]);
			assert.equal(st[0].keys, 0, 'no key is left under the old master key');
			assert.ok(st[1].keys >= 1);
			await assertReadBack(srv, [b], 'privd after the rotation');
			assert.equal((await srv.req('GET', `/v1/subjects/${a.id}`, { as: 'app' })).status, 410);
			const p = newPerson();
			await assertReadBack(srv, [{ id: (await srv.registerOk(p)).id, name: p.name }], 'a person registered after it');
		});

		it('the old master key exists nowhere: no file of the data directory, the backups or the restores holds it',
			async () => {
				assert.deepEqual(await filesHolding(ctx.srv.dataDir, oldKey), []);
				assert.deepEqual(await filesHolding(root, oldKey), []);
			});

		it('the keystore copy taken before the erasure cannot be restored: it needs the destroyed key', async () => {
			const t = await target(root, 'after', engine);
			const r = await restore(bk(), t.dir, { dbUrl: t.dbUrl, keysDir: ctx.srv.dataDir });
			assert.equal(r.code, 1, `restore without the old key must fail: ${r.stdout}\n${r.stderr}`);
			assert.match(r.stderr, new RegExp(`needs master key ${oldKid}`));
			assert.equal(existsSync(path.join(t.dir, 'privd.db')), false, 'nothing was restored');
		});

		it('nor opened by hand: its data and keystore with the key that is left do not start privd', async () => {
			const srv = ctx.srv;
			const stamp = (await run('ls', [path.join(bk(), 'data')])).stdout.trim();
			const dir = path.join(root, 'by-hand');
			await mkdir(dir, { mode: 0o700 });
			const key = `master.key.${newKid}`;
			await copyFile(path.join(srv.dataDir, key), path.join(dir, key));
			await chmod(path.join(dir, key), 0o600);
			await copyFile(path.join(bk(), 'data', stamp, 'privd.conf'), path.join(dir, 'privd.conf'));
			let dbUrl = null;
			if (engine === 'sqlite') {
				await copyFile(path.join(bk(), 'data', stamp, 'privd.db'), path.join(dir, 'privd.db'));
				await copyFile(path.join(bk(), 'keystore', stamp, 'keystore.db'), path.join(dir, 'keystore.db'));
			} else {
				dbUrl = (await createDatabase()).url;
				for (const f of [['data', 'data.pgdump'], ['keystore', 'keystore.pgdump']]) {
					const r = await run('pg_restore', ['--no-owner', '--no-privileges', '-d', dbUrl, path.join(bk(), f[0], stamp, f[1])]);
					assert.equal(r.code, 0, r.stderr);
				}
			}
			const argv = ['serve', '--data-dir', dir, '--listen', '127.0.0.1:0'];
			if (dbUrl) argv.push('--database', dbUrl);
			const r = await privd(argv, { timeout: 30_000 });
			assert.notEqual(r.code, 0, `privd must not start on a keystore whose master key is gone: ${r.stderr}`);
			assert.match(r.stderr, new RegExp(`current master key is ${oldKid}`));
		});

		it('the audit log records the rotation (keys.rotate, keys.retire) and verifies', async () => {
			const srv = ctx.srv;
			await assertAuditOk(srv);
			const e = (await auditEntries(srv)).filter((x) => x.action.startsWith('keys.'));
			assert.deepEqual(e.map((x) => [x.action, x.object_type, x.object_id]),
				[['keys.rotate', 'master_key', newKid], ['keys.retire', 'master_key', oldKid]]);
		});

		it('two keys staged at once make a rotation refuse; with one left it uses that one', async () => {
			const srv = ctx.srv;
			const n1 = await keys(srv.inst, 'new');
			const n2 = await keys(srv.inst, 'new');
			assert.equal(n1.code, 0, n1.stderr);
			assert.equal(n2.code, 0, n2.stderr);
			const k2 = /master key ([0-9a-f]{16}) staged/.exec(n2.stdout)[1];
			const refused = await keys(srv.inst, 'rotate');
			assert.equal(refused.code, 1);
			assert.match(refused.stderr, /several master keys are staged/);
			await rm(path.join(srv.dataDir, `master.key.${k2}`));
			const k1 = /master key ([0-9a-f]{16}) staged/.exec(n1.stdout)[1];
			const r = await keys(srv.inst, 'rotate');
			assert.equal(r.code, 0, r.stderr);
			assert.match(r.stdout, new RegExp(`current master key: ${k1} .*the staged one`));
			assert.deepEqual(await keyFiles(srv.dataDir), [`master.key.${k1}`]);
			await assertReadBack(srv, [b], 'after the second rotation');
		});

		ctx.closingTest();
	});

forEngines('privd keys rotate under load', (engine) => {
	const ctx = withServer(engine);

	it('registrations, consent checks and reads all succeed while every key is wrapped again; all read back after',
		async () => {
			const srv = ctx.srv;
			const before = [];
			for (let i = 0; i < 12; i++) {
				const batch = await Promise.all(Array.from({ length: 10 }, async () => {
					const p = newPerson();
					return { id: (await srv.registerOk(p)).id, name: p.name };
				}));
				before.push(...batch);
			}
			const load = startLoad(srv, { people: before });
			await sleep(300);
			const r = await keys(srv.inst, 'rotate', ['--batch', '10']);
			// privd learns of the rotation within a second: keep the load on past that
			await sleep(1500);
			const res = await load.stop();
			assert.equal(r.code, 0, `keys rotate: ${r.stdout}\n${r.stderr}`);
			assert.deepEqual(res.failures, [], 'no request failed during the rotation');
			assert.ok(res.people.length > 0 && res.ops > res.people.length, `the load ran: ${res.ops} requests`);
			const st = await keyStatus(srv.inst);
			assert.deepEqual(st.map((k) => k.state), ['retired', 'current']);
			assert.equal(st[0].keys, 0);
			assert.ok(st[1].keys >= before.length + res.people.length, JSON.stringify(st));
			await assertReadBack(srv, before.concat(res.people), 'after the rotation under load');
			await assertAuditOk(srv);
		});

	ctx.closingTest();
});

describe('two nodes on one PostgreSQL: a staged key copied to both, rotated under load on both',
	{ skip: !engines().includes('postgres') && 'no PostgreSQL server' }, () => {
		const nodes = withTwoNodes();

		it('no request fails on either node; the other node destroys its copy of the old key by itself', async () => {
			const { instA, instB, a, b } = nodes;
			const k = assertJson(await a.req('POST', '/v1/api-keys', { key: instA.adminKey, json: { name: 'app', role: 'app' } }), 201);
			a.keys.app = k.key;
			b.keys.app = k.key;
			const oldKey = (await keyBytes(instA.dataDir))['master.key'];
			const staged = await keys(instA, 'new');
			assert.equal(staged.code, 0, staged.stderr);
			const kid = /master key ([0-9a-f]{16}) staged/.exec(staged.stdout)[1];
			const file = `master.key.${kid}`;
			await copyFile(path.join(instA.dataDir, file), path.join(instB.dataDir, file));
			await chmod(path.join(instB.dataDir, file), 0o600);
			const before = [];
			for (let i = 0; i < 40; i++) {
				const p = newPerson();
				before.push({ id: (await (i % 2 ? a : b).registerOk(p)).id, name: p.name });
			}
			const la = startLoad(a, { people: before, workers: 2 });
			const lb = startLoad(b, { people: before, workers: 2 });
			await sleep(300);
			const r = await keys(instA, 'rotate', ['--batch', '10']);
			await sleep(1500);
			const ra = await la.stop();
			const rb = await lb.stop();
			assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
			assert.match(r.stdout, /the staged one/);
			assert.deepEqual(ra.failures.concat(rb.failures), [], 'no request failed on either node');
			const left = await waitFor(async () => {
				const f = await keyFiles(instB.dataDir);
				return f.length === 1 && f[0] === file ? f : null;
			});
			assert.deepEqual(left, [file], 'node B destroyed its master.key');
			const everyone = before.concat(ra.people, rb.people);
			await assertReadBack(a, everyone, 'node A');
			await assertReadBack(b, everyone, 'node B');
			for (const inst of [instA, instB]) assert.deepEqual(await filesHolding(inst.dataDir, oldKey), []);
		});
	});

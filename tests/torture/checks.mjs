// SPDX-License-Identifier: AGPL-3.0-or-later
// What the campaigns check once privd has stopped: the audit chain (`privd audit verify`), every SQLite database
// file (`PRAGMA integrity_check`), every B-tree index of the PostgreSQL database (amcheck's `bt_index_check` with
// heapallindexed, so every row must be found through every index), and privd's own process starts for each cycle.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { initInstance, privd, psql, run, serve } from '../integration/lib/privd.mjs';

/** init + serve + a key for every role; resolves to { inst, srv, keys }. */
export async function startInstance(engine, serveOpts = {}) {
	const inst = await initInstance({ engine });
	const srv = await serve(inst, serveOpts);
	await srv.createRoleKeys();
	return { inst, srv, keys: srv.keys };
}

/** `privd audit verify` on the instance's data; resolves to a problem string or null. */
export async function auditVerify(inst) {
	const args = ['audit', 'verify', '--data-dir', inst.dataDir];
	if (inst.dbUrl) args.push('--database', inst.dbUrl);
	const r = await privd(args, { timeout: 300_000 });
	return r.code === 0 ? null : `privd audit verify exited ${r.code}: ${(r.stdout + r.stderr).slice(0, 400)}`;
}

/** integrity_check of every *.db file of a data directory; resolves to a list of problems. */
export async function sqliteIntegrity(dataDir) {
	const bad = [];
	const files = (await readdir(dataDir)).filter((f) => f.endsWith('.db'));
	if (files.length === 0) bad.push(`no database file in ${dataDir}`);
	for (const f of files) {
		const r = await run('sqlite3', ['-batch', path.join(dataDir, f), 'PRAGMA integrity_check;'], { timeout: 300_000 });
		const out = r.stdout.trim();
		if (r.code !== 0 || out !== 'ok') bad.push(`${f}: integrity_check says ${JSON.stringify((out + r.stderr).slice(0, 300))}`);
	}
	return bad;
}

/** amcheck over every valid B-tree index of the database (catalogs included); resolves to a list of problems. */
export async function pgAmcheck(url) {
	const bad = [];
	try {
		await psql(url, 'CREATE EXTENSION IF NOT EXISTS amcheck;');
		const n = await psql(url, `SELECT count(bt_index_check(c.oid, true))
			FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
			JOIN pg_namespace s ON s.oid = c.relnamespace
			WHERE a.amname = 'btree' AND i.indisvalid AND i.indisready AND c.relpersistence <> 't'
			AND s.nspname NOT LIKE 'pg_temp%';`);
		if (!(Number(n.trim()) > 0)) bad.push(`amcheck checked no index (${n.trim()})`);
	} catch (e) {
		bad.push(`amcheck: ${String(e.message).slice(0, 400)}`);
	}
	return bad;
}

/** Every check of an instance whose privd has stopped. */
export async function storeChecks(inst) {
	const bad = [];
	const a = await auditVerify(inst);
	if (a) bad.push(a);
	if (inst.engine === 'postgres') bad.push(...(await pgAmcheck(inst.dbUrl)));
	else bad.push(...(await sqliteIntegrity(inst.dataDir)));
	return bad;
}

/** Kills privd with SIGKILL and starts it again on the same data; resolves to the new Server. */
export async function killAndRestart(srv, inst) {
	srv.proc.kill('SIGKILL');
	await srv.exited;
	const next = await serve(inst, { timeout: 60_000 });
	next.keys = srv.keys;
	return next;
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// `privd audit verify` on an intact store, and after one byte of one stored audit entry was changed behind
// privd's back (sqlite3 / psql).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
	assertJson, forEngines, initInstance, newPerson, privd, psql, removeInstance, serve, sqlite,
} from './lib/privd.mjs';

const COLUMNS = ['detail', 'action', 'object_id', 'actor', 'object_type', 'ts'];

/** Changes one character of s (the last letter or digit), keeping hex digits hex. */
function flipOne(s) {
	for (let i = s.length - 1; i >= 0; i--) {
		const c = s[i];
		let d = null;
		if (c >= '0' && c <= '8') d = String.fromCharCode(c.charCodeAt(0) + 1);
		else if (c === '9') d = '8';
		else if ((c >= 'a' && c <= 'e') || (c >= 'A' && c <= 'E')) d = String.fromCharCode(c.charCodeAt(0) + 1);
		else if (c === 'f' || c === 'F') d = String.fromCharCode(c.charCodeAt(0) - 1);
		if (d !== null) return s.slice(0, i) + d + s.slice(i + 1);
	}
	return null;
}

/** Changes one byte of audit entry `seq` in the instance's store; returns a function that undoes it. */
async function tamper(inst, seq) {
	if (inst.engine === 'postgres') {
		const cols = (await psql(inst.dbUrl, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' " +
			"AND table_name = 'audit';")).split('\n').filter(Boolean);
		for (const col of COLUMNS.filter((c) => cols.includes(c))) {
			const old = (await psql(inst.dbUrl, `SELECT ${col}::text FROM audit WHERE seq = ${seq};`)).replace(/\n$/, '');
			const changed = flipOne(old);
			if (changed === null) continue;
			await psql(inst.dbUrl, `UPDATE audit SET ${col} = :'v' WHERE seq = ${seq};`, { vars: { v: changed } });
			return { col, undo: () => psql(inst.dbUrl, `UPDATE audit SET ${col} = :'v' WHERE seq = ${seq};`, { vars: { v: old } }) };
		}
		throw new Error(`no column of audit entry ${seq} could be changed (columns: ${cols.join(', ')})`);
	}
	const db = `${inst.dataDir}/privd.db`;
	const cols = (await sqlite(db, "SELECT name FROM pragma_table_info('audit');")).split('\n').filter(Boolean);
	for (const col of COLUMNS.filter((c) => cols.includes(c))) {
		const [type, hex] = (await sqlite(db, `SELECT typeof(${col}), hex(CAST(${col} AS BLOB)) FROM audit WHERE seq = ${seq};`))
			.trim().split('|');
		const old = Buffer.from(hex, 'hex').toString('latin1');
		const changed = flipOne(old);
		if (changed === null) continue;
		const lit = (v) => {
			const h = Buffer.from(v, 'latin1').toString('hex');
			if (type === 'integer') return v;
			if (type === 'blob') return `X'${h}'`;
			return `CAST(X'${h}' AS TEXT)`;
		};
		await sqlite(db, `UPDATE audit SET ${col} = ${lit(changed)} WHERE seq = ${seq};`);
		return { col, undo: () => sqlite(db, `UPDATE audit SET ${col} = ${lit(old)} WHERE seq = ${seq};`) };
	}
	throw new Error(`no column of audit entry ${seq} could be changed (columns: ${cols.join(', ')})`);
}

function verifyArgs(inst) {
	const a = ['audit', 'verify', '--data-dir', inst.dataDir];
	if (inst.dbUrl) a.push('--database', inst.dbUrl);
	return a;
}

forEngines('audit tampering', (engine) => {
	let inst;
	let undo;

	before(async () => {
		inst = await initInstance({ engine });
		const srv = await serve(inst);
		await srv.createRoleKeys();
		for (let i = 0; i < 3; i++) {
			const s = await srv.registerOk(newPerson());
			await srv.req('GET', `/v1/subjects/${s.id}`, { as: 'app' });
			await srv.req('POST', `/v1/subjects/${s.id}/consents`, { as: 'app', json: { purpose: 'cookies.marketing', granted: true, ip: '198.51.100.8' } });
		}
		const e = await srv.stop();
		assert.equal(e.code, 0, 'SIGTERM exits 0');
	});
	after(async () => { if (inst) await removeInstance(inst); });

	it('privd audit verify exits 0 on an intact store', async () => {
		const r = await privd(verifyArgs(inst));
		assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
	});

	it('one changed byte in audit entry 2: verify exits 1 naming seq 2', async () => {
		const t = await tamper(inst, 2);
		undo = t.undo;
		const r = await privd(verifyArgs(inst));
		const out = `${r.stdout}\n${r.stderr}`;
		assert.equal(r.code, 1, `exit ${r.code} after changing ${t.col} of entry 2\n${out}`);
		assert.match(out, /(seq|entry|#)\D{0,12}\b2\b/i, `the output names entry 2:\n${out}`);
	});

	it('a privd started on the tampered store reports it: GET /v1/audit/verify ok false, first_bad 2', async () => {
		const srv = await serve(inst);
		try {
			const v = assertJson(await srv.req('GET', '/v1/audit/verify', { key: inst.adminKey }), 200);
			assert.equal(v.ok, false);
			assert.equal(v.first_bad, 2);
		} finally {
			assert.equal((await srv.stop()).code, 0);
		}
	});

	it('restoring the byte makes the chain verify again', async () => {
		assert.ok(undo, 'the tampering step ran');
		await undo();
		const r = await privd(verifyArgs(inst));
		assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
	});

	it('changing the last entry is detected too', async () => {
		const last = inst.engine === 'postgres'
			? Number((await psql(inst.dbUrl, 'SELECT max(seq) FROM audit;')).trim())
			: Number((await sqlite(`${inst.dataDir}/privd.db`, 'SELECT max(seq) FROM audit;')).trim());
		assert.ok(last > 2);
		const t = await tamper(inst, last);
		const r = await privd(verifyArgs(inst));
		assert.equal(r.code, 1, `exit ${r.code} after changing ${t.col} of the last entry (${last})`);
		assert.match(`${r.stdout}\n${r.stderr}`, new RegExp(`\\b${last}\\b`));
		await t.undo();
	});
});

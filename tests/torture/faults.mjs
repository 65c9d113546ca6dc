// SPDX-License-Identifier: AGPL-3.0-or-later
// The storage-fault campaign (docs/torture.md), on SQLite, whose files privd writes itself:
// - fsync failing: privd runs with tests/tools/fsync_fault.c preloaded; while the switch file exists every fsync
//   and fdatasync fails with EIO. Every write must then be refused with 503 problem+json (none acknowledged), the
//   refused writes must stay invisible, reads and the consent check (from memory) go on, privd does not crash, and
//   writes are taken again once fsync works, without a restart.
// - a full disk: the data directory on a small tmpfs (mounting needs root: without it the part is skipped, saying
//   so), filled up to ENOSPC by a file beside the databases: writes refused with 503, none acknowledged that is
//   not there after a SIGKILL and a restart, reads go on, and writes are taken again once the file is removed.
// Both end with a SIGKILL, a restart, every acknowledged write read back, the audit chain and integrity_check.
import { closeSync, existsSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { grant, initInstance, newPerson, removeInstance, request, ROOT, run, serve, sleep }
	from '../integration/lib/privd.mjs';
import { AckLog, verify } from './workload.mjs';
import { killAndRestart, storeChecks } from './checks.mjs';

const SHIM = process.env.PRIVD_FSYNC_SHIM || path.join(ROOT, 'build/tests/libfsync_fault.so');

function isProblem503(r) {
	return r.status === 503 && (r.headers.get('content-type') || '').startsWith('application/problem+json');
}

/** A registration and a consent change; acknowledged ones go to the log. Resolves to the two answers. */
async function writePair(srv, log, subject) {
	const body = newPerson();
	const a = await request(srv.url, 'POST', '/v1/subjects', { key: srv.keys.app, json: body });
	if (a.status === 201) {
		log.add({ op: 'register', id: a.json.id, name: body.name, email: a.json.email, phone: a.json.phone });
	}
	const b = await request(srv.url, 'POST', `/v1/subjects/${subject}/consents`,
		{ key: srv.keys.app, json: { purpose: 'cookies.marketing', granted: false } });
	if (b.status === 201) log.add({ op: 'consent', id: subject, seq: b.json.seq });
	return [a, b];
}

async function until(what, fn, ms) {
	const end = Date.now() + ms;
	for (;;) {
		if (await fn()) return;
		if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
		await sleep(200);
	}
}

/** Registers a person (acknowledged, logged) with cookies.analytics granted; resolves to its id. */
async function seed(srv, log) {
	const body = newPerson({ consents: { processing: true, third_party_transfer: false, cookies: ['analytics'] } });
	const r = await request(srv.url, 'POST', '/v1/subjects', { key: srv.keys.app, json: body });
	if (r.status !== 201) throw new Error(`seeding: ${r.status} ${r.text}`);
	log.add({ op: 'register', id: r.json.id, name: body.name, email: r.json.email, phone: r.json.phone });
	return r.json.id;
}

/** During a fault: reads answer, the consent check from memory still says what was acknowledged; a read that
 *  must be audited is either served with its audit entry or refused with 503, never served without it. */
async function readsGoOn(srv, id, problems, where) {
	const c = await request(srv.url, 'GET', `/v1/subjects/${id}/consents/cookies.analytics`, { key: srv.keys.app });
	if (c.status !== 200 || c.json.granted !== true) problems.push(`${where}: the consent check answered ${c.status}`);
	const b = await request(srv.url, 'POST', '/v1/consent-checks',
		{ key: srv.keys.app, json: { checks: [{ subject_id: id, purpose: 'cookies.analytics' }] } });
	if (b.status !== 200 || b.json.results?.[0]?.granted !== true) {
		problems.push(`${where}: the batch check answered ${b.status} ${b.text.slice(0, 200)}`);
	}
	// Reading a person's data or consent history is audited (subject.read, consent.read): without a durable
	// audit entry it is refused as well.
	for (const p of [`/v1/subjects/${id}`, `/v1/subjects/${id}/consents`]) {
		const s = await request(srv.url, 'GET', p, { key: srv.keys.operator });
		if (s.status !== 200 && !isProblem503(s)) problems.push(`${where}: GET ${p} answered ${s.status}`);
	}
}

/** The end of a part: SIGKILL, restart without the fault, every acknowledged write read back, the stores checked. */
async function settle(name, inst, srv, log, problems, rows) {
	if (srv.exit) problems.push(`${name}: privd exited during the fault: ${JSON.stringify(srv.exit)}`);
	const again = await killAndRestart(srv, inst);
	const v = await verify(again.url, again.keys, log);
	const e = await again.stop();
	if (e.code !== 0) problems.push(`${name}: privd exited ${e.code} on SIGTERM`);
	problems.push(...(await storeChecks(inst)));
	console.log(`torture faults, ${name}:`);
	for (const [k, val] of Object.entries({ ...rows, 'writes acknowledged': log.count, 'writes lost': v.lost.length,
		'requests found half-done': v.halfDone.length, 'problems': problems.length })) {
		console.log(`  ${k.padEnd(30)} ${val}`);
	}
	for (const l of [...v.lost, ...v.halfDone, ...problems].slice(0, 20)) console.log(`  FAIL ${l}`);
	return v.lost.length === 0 && v.halfDone.length === 0 && problems.length === 0;
}

async function fsyncFault(dir) {
	if (!existsSync(SHIM)) {
		console.log(`torture faults, failing fsync: FAILED: the shim ${SHIM} is not built (make build)`);
		return false;
	}
	const log = new AckLog(path.join(dir, 'acked-fsync.jsonl'));
	const inst = await initInstance({ engine: 'sqlite' });
	// the switch in the data directory: the shim runs inside privd's sandbox, which reads nothing outside it
	const sw = path.join(inst.dataDir, 'fsync-fails');
	const srv = await serve(inst, { env: { LD_PRELOAD: SHIM, PRIVD_FSYNC_FAULT: sw } });
	await srv.createRoleKeys();
	const problems = [];
	const id = await seed(srv, log);
	for (let i = 0; i < 5; i++) await writePair(srv, log, id);
	const before = log.count;
	writeFileSync(sw, '');
	let refused = 0;
	for (let i = 0; i < 20; i++) {
		for (const r of await writePair(srv, log, id)) {
			if (isProblem503(r)) refused += 1;
			else problems.push(`a write while fsync failed answered ${r.status}`);
		}
		// a revocation refused must not show: the check from memory still says granted
		const rv = await request(srv.url, 'POST', `/v1/subjects/${id}/consents`,
			{ key: srv.keys.app, json: { purpose: 'cookies.analytics', granted: false } });
		if (!isProblem503(rv)) problems.push(`a revocation while fsync failed answered ${rv.status}`);
		await readsGoOn(srv, id, problems, 'fsync failing');
	}
	const met = statSync(sw).size;
	if (met === 0) problems.push('the shim never failed an fsync');
	if (log.count !== before) problems.push(`${log.count - before} writes acknowledged while fsync failed`);
	rmSync(sw);
	await until('a write is taken again', async () => (await writePair(srv, log, id))[0].status === 201, 30_000);
	await readsGoOn(srv, id, problems, 'after the fault');
	const g = await request(srv.url, 'POST', `/v1/subjects/${id}/consents`, { key: srv.keys.app, json: grant('cookies.preferences') });
	if (g.status !== 201) problems.push(`a consent after the fault answered ${g.status}`);
	else log.add({ op: 'consent', id, seq: g.json.seq });
	// the rule of docs/torture.md: a failed COMMIT poisons the writer's connections, opened again before the next
	for (const ev of ['writer.poisoned', 'writer.reopened']) {
		if (!srv.log.includes(`"event":"${ev}"`)) problems.push(`privd did not log ${ev}`);
	}
	const ok = await settle('failing fsync', inst, srv, log, problems,
		{ 'fsync failures met': met, 'writes refused with 503': refused });
	if (ok) await removeInstance(inst);
	return ok;
}

/** Fills the file system holding file up to ENOSPC; resolves to the bytes written. */
function fill(file) {
	const fd = openSync(file, 'w');
	let n = 0;
	try {
		for (const size of [1 << 20, 4096, 512]) {
			const buf = Buffer.alloc(size, 0x5a);
			for (;;) {
				try { n += writeSync(fd, buf); } catch (e) {
					if (e.code === 'ENOSPC') break;
					throw e;
				}
			}
		}
	} finally {
		closeSync(fd);
	}
	return n;
}

async function fullDisk(dir) {
	if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
		console.log('torture faults, full disk: SKIPPED: mounting a small tmpfs needs root, and this is not root');
		return true;
	}
	const mnt = path.join(dir, 'small');
	await run('mkdir', ['-p', mnt]);
	const m = await run('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0755', 'tmpfs', mnt]);
	if (m.code !== 0) {
		console.log(`torture faults, full disk: SKIPPED: cannot mount a tmpfs (${m.stderr.trim()})`);
		return true;
	}
	const tmp = process.env.TMPDIR;
	let inst;
	try {
		process.env.TMPDIR = mnt; // initInstance makes its directory in os.tmpdir()
		inst = await initInstance({ engine: 'sqlite' });
	} finally {
		if (tmp === undefined) delete process.env.TMPDIR;
		else process.env.TMPDIR = tmp;
	}
	try {
		const log = new AckLog(path.join(dir, 'acked-full.jsonl'));
		const srv = await serve(inst);
		await srv.createRoleKeys();
		const problems = [];
		const id = await seed(srv, log);
		for (let i = 0; i < 5; i++) await writePair(srv, log, id);
		const filler = path.join(mnt, 'filler');
		const filled = fill(filler);
		let refused = 0;
		let acked = 0;
		let run503 = 0;
		for (let i = 0; i < 400 && run503 < 20; i++) {
			for (const r of await writePair(srv, log, id)) {
				if (isProblem503(r)) {
					refused += 1;
					run503 += 1;
				} else if (r.status === 201) {
					acked += 1;
					run503 = 0;
				} else problems.push(`a write on a full disk answered ${r.status}`);
			}
			await readsGoOn(srv, id, problems, 'disk full');
		}
		if (refused === 0) problems.push('no write was refused on the full disk');
		rmSync(filler);
		await until('a write is taken again', async () => (await writePair(srv, log, id))[0].status === 201, 30_000);
		await readsGoOn(srv, id, problems, 'after the disk had room again');
		const ok = await settle('full disk', inst, srv, log, problems, { 'filler bytes': filled,
			'writes refused with 503': refused, 'writes acknowledged while full': acked });
		return ok;
	} finally {
		await rm(inst.root, { recursive: true, force: true });
		await run('umount', [mnt]);
	}
}

export async function faults() {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'privd-faults-'));
	try {
		const a = await fsyncFault(dir);
		const b = await fullDisk(dir);
		return a && b;
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

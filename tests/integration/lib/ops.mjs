// SPDX-License-Identifier: AGPL-3.0-or-later
// Helpers for the operations suites (master keys, backups): the privd keys / backup / restore commands, a load of
// registrations, consent checks and reads kept up while they run, and where master key files and their bytes are.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { assertJson, newPerson, privd, serve, sleep } from './privd.mjs';

/** `privd keys SUB --data-dir DIR [--database URL] [args]`; resolves to the run's { code, stdout, stderr }. */
export function keys(inst, sub, args = []) {
	const argv = ['keys', sub, '--data-dir', inst.dataDir, ...args];
	if (inst.dbUrl) argv.push('--database', inst.dbUrl);
	return privd(argv, { timeout: 240_000 });
}

/** `privd keys status` parsed: [{ kid, state, keys, here }]. */
export async function keyStatus(inst) {
	const r = await keys(inst, 'status');
	assert.equal(r.code, 0, `privd keys status: ${r.stderr}`);
	const lines = r.stdout.trim().split('\n');
	assert.match(lines[0], /^KID\s+STATE\s+KEYS\s+HERE\s+CREATED\s+RETIRED$/);
	return lines.slice(1).map((l) => {
		const [kid, state, n, here] = l.split(/\s+/);
		return { kid, state, keys: Number(n), here: here === 'yes' };
	});
}

/** `privd backup --data-dir DIR --to TO`; asserts exit 0 and resolves to { stamp, stdout }. */
export async function backup(inst, to, { env } = {}) {
	const argv = ['backup', '--data-dir', inst.dataDir, '--to', to];
	if (inst.dbUrl) argv.push('--database', inst.dbUrl);
	const r = await privd(argv, { timeout: 240_000, env });
	assert.equal(r.code, 0, `privd backup: ${r.stdout}\n${r.stderr}`);
	const m = /^backup (\S+) taken/m.exec(r.stdout);
	assert.ok(m, `privd backup names the sets: ${r.stdout}`);
	return { stamp: m[1], stdout: r.stdout };
}

/** `privd restore --from FROM --data-dir DIR [--database URL] [--keys DIR] [--at SET]`; resolves to the run. */
export function restore(from, dataDir, { dbUrl, keysDir, at } = {}) {
	const argv = ['restore', '--from', from, '--data-dir', dataDir];
	if (dbUrl) argv.push('--database', dbUrl);
	if (keysDir) argv.push('--keys', keysDir);
	if (at) argv.push('--at', at);
	return privd(argv, { timeout: 240_000 });
}

/** The names of the master key files in dir (master.key, master.key.<kid>). */
export async function keyFiles(dir) {
	let names = [];
	try { names = await readdir(dir); } catch { return []; }
	return names.filter((n) => /^master\.key(\.[0-9a-f]{16})?$/.test(n)).sort();
}

/** The bytes of every master key file in dir, by name. */
export async function keyBytes(dir) {
	const out = {};
	for (const n of await keyFiles(dir)) out[n] = await readFile(path.join(dir, n));
	return out;
}

/** A file's bytes, or none when it went between the listing and the read (privd writes some files, such as
 *  audit.anchor, to a temporary name and renames it). */
async function readIfThere(p) {
	try {
		return await readFile(p);
	} catch (e) {
		if (e.code === 'ENOENT') return Buffer.alloc(0);
		throw e;
	}
}

/** Files under dir (recursively) whose bytes contain needle, a Buffer (a master key, say). */
export async function filesHolding(dir, needle) {
	const hits = [];
	let entries = [];
	try { entries = await readdir(dir, { withFileTypes: true }); } catch { return hits; }
	for (const e of entries) {
		const p = path.join(dir, e.name);
		if (e.isDirectory()) hits.push(...(await filesHolding(p, needle)));
		else if (e.isFile() && (await readIfThere(p)).indexOf(needle) >= 0) hits.push(p);
	}
	return hits;
}

/** Serves a restored data directory (and database) with the keys of srv; resolves to the server. */
export async function serveRestored(srv, dataDir, dbUrl) {
	const r = await serve({ ...srv.inst, dataDir, dbUrl: dbUrl || null });
	r.keys = { ...srv.keys };
	return r;
}

/**
 * Keeps srv busy until stop() is called: `workers` loops, each registering a person, checking a consent of someone
 * registered and reading someone back (their name must be theirs), one after the other. Every answer that is not
 * the expected status is a failure. stop() resolves to { ops, failures, people } (people: [{ id, name }], all
 * registered during the load). At most maxOps operations per worker, so the load is bounded whatever happens.
 */
export function startLoad(srv, { workers = 3, maxOps = 3000, people = [] } = {}) {
	let stopping = false;
	const failures = [];
	const mine = [];
	let ops = 0;
	const pick = () => {
		const all = people.concat(mine);
		return all.length ? all[Math.floor(Math.random() * all.length)] : null;
	};
	const step = async (what, p, expect) => {
		let r;
		try {
			r = await p;
		} catch (e) {
			failures.push(`${what}: ${e.message}`);
			return null;
		}
		ops += 1;
		if (r.status !== expect) failures.push(`${what}: ${r.status} ${r.text.slice(0, 200)}`);
		return r;
	};
	const loop = async () => {
		for (let i = 0; i < maxOps && !stopping; i++) {
			const p = newPerson();
			const r = await step('register', srv.register(p), 201);
			if (r?.status === 201) mine.push({ id: r.json.id, name: p.name });
			const a = pick();
			if (!a) continue;
			await step('consent check', srv.req('GET', `/v1/subjects/${a.id}/consents/processing`, { as: 'app' }), 200);
			const b = pick();
			const g = await step('read', srv.req('GET', `/v1/subjects/${b.id}`, { as: 'app' }), 200);
			if (g?.status === 200 && g.json?.name !== b.name) failures.push(`read ${b.id}: another name`);
		}
	};
	const running = Array.from({ length: workers }, loop);
	return {
		get ops() { return ops; },
		/** The people registered so far (a copy). */
		get people() { return mine.slice(); },
		async stop() {
			stopping = true;
			await Promise.all(running);
			return { ops, failures, people: mine };
		},
	};
}

/** The name of a backup set taken at ms (what privd backup names its directories). */
export function stampOf(ms) {
	return new Date(ms).toISOString().replace(/:/g, '-');
}

/** The time a set's name stands for. */
export function timeOfStamp(stamp) {
	return Date.parse(stamp.replace(/T(\d\d)-(\d\d)-/, 'T$1:$2:'));
}

/** Waits until fn() is truthy, at most ms; resolves to its last value. */
export async function waitFor(fn, { ms = 15_000, every = 100 } = {}) {
	const end = Date.now() + ms;
	let v;
	while (!(v = await fn()) && Date.now() < end) await sleep(every);
	return v;
}

/** Reads every person back from srv, asserting each is there with their name. */
export async function assertReadBack(srv, people, what) {
	for (const p of people) {
		const s = assertJson(await srv.req('GET', `/v1/subjects/${p.id}`, { as: 'app' }), 200);
		assert.equal(s.name, p.name, `${what}: ${p.id} reads back with its name`);
	}
}

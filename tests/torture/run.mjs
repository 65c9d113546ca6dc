// SPDX-License-Identifier: AGPL-3.0-or-later
// The crash-safety campaigns (docs/torture.md), one per call:
//
//   node tests/torture/run.mjs crash   --engine sqlite|postgres --cycles N   privd SIGKILLed N times under load
//   node tests/torture/run.mjs pgkill  --cycles N       the PostgreSQL server killed N times under load
//   node tests/torture/run.mjs faults                   a full disk and failing fsync (SQLite; tests/torture/faults.mjs)
//
// Environment: PRIVD_BIN, PRIVD_TEST_PG_URL (a server started with PRIVD_PG_DURABLE=1) and, for pgkill,
// PRIVD_TORTURE_PG_DIR (its directory, to crash and restart it with scripts/pg-test.sh), PRIVD_FSYNC_SHIM (faults).
// Prints a summary and exits 0 when no acknowledged write was lost, nothing was half-done and every store check
// passed; 1 otherwise. Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { newPerson, removeInstance, request, ROOT, run, sleep } from '../integration/lib/privd.mjs';
import { AckLog, verify, Workload } from './workload.mjs';
import { killAndRestart, startInstance, storeChecks } from './checks.mjs';
import { faults } from './faults.mjs';

const { positionals, values: opt } = parseArgs({
	allowPositionals: true,
	options: {
		engine: { type: 'string', default: 'sqlite' },
		cycles: { type: 'string', default: '30' },
		'mean-ms': { type: 'string', default: '300' },
		workers: { type: 'string', default: '4' },
	},
});
const campaign = positionals[0];
const cycles = Number(opt.cycles);
const meanMs = Number(opt['mean-ms']);

function summary(name, rows) {
	console.log(`torture ${name}:`);
	for (const [k, v] of Object.entries(rows)) console.log(`  ${k.padEnd(26)} ${v}`);
}

/** The end of a campaign: the load stopped, every acknowledged write read back, privd stopped, the stores checked. */
async function finish(name, { inst, srv, wl, log, extra = {}, problems = [] }) {
	await wl.stop();
	const v = await verify(srv.url, srv.keys, log);
	const e = await srv.stop();
	if (e.code !== 0) problems.push(`privd exited ${e.code} (signal ${e.signal}) on SIGTERM`);
	problems.push(...(await storeChecks(inst)));
	const done = (type) => log.read().filter((r) => r.op === 'request' && r.type === type && r.status === 'completed').length;
	const errors5xx = Object.entries(wl.stats.statuses).filter(([s]) => Number(s) >= 500)
		.reduce((a, [, n]) => a + n, 0);
	if (errors5xx) problems.push(`${errors5xx} answers 5xx other than 503: ${JSON.stringify(wl.stats.statuses)}`);
	summary(name, {
		engine: inst.engine, ...extra, 'requests sent': wl.stats.sent, 'writes acknowledged': log.count,
		'people registered': v.people, 'erasures executed': done('erase'), 'rectifications executed': done('rectify'),
		'answers refused (503)': wl.stats.refused,
		'answers never received': wl.stats.unknown, 'writes lost': v.lost.length,
		'requests found half-done': v.halfDone.length, 'store checks failed': problems.length,
		'other statuses': JSON.stringify(wl.stats.statuses),
	});
	for (const l of [...v.lost, ...v.halfDone, ...problems].slice(0, 40)) console.log(`  FAIL ${l}`);
	const ok = v.lost.length === 0 && v.halfDone.length === 0 && problems.length === 0 && log.count > 0;
	if (ok) await removeInstance(inst);
	else console.log(`  data kept in ${inst.root}`);
	return ok;
}

/** Resolves to true as soon as the workload sends an execution, false after ms without one. */
async function executionSent(wl, ms) {
	let timer;
	const hit = await Promise.race([
		new Promise((resolve) => { wl.onExecute = () => resolve(true); }),
		new Promise((resolve) => { timer = setTimeout(() => resolve(false), ms); }),
	]);
	clearTimeout(timer);
	wl.onExecute = null;
	return hit;
}

async function crash(engine) {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'privd-torture-'));
	const log = new AckLog(path.join(dir, `acked-${engine}.jsonl`));
	let { inst, srv } = await startInstance(engine);
	const target = { url: srv.url };
	const wl = new Workload({ target, keys: srv.keys, log, workers: Number(opt.workers) });
	wl.start();
	const t0 = Date.now();
	let aimed = 0;
	for (let c = 0; c < cycles; c++) {
		if (c % 2 === 1 && await executionSent(wl, 4 * meanMs)) {
			aimed += 1;
			await sleep(randomInt(15)); // while privd carries out the erasure or the rectification
		} else await sleep(randomInt(Math.max(2 * meanMs, 2)));
		target.url = null;
		srv = await killAndRestart(srv, inst);
		target.url = srv.url;
		if ((c + 1) % 100 === 0) console.log(`  ${engine}: ${c + 1} kills, ${log.count} writes acknowledged`);
	}
	await sleep(meanMs);
	const ok = await finish(`crash (${engine})`, { inst, srv, wl, log,
		extra: { 'kill cycles': cycles, 'kills aimed at executions': aimed, seconds: Math.round((Date.now() - t0) / 1000) } });
	await rm(dir, { recursive: true, force: true });
	return ok;
}

async function until(what, fn, ms) {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn().catch(() => false);
		if (v) return v;
		if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
		await sleep(100);
	}
}

/** The PostgreSQL server killed mid-load: not ready, writes 503 problem+json, back by itself. */
async function pgkill() {
	const pgDir = process.env.PRIVD_TORTURE_PG_DIR;
	if (!pgDir) throw new Error('pgkill needs PRIVD_TORTURE_PG_DIR (scripts/test-torture.sh sets it)');
	const pg = (cmd) => run(path.join(ROOT, 'scripts/pg-test.sh'), [cmd, pgDir], { timeout: 120_000 });
	const dir = await mkdtemp(path.join(os.tmpdir(), 'privd-torture-'));
	const log = new AckLog(path.join(dir, 'acked-pgkill.jsonl'));
	const { inst, srv } = await startInstance('postgres');
	const target = { url: srv.url };
	const wl = new Workload({ target, keys: srv.keys, log, workers: Number(opt.workers) });
	const problems = [];
	let refusedWrites = 0;
	wl.start();
	for (let c = 0; c < cycles; c++) {
		await sleep(200 + randomInt(2 * meanMs));
		const k = await pg('crash');
		if (k.code !== 0) throw new Error(`cannot crash PostgreSQL: ${k.stderr}`);
		await until('/readyz is not 200', async () => (await request(srv.url, 'GET', '/readyz')).status !== 200, 30_000);
		const w = await until('a write is refused', async () => {
			const r = await request(srv.url, 'POST', '/v1/subjects', { key: srv.keys.app, json: newPerson() });
			if (r.status === 201) problems.push('a registration was acknowledged while PostgreSQL was down');
			return r.status >= 500 ? r : false;
		}, 30_000);
		const ct = w.headers.get('content-type') || '';
		if (w.status !== 503 || !ct.startsWith('application/problem+json')) {
			problems.push(`a write while PostgreSQL was down answered ${w.status} ${ct}`);
		} else refusedWrites += 1;
		await sleep(randomInt(1000));
		const s = await pg('restart');
		if (s.code !== 0) throw new Error(`cannot restart PostgreSQL: ${s.stderr}`);
		await until('/readyz is 200 again', async () => (await request(srv.url, 'GET', '/readyz')).status === 200, 60_000);
		await until('a write is taken again', async () => (await request(srv.url, 'POST', '/v1/subjects',
			{ key: srv.keys.app, json: newPerson() })).status === 201, 60_000);
		if (srv.exit) throw new Error(`privd exited while PostgreSQL was down: ${JSON.stringify(srv.exit)}`);
	}
	await sleep(meanMs);
	const ok = await finish('pgkill (postgres)', { inst, srv, wl, log, problems,
		extra: { 'server kills': cycles, 'writes refused with 503': refusedWrites, 'privd restarts': 0 } });
	await rm(dir, { recursive: true, force: true });
	return ok;
}

let ok;
if (campaign === 'crash') ok = await crash(opt.engine);
else if (campaign === 'pgkill') ok = await pgkill();
else if (campaign === 'faults') ok = await faults();
else {
	console.error('usage: node tests/torture/run.mjs crash|pgkill|faults [--engine E] [--cycles N] [--mean-ms MS]');
	process.exit(2);
}
console.log(`torture ${campaign}: ${ok ? 'passed' : 'FAILED'}`);
process.exit(ok ? 0 : 1);

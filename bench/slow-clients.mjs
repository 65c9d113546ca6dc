#!/usr/bin/env node
// SPDX-License-Identifier: AGPL-3.0-or-later
// bench/slow-clients.mjs - the slow and greedy clients figure, called by `make bench-slow`.
//
// Usage: node bench/slow-clients.mjs BINARY   (the make target raises the open-file limit first)
//
// One privd on SQLite with its default limits, and in one run:
//   1. baseline  the consent check (GET /v1/subjects/{id}/consents/processing, app key, keep-alive) driven by wrk,
//                as bench/run.sh drives it: req/s, p99, errors;
//   2. attack    BENCH_SLOW_CLIENTS (2,000) slow clients (tests/abuse/slow.mjs: slowloris, slow POST, idle
//                keep-alive, stalled 10 MiB uploads, from 20 loopback addresses, reopened as they are cut), and
//                the same wrk run while they hold on: p99 against the baseline (target: at most 2x) and no
//                legitimate request refused (target: 0 errors, 0 non-2xx);
//   3. memory    privd's VmRSS before, at its highest during the attack (sampled twice a second) and after it
//                (target: the highest at most [server] body_memory (256 MiB) above the start).
// The summary (with the connections privd closed during the attack, by cause: privd_http_connections_closed_total)
// is printed and written to bench/results/slow-clients.txt. Exit status: 0 when every target is met,
// 1 when one is missed, 2 when the harness itself could not run.
//
// Knobs (environment): BENCH_SLOW_CLIENTS (2000), BENCH_SLOW_EVERY_MS (ms between two bytes a slow client
// trickles, 1000), BENCH_SLOW_ROUNDS (wrk runs alone and under the attack, each figure their median: 3),
// BENCH_SLOW_KINDS (a comma-separated choice of slowloris, slowpost, idle, stalled; all four), BENCH_DURATION
// (seconds per wrk run, 10), BENCH_CONNECTIONS (64), BENCH_THREADS (2), BENCH_SLOW_LOG (a file to write privd's
// log to).
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const bin = process.argv[2];
if (!bin) {
	console.error('usage: node bench/slow-clients.mjs BINARY');
	process.exit(2);
}
process.env.PRIVD_BIN = path.resolve(bin);
const { initInstance, serve, newPerson, removeInstance } = await import('../tests/integration/lib/privd.mjs');
const { fileRequest } = await import('../tests/integration/lib/requests.mjs');
const { slowClients, rssKiB } = await import('../tests/abuse/slow.mjs');

const CLIENTS = Number(env.BENCH_SLOW_CLIENTS || 2000);
const EVERY = Number(env.BENCH_SLOW_EVERY_MS || 1000);
const DURATION = Number(env.BENCH_DURATION || 10);
const CONNS = Number(env.BENCH_CONNECTIONS || 64);
const THREADS = Number(env.BENCH_THREADS || 2);
const ROUNDS = Number(env.BENCH_SLOW_ROUNDS || 3);
const KINDS = env.BENCH_SLOW_KINDS ? env.BENCH_SLOW_KINDS.split(',') : undefined;
const BODY_MEMORY_MIB = 256;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function wrk(url, key) {
	return new Promise((resolve, reject) => {
		execFile('wrk', [`-t${THREADS}`, `-c${CONNS}`, `-d${DURATION}s`, '--latency', '-H', `Authorization: Bearer ${key}`,
			'-s', path.join(here, 'report.lua'), url], { timeout: (DURATION + 60) * 1000 }, (err, stdout, stderr) => {
			const line = /^BENCH (.*)$/m.exec(stdout);
			if (!line) return reject(new Error(`wrk printed no figures: ${err?.message || ''}\n${stdout}${stderr}`));
			const f = Object.fromEntries(line[1].split(' ').map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
			f.rps = f.requests / (f.duration_us / 1e6);
			f.errors = f.connect + f.read + f.write + f.timeout;
			f.p99 = f.p99_us / 1000;
			resolve(f);
		});
	});
}

/** The run of median p99 among wrk runs (all of them printed). */
async function medianRun(url, key, label) {
	const runs = [];
	for (let i = 0; i < ROUNDS; i++) {
		const f = await wrk(url, key);
		console.log(`    ${label} ${i + 1}/${ROUNDS}: ${fmt(f.rps)} req/s, p99 ${fmt(f.p99, 2)} ms, non-2xx ${f.non2xx}, ` +
			`errors ${f.errors} (connect ${f.connect}, read ${f.read}, write ${f.write}, timeout ${f.timeout})`);
		runs.push(f);
	}
	const sorted = [...runs].sort((a, b) => a.p99 - b.p99);
	const med = { ...sorted[Math.floor(sorted.length / 2)] };
	med.errors = runs.reduce((n, f) => n + f.errors, 0);
	med.non2xx = runs.reduce((n, f) => n + f.non2xx, 0);
	med.requests = runs.reduce((n, f) => n + f.requests, 0);
	med.timeouts = runs.reduce((n, f) => n + f.timeout, 0);
	med.all = runs.map((f) => fmt(f.p99, 2)).join(', ');
	return med;
}

/** privd_http_connections_closed_total by reason ({} from a privd without it). */
async function closedByCause(srv) {
	const r = await srv.req('GET', '/metrics');
	const out = {};
	for (const m of r.text.matchAll(/^privd_http_connections_closed_total\{reason="(\w+)"\} (\d+)$/gm)) out[m[1]] = Number(m[2]);
	return out;
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const mib = (kib) => kib / 1024;

let inst;
let srv;
try {
	inst = await initInstance({ engine: 'sqlite' });
	srv = await serve(inst);
	await srv.createRoleKeys();
	const subject = await srv.registerOk(newPerson());
	const request = await fileRequest(srv, subject.id, 'access');
	const url = `${srv.url}/v1/subjects/${subject.id}/consents/processing`;
	const limits = /"event":"http.limits"[^\n]*/.exec(srv.stderr)?.[0] || '(no http.limits line)';
	console.log(`privd (pid ${srv.proc.pid}) on ${srv.url}; ${os.cpus().length} cores; limits: ${limits}`);
	console.log(`wrk -t${THREADS} -c${CONNS} -d${DURATION}s on the consent check; ${CLIENTS} slow clients, a byte every ${EVERY} ms`);

	await wrk(url, srv.keys.app).catch(() => null); // warm-up
	const rssBefore = await rssKiB(srv.proc.pid);
	console.log('1/3 baseline');
	const base = await medianRun(url, srv.keys.app, 'alone');

	console.log(`2/3 under ${CLIENTS} slow clients`);
	const closedBefore = await closedByCause(srv);
	const attack = slowClients(srv.port, CLIENTS, { subjectId: subject.id, requestId: request.id, appKey: srv.keys.app },
		{ every: EVERY, kinds: KINDS });
	for (let i = 0; i < 100 && attack.stats.open < CLIENTS * 0.95; i++) await sleep(100);
	const openAtStart = attack.stats.open;
	let rssMax = 0;
	let sampling = true;
	const sampler = (async () => {
		while (sampling) {
			rssMax = Math.max(rssMax, await rssKiB(srv.proc.pid));
			await sleep(500);
		}
	})();
	const under = await medianRun(url, srv.keys.app, 'under the attack');
	sampling = false;
	await sampler;
	const openAtEnd = attack.stats.open;
	const closedAfter = await closedByCause(srv);
	const closed = Object.entries(closedAfter).filter(([k, v]) => v - (closedBefore[k] || 0) > 0)
		.map(([k, v]) => `${k} ${fmt(v - (closedBefore[k] || 0))}`).join(', ') || '(not counted by this privd)';
	const st = await attack.stop();
	console.log(`    slow clients open ${openAtStart} at the start, ${openAtEnd} at the end, ${st.opened} opened in all`);
	console.log(`    cut by privd: ${JSON.stringify(st.cut)}, after at most ${JSON.stringify(st.cutMaxMs)} ms; ` +
		`answers they got: ${JSON.stringify(st.answers)}; refused at connect: ${st.refused}`);

	console.log('3/3 after');
	await sleep(3000);
	const rssAfter = await rssKiB(srv.proc.pid);
	const alive = srv.exit === null;

	const ratio = under.p99 / base.p99;
	const rows = [];
	let failed = !alive;
	const row = (name, value, target, ok) => {
		rows.push(`${name.padEnd(40)} ${value.padStart(24)} ${target.padStart(16)}  ${ok === null ? '-' : ok ? 'PASS' : 'FAIL'}`);
		if (ok === false) failed = true;
	};
	row('consent check, baseline', `${fmt(base.rps)} req/s`, '-', null);
	row('consent check p99, baseline (median)', `${fmt(base.p99, 2)} ms`, '-', null);
	row(`consent check, ${CLIENTS} slow clients`, `${fmt(under.rps)} req/s`, '-', null);
	row(`consent check p99, ${CLIENTS} slow clients (median)`, `${fmt(under.p99, 2)} ms (${fmt(ratio, 2)}x)`,
		'<= 2x baseline', ratio <= 2);
	row('p99 of each run, alone | attacked', `${base.all} | ${under.all}`, '-', null);
	row('legitimate requests refused', `${under.errors + under.non2xx} of ${fmt(under.requests)}`, '0',
		under.errors + under.non2xx === 0);
	row('  of which wrk timeouts (no answer in 2 s)', `${under.timeouts}`, '-', null);
	row('connections privd closed, by cause', closed, '-', null);
	row('slow clients held at once', `${openAtStart} / ${openAtEnd}`, '-', null);
	row('VmRSS before / highest / after', `${fmt(mib(rssBefore), 1)} / ${fmt(mib(rssMax), 1)} / ${fmt(mib(rssAfter), 1)} MiB`,
		`<= +${BODY_MEMORY_MIB} MiB`, mib(rssMax - rssBefore) <= BODY_MEMORY_MIB);
	row('privd alive after', alive ? 'yes' : 'no', 'yes', alive);
	const summary = [
		`privd slow clients bench, ${new Date().toISOString()}, ${os.cpus().length} cores, load average ` +
			`${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
		`${'figure'.padEnd(40)} ${'value'.padStart(24)} ${'target'.padStart(16)}`,
		...rows,
	].join('\n');
	console.log(`\n${summary}`);
	await mkdir(path.join(here, 'results'), { recursive: true });
	await writeFile(path.join(here, 'results', 'slow-clients.txt'), `${summary}\n`);
	process.exitCode = failed ? 1 : 0;
} catch (e) {
	console.error(`bench: ${e.stack || e}`);
	if (srv) console.error(srv.stderr.split('\n').slice(-20).join('\n'));
	process.exitCode = 2;
} finally {
	if (srv) await srv.stop();
	if (srv && env.BENCH_SLOW_LOG) await writeFile(env.BENCH_SLOW_LOG, srv.stderr);
	if (inst) await removeInstance(inst);
}

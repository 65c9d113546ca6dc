#!/usr/bin/env node
// SPDX-License-Identifier: AGPL-3.0-or-later
// bench/slow-cost.mjs - what each kind of slow client costs privd, without anything else running against it.
//
// Usage: node bench/slow-cost.mjs BINARY   (raise `ulimit -n` to 4,096 or more first, as `make bench-slow` does)
//
// One privd on SQLite with its default limits, one app key, one person, one rights request awaiting its scan. For
// each kind of tests/abuse/slow.mjs in turn (and all four together), BENCH_SLOW_CLIENTS (2,000) clients of that
// kind from 20 loopback addresses, reopened as privd cuts them; once they are open, BENCH_SLOW_COST_S (10) seconds
// are measured: privd's CPU time (user and system, from /proc/<pid>/stat), the attacker's own CPU time, how often
// the clients were cut and came back, and, with BENCH_SLOW_STRACE=1, the system calls privd made (strace -c -f over
// the same seconds; strace slows privd, so the CPU figures of that run are not comparable).
// Printed as a table; nothing is asserted (exit status 2 only when the harness could not run).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const env = process.env;
const bin = process.argv[2];
if (!bin) {
	console.error('usage: node bench/slow-cost.mjs BINARY');
	process.exit(2);
}
process.env.PRIVD_BIN = path.resolve(bin);
const { initInstance, serve, newPerson, removeInstance } = await import('../tests/integration/lib/privd.mjs');
const { fileRequest } = await import('../tests/integration/lib/requests.mjs');
const { slowClients, KINDS } = await import('../tests/abuse/slow.mjs');

const CLIENTS = Number(env.BENCH_SLOW_CLIENTS || 2000);
const EVERY = Number(env.BENCH_SLOW_EVERY_MS || 1000);
const SECONDS = Number(env.BENCH_SLOW_COST_S || 10);
const STRACE = env.BENCH_SLOW_STRACE === '1';
const TICK = 100; // clock ticks per second of /proc/<pid>/stat (USER_HZ on Linux)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** privd's CPU seconds (user, system) so far. */
async function usage(pid) {
	const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
	return { user: Number(stat[11]) / TICK, sys: Number(stat[12]) / TICK };
}

/** strace -c -f on pid for `seconds`: the five commonest system calls. */
function strace(pid, seconds) {
	return new Promise((resolve) => {
		const p = spawn('strace', ['-c', '-f', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
		let err = '';
		p.stderr.on('data', (d) => { err += d; });
		p.on('close', () => {
			const rows = err.split('\n').filter((l) => /^\s*\d+\.\d+\s/.test(l))
				.map((l) => l.trim().split(/\s+/)).map((c) => ({ calls: Number(c[3]), name: c[c.length - 1] }))
				.sort((a, b) => b.calls - a.calls).slice(0, 5);
			resolve(rows.map((r) => `${r.name} ${Math.round(r.calls / seconds)}/s`).join(', '));
		});
		setTimeout(() => p.kill('SIGINT'), seconds * 1000);
	});
}

let inst;
let srv;
try {
	inst = await initInstance({ engine: 'sqlite' });
	srv = await serve(inst);
	await srv.createRoleKeys();
	const subject = await srv.registerOk(newPerson());
	const request = await fileRequest(srv, subject.id, 'access');
	const target = { subjectId: subject.id, requestId: request.id, appKey: srv.keys.app };
	const pid = srv.proc.pid;
	console.log(`privd (pid ${pid}); ${os.cpus().length} cores; ${CLIENTS} slow clients of each kind, ${SECONDS} s each` +
		`; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
	const rows = [];
	for (const kinds of [...KINDS.map((k) => [k]), KINDS]) {
		const attack = slowClients(srv.port, CLIENTS, target, { every: EVERY, kinds });
		for (let i = 0; i < 100 && attack.stats.open < CLIENTS * 0.95; i++) await sleep(100);
		await sleep(1000);
		const a0 = await usage(pid);
		const c0 = process.cpuUsage();
		const opened0 = attack.stats.opened;
		const calls = STRACE ? strace(pid, SECONDS) : null;
		await sleep(SECONDS * 1000);
		const a1 = await usage(pid);
		const c1 = process.cpuUsage(c0);
		const st = await attack.stop();
		rows.push({
			kind: kinds.length > 1 ? 'all four' : kinds[0],
			privd: `${(((a1.user - a0.user) + (a1.sys - a0.sys)) / SECONDS * 100).toFixed(0)}% ` +
				`(user ${((a1.user - a0.user) / SECONDS * 100).toFixed(0)}%, sys ${((a1.sys - a0.sys) / SECONDS * 100).toFixed(0)}%)`,
			attacker: `${((c1.user + c1.system) / 1e6 / SECONDS * 100).toFixed(0)}%`,
			reopened: `${((st.opened - opened0) / SECONDS).toFixed(0)}/s`,
			answers: JSON.stringify(st.answers),
			calls: calls ? await calls : '',
		});
		await sleep(3000); // the cut connections' lingering ends
	}
	console.log('');
	console.log(`${'kind'.padEnd(10)} ${'privd CPU (of one core)'.padEnd(28)} ${'attacker'.padStart(9)} ` +
		`${'reopened'.padStart(9)}  answers${STRACE ? '; system calls' : ''}`);
	for (const r of rows) {
		console.log(`${r.kind.padEnd(10)} ${r.privd.padEnd(28)} ${r.attacker.padStart(9)} ` +
			`${r.reopened.padStart(9)}  ${r.answers}${r.calls ? `; ${r.calls}` : ''}`);
	}
} catch (e) {
	console.error(`bench: ${e.stack || e}`);
	if (srv) console.error(srv.stderr.split('\n').slice(-20).join('\n'));
	process.exitCode = 2;
} finally {
	if (srv) await srv.stop();
	if (inst) await removeInstance(inst);
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// bench/delivery.mjs - how fast privd queues a fan-out and delivers it to a local SMTP server.
//
// Usage: node bench/delivery.mjs BINARY [SUBJECTS [policy|incident]]   (bench/run.sh calls it; SUBJECTS defaults
// to 20000, the fan-out to policy)
//
// privd init in a temporary directory on SQLite, privd serve with [smtp] url pointing at bench/smtp-sink.mjs (a
// process of its own that accepts and discards), SUBJECTS people registered with an e-mail each, then
// POST /v1/policies with "notify": true (or, with incident, POST /v1/incidents over {"all":true}): one notice to each,
// queued in one transaction. Two figures: the time the
// publish took (the fan-out queued: every address opened, a key made, rows and keys written), and the messages per
// second from the publish's answer to the last message privd recorded as sent (privd_notifications_sent_total), which the
// sink's own count confirms. Prints one JSON line: {"mode","subjects","queue_ms","delivered","seconds","per_second",
// "sink_received","privd_cpu","sink_cpu"} (an incident adds privd's own "privd_prepare_ms" and "privd_write_ms") (the CPU each used while delivering, in cores: what bounds the rate). Exit status 0 when every notice was delivered, 1 otherwise, 2 when it could not run.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.argv[2];
const N = Number(process.argv[3] || process.env.BENCH_DELIVERY_SUBJECTS || 20000);
const MODE = process.argv[4] || 'policy';
if (!bin || !Number.isInteger(N) || N < 1 || !['policy', 'incident'].includes(MODE)) {
	console.error('usage: node bench/delivery.mjs BINARY [SUBJECTS [policy|incident]]');
	process.exit(2);
}

const children = [];
const kill = () => { for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } } };
process.on('exit', kill);

/** Starts a process and resolves to the first JSON line of the stream named by `from` matching `want`. */
function start(cmd, args, env, from, want) {
	const c = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	children.push(c);
	let buf = '';
	return new Promise((resolve, reject) => {
		c[from].setEncoding('utf8');
		c[from].on('data', (d) => {
			buf += d;
			c.output = buf; /* read on after it is ready: an incident's phases (incident.created) */
			for (const line of buf.split('\n')) {
				try { const o = JSON.parse(line); if (want(o)) { resolve({ proc: c, line: o }); return; } } catch { /* not yet */ }
			}
		});
		c.on('exit', (code) => reject(new Error(`${cmd} exited ${code} before it was ready`)));
	});
}

async function req(base, method, p, key, json) {
	const r = await fetch(base + p, {
		method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: json ? JSON.stringify(json) : undefined,
	});
	return { status: r.status, json: /json/.test(r.headers.get('content-type') || '') ? await r.json() : await r.text() };
}

/** CPU seconds a process has used so far (user + system), from /proc; 0 where there is no /proc. */
function cpuSeconds(pid) {
	try {
		const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
		return (Number(f[11]) + Number(f[12])) / 100;
	} catch { return 0; }
}

async function metric(base, name) {
	const t = await (await fetch(`${base}/metrics`)).text();
	const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(t);
	return m ? Number(m[1]) : 0;
}

const root = await mkdtemp(path.join(process.env.BENCH_TMPDIR || os.tmpdir(), 'privd-bench-delivery-'));
let exit = 1;
try {
	const sink = await start(process.execPath, [path.join(here, 'smtp-sink.mjs')], {}, 'stdout', (o) => o.port);
	const data = path.join(root, 'data');
	const init = execFileSync(bin, ['init', '--data-dir', data], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
	const admin = /admin_key=(\S+)/.exec(init)[1];
	const { proc: privdProc, line } = await start(bin, ['serve', '--data-dir', data, '--listen', '127.0.0.1:0'], {
		PRIVD_SMTP_URL: `smtp://127.0.0.1:${sink.line.port}`, PRIVD_SMTP_FROM: 'privacy@bench.example',
	}, 'stderr', (o) => o.event === 'http.listening');
	const base = `http://127.0.0.1:${line.port}`;
	const app = (await req(base, 'POST', '/v1/api-keys', admin, { name: 'bench', role: 'app' })).json.key;
	const run = randomBytes(3).toString('hex');
	for (let i = 0; i < N; i += 64) {
		await Promise.all(Array.from({ length: Math.min(64, N - i) }, async (_, k) => {
			const n = i + k;
			const r = await req(base, 'POST', '/v1/subjects', app, {
				name: 'Иван Петров', email: `bench-d${run}-${n}@example.com`, ip: '192.0.2.1', birth_date: '1990-01-01',
				residence_country: 'RU', policy_version: '1',
				consents: { processing: true, texts: { processing: '1' } },
			});
			if (r.status !== 201) throw new Error(`registration: ${r.status} ${JSON.stringify(r.json)}`);
		}));
	}
	const operator = (await req(base, 'POST', '/v1/api-keys', admin, { name: 'bench operator', role: 'operator' })).json.key;
	const t0 = performance.now();
	const pub = MODE === 'incident'
		? await req(base, 'POST', '/v1/incidents', operator, {
			detected_at: new Date().toISOString(), description: 'A backup of the customer database was readable in a public bucket.',
			data_categories: ['name', 'email'], scope: { all: true },
		})
		: await req(base, 'POST', '/v1/policies', admin, { version: `bench-${run}`, text: '# v', notify: true });
	const queueMs = performance.now() - t0;
	if (pub.status !== 201) throw new Error(`${MODE}: ${pub.status} ${JSON.stringify(pub.json)}`);
	const expected = MODE === 'incident' ? pub.json.affected : pub.json.notified;
	const phases = /"event":"incident\.created".*"prepare_ms":(\d+),"write_ms":(\d+)/.exec(privdProc.output || '');
	const t1 = performance.now();
	const cpu0 = [cpuSeconds(privdProc.pid), cpuSeconds(sink.proc.pid)];
	let sent = 0;
	const deadline = Date.now() + Math.max(120_000, N * 20);
	while (sent < expected && Date.now() < deadline) {
		await new Promise((r) => setTimeout(r, 100));
		sent = await metric(base, 'privd_notifications_sent_total');
	}
	const seconds = (performance.now() - t1) / 1000;
	const cpu = [cpuSeconds(privdProc.pid) - cpu0[0], cpuSeconds(sink.proc.pid) - cpu0[1]];
	sink.proc.kill('SIGTERM');
	const received = await new Promise((resolve) => {
		let out = '';
		sink.proc.stdout.on('data', (d) => { out += d; });
		sink.proc.on('exit', () => resolve(Number(/"received":(\d+)/.exec(out)?.[1] ?? -1)));
	});
	console.log(JSON.stringify({ mode: MODE, subjects: N, queue_ms: Math.round(queueMs), delivered: sent, seconds: Number(seconds.toFixed(2)),
		per_second: Math.round(sent / seconds), sink_received: received,
		...(phases ? { privd_prepare_ms: Number(phases[1]), privd_write_ms: Number(phases[2]) } : {}),
		privd_cpu: Number((cpu[0] / seconds).toFixed(2)), sink_cpu: Number((cpu[1] / seconds).toFixed(2)) }));
	exit = sent === N ? 0 : 1;
} catch (e) {
	console.error(`bench/delivery: ${e.message}`);
	exit = 2;
} finally {
	kill();
	await rm(root, { recursive: true, force: true });
}
process.exit(exit);

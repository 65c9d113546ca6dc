// SPDX-License-Identifier: AGPL-3.0-or-later
// bench/transfers.mjs - how fast privd transfers people's data to a third party under their consent.
//
// Usage: node bench/transfers.mjs BINARY [SUBJECTS]   (bench/run.sh calls it; SUBJECTS defaults to 10000)
//
// privd init in a temporary directory on SQLite and privd serve; SUBJECTS people registered with consent to
// processing and to transfer to third parties; a recipient on loopback (in this process: plain HTTP on 127.0.0.1,
// every delivery opened with its X25519 private key, as a real recipient would) registered with every field
// allowed. Then one POST /v1/transfers of all of them under consent, timed from the request to the moment privd's
// GET /v1/transfers/{id} says every person was delivered: each person checked on their consent, their fields read
// and decrypted, sealed to the recipient's key, posted, and logged in their disclosure log. The recipient's own count
// of people opened confirms it. Prints one JSON line: {"subjects","file_ms","seconds","per_second","delivered",
// "received","deliveries"}. Exit status 0 when everyone arrived, 1 otherwise, 2 when it could not run.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const here = path.dirname(fileURLToPath(import.meta.url));
const { startRecipient } = await import(path.join(here, '../tests/integration/lib/recipient.mjs'));
const bin = process.argv[2];
const N = Number(process.argv[3] || process.env.BENCH_TRANSFER_SUBJECTS || 10000);
if (!bin || !Number.isInteger(N) || N < 1 || N > 10000) {
	console.error('usage: node bench/transfers.mjs BINARY [SUBJECTS (1..10000)]');
	process.exit(2);
}

const children = [];
process.on('exit', () => { for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } } });

/** Starts privd serve and resolves to its process and port once it listens. */
function serve(data) {
	const c = spawn(bin, ['serve', '--data-dir', data, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
	children.push(c);
	let buf = '';
	return new Promise((resolve, reject) => {
		c.stderr.setEncoding('utf8');
		c.stderr.on('data', (d) => {
			buf += d;
			const m = /"event":"http.listening"[^\n]*"port":(\d+)/.exec(buf);
			if (m) resolve({ proc: c, port: Number(m[1]) });
		});
		c.on('exit', (code) => reject(new Error(`privd exited ${code} before it listened`)));
	});
}

async function req(base, method, p, key, json) {
	const r = await fetch(base + p, {
		method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: json ? JSON.stringify(json) : undefined,
	});
	return { status: r.status, json: /json/.test(r.headers.get('content-type') || '') ? await r.json() : await r.text() };
}

const root = await mkdtemp(path.join(process.env.BENCH_TMPDIR || os.tmpdir(), 'privd-bench-transfers-'));
let exit = 1;
let rec;
try {
	rec = await startRecipient();
	const data = path.join(root, 'data');
	const init = execFileSync(bin, ['init', '--data-dir', data], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
	const admin = /admin_key=(\S+)/.exec(init)[1];
	const { port } = await serve(data);
	const base = `http://127.0.0.1:${port}`;
	const app = (await req(base, 'POST', '/v1/api-keys', admin, { name: 'bench', role: 'app' })).json.key;
	const run = randomBytes(3).toString('hex');
	const ids = [];
	for (let i = 0; i < N; i += 64) {
		await Promise.all(Array.from({ length: Math.min(64, N - i) }, async (_, k) => {
			const n = i + k;
			const r = await req(base, 'POST', '/v1/subjects', app, {
				name: 'Иван Петров', email: `bench-t${run}-${n}@example.com`, phone: `+7999${String(n).padStart(7, '0')}`,
				ip: '192.0.2.1', birth_date: '1990-01-01', residence_country: 'RU', policy_version: '1',
				consents: { processing: true, third_party_transfer: true, texts: { processing: '1', third_party_transfer: '1' } },
			});
			if (r.status !== 201) throw new Error(`registration: ${r.status} ${JSON.stringify(r.json)}`);
			ids[n] = r.json.id;
		}));
	}
	const recipient = await req(base, 'POST', '/v1/recipients', admin, {
		name: 'Bench Partner', purpose: 'delivery of orders', country: 'RU', endpoint: rec.url,
		public_key: rec.publicKey, confidentiality_ref: 'NDA-bench', fields_allowed: ['name', 'email', 'phone', 'birth_date'],
	});
	if (recipient.status !== 201) throw new Error(`recipient: ${recipient.status} ${JSON.stringify(recipient.json)}`);
	const t0 = performance.now();
	const filed = await req(base, 'POST', '/v1/transfers', app, {
		recipient_id: recipient.json.id, subject_ids: ids, fields: ['name', 'email', 'phone'], legal_basis: 'consent',
	});
	const fileMs = performance.now() - t0;
	if (filed.status !== 201) throw new Error(`transfer: ${filed.status} ${JSON.stringify(filed.json)}`);
	let t = filed.json;
	const deadline = Date.now() + 300_000;
	while (t.subjects.pending > 0 && Date.now() < deadline) {
		await new Promise((r) => setTimeout(r, 20));
		t = (await req(base, 'GET', `/v1/transfers/${filed.json.id}`, app)).json;
	}
	const seconds = (performance.now() - t0) / 1000;
	const delivered = t.subjects.delivered;
	console.log(JSON.stringify({ subjects: N, file_ms: Math.round(fileMs), seconds: Number(seconds.toFixed(3)),
		per_second: Math.round(delivered / seconds), delivered, received: rec.people.length,
		deliveries: rec.deliveries.length }));
	exit = delivered === N && rec.people.length === N ? 0 : 1;
} catch (e) {
	console.error(`bench/transfers: ${e.message}`);
	exit = 2;
} finally {
	for (const c of children) c.kill('SIGTERM');
	if (rec) await rec.close();
	await rm(root, { recursive: true, force: true });
}
process.exit(exit);

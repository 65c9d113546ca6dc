// SPDX-License-Identifier: AGPL-3.0-or-later
// Slow and greedy clients, as an attacker runs them against an HTTP server: each holds a connection and sends as
// little as it can, for as long as it is let. Four kinds, in equal numbers:
//   slowloris  a request line and headers that never end, one byte at a time;
//   slowpost   whole headers announcing a body under the limit, the body one byte at a time;
//   idle       one whole request answered, then the keep-alive connection left idle;
//   stalled    a document upload announcing 10 MiB − 1 byte, 1 MiB sent at once, then one byte at a time.
// A connection the server closes is opened again (the attacker keeps up the pressure), and the connections are
// spread over many loopback addresses (127.0.1.x), so that the cap per client address is not what stops them.
// Used by the functional test (tests/integration/slow-clients.test.mjs) and the figure (bench/slow-clients.mjs).
import net from 'node:net';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/** The stalled uploads' first megabyte, one buffer written by all of them: a thousand of their own, each held until
 *  its socket ends, kept the client's event loop in garbage collection for seconds. */
const STALLED_BODY = Buffer.alloc(1024 * 1024, 0x20);

export const KINDS = ['slowloris', 'slowpost', 'idle', 'stalled'];

/**
 * Starts `count` slow clients against 127.0.0.1:port. target: { subjectId, requestId, appKey } (the person and
 * request the bodies are about). opts: every (ms between two trickled bytes, 1000), addresses (how many loopback
 * addresses to spread over, 20), reconnect (true), kinds (which of KINDS, in turn; all of them).
 * Returns { stats, stop() }: stats counts connections opened, those the server closed (and after how long, by
 * kind), the answers the server gave them (by status) and the connections it refused; stop() closes every
 * connection and resolves to the stats.
 */
export function slowClients(port, count, target, { every = 1000, addresses = 20, reconnect = true, kinds = KINDS } = {}) {
	const stats = { opened: 0, open: 0, refused: 0, answers: {}, cut: {}, cutMaxMs: {}, cutMinMs: {} };
	const socks = new Set();
	let running = true;
	const auth = `Authorization: Bearer ${target.appKey}\r\n`;
	const heads = {
		slowloris: `GET /v1/subjects/${target.subjectId}/consents/processing HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}`,
		slowpost: `POST /v1/subjects/${target.subjectId}/consents HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}` +
			'Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n{"purpose":"processing","note":"',
		idle: 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
		stalled: `PUT /v1/requests/${target.requestId}/document HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}` +
			`Content-Type: application/pdf\r\nContent-Length: ${10 * 1024 * 1024 - 1}\r\n\r\n%PDF-1.4\n`,
	};
	const open = (kind, i) => {
		if (!running) return;
		const t0 = Date.now();
		const sock = net.connect({ host: '127.0.0.1', port, localAddress: `127.0.1.${1 + (i % addresses)}` });
		let timer = null;
		let got = '';
		let connected = false;
		socks.add(sock);
		sock.on('error', () => {});
		sock.on('data', (d) => {
			got += d.toString('latin1');
			const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
			if (m && got.includes('\r\n\r\n')) {
				stats.answers[m[1]] = (stats.answers[m[1]] || 0) + 1;
				got = '';
			}
		});
		sock.on('connect', () => {
			connected = true;
			stats.opened++;
			stats.open++;
			sock.write(heads[kind]);
			if (kind === 'stalled') sock.write(STALLED_BODY);
			if (kind !== 'idle') {
				timer = setInterval(() => { if (!sock.destroyed) sock.write(kind === 'slowloris' ? 'X' : ' '); }, every);
			}
		});
		sock.on('close', () => {
			clearInterval(timer);
			socks.delete(sock);
			if (!connected) {
				if (running) stats.refused++; // one still connecting when stop() destroys it was not refused
			} else {
				stats.open--;
				if (running) {
					const ms = Date.now() - t0;
					stats.cut[kind] = (stats.cut[kind] || 0) + 1;
					stats.cutMaxMs[kind] = Math.max(stats.cutMaxMs[kind] || 0, ms);
					stats.cutMinMs[kind] = Math.min(stats.cutMinMs[kind] ?? Infinity, ms);
				}
			}
			// a refused upload comes back after a while (not a flood of megabytes), the others at once
			if (running && reconnect) setTimeout(() => open(kind, i), kind === 'stalled' ? 5000 : 100);
		});
	};
	for (let i = 0; i < count; i++) open(kinds[i % kinds.length], i);
	return {
		stats,
		stop: async () => {
			running = false;
			for (const s of socks) s.destroy();
			await new Promise((r) => setTimeout(r, 200));
			return stats;
		},
	};
}

/** A process's resident memory in KiB (VmRSS), or 0 when it is gone. */
export async function rssKiB(pid) {
	const { readFile } = await import('node:fs/promises');
	try {
		const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
		return m ? Number(m[1]) : 0;
	} catch {
		return 0;
	}
}

/**
 * slowClients on a thread of its own, so that its thousand sockets and their megabytes never hold up the caller's
 * event loop: a legitimate client's there, kept waiting for seconds, would see its keep-alive connection cut at the
 * header deadline as if it had gone quiet. Same arguments and result; stats is refreshed every 100 ms and final once
 * stop() resolves.
 */
export function slowClientsApart(port, count, target, opts = {}) {
	const worker = new Worker(new URL(import.meta.url), { workerData: { slowClients: [port, count, target, opts] } });
	const stats = { opened: 0, open: 0, refused: 0, answers: {}, cut: {}, cutMaxMs: {}, cutMinMs: {} };
	let stopped = null;
	const ended = new Promise((resolve, reject) => {
		worker.on('message', (m) => {
			Object.assign(stats, m.stats);
			if (m.stopped) resolve(stats);
		});
		worker.on('error', reject);
		worker.on('exit', (code) => reject(new Error(`the slow clients' thread ended (exit ${code})`)));
	});
	return {
		stats,
		stop: () => {
			if (!stopped) {
				worker.postMessage('stop');
				stopped = ended.finally(() => worker.terminate());
			}
			return stopped;
		},
	};
}

if (!isMainThread && workerData?.slowClients) {
	const attack = slowClients(...workerData.slowClients);
	const tick = setInterval(() => parentPort.postMessage({ stats: attack.stats }), 100);
	parentPort.once('message', async () => {
		clearInterval(tick);
		parentPort.postMessage({ stats: await attack.stop(), stopped: true });
	});
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// The abuse campaign's HTTP client: raw bytes on a fresh TCP connection to 127.0.0.1, because fetch will not send a
// malformed request. It reads the first final answer (1xx interim answers skipped) as its framing says — a length,
// chunks, or up to the close — and times it from the first byte sent to the last byte of that answer.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

/** The end of the first complete answer in `buf` (latin1 text), or -1; fills `out` with status and headers. */
function complete(buf, head, out) {
	let s = buf;
	let base = 0;
	for (;;) {
		const end = s.indexOf('\r\n\r\n');
		if (end < 0) return -1;
		const m = /^HTTP\/\d\.\d (\d{3})/.exec(s);
		if (!m) {
			out.status = 0;
			out.garbage = true;
			return -1;
		}
		const status = Number(m[1]);
		if (status >= 100 && status < 200 && status !== 101) {
			out.interim.push(status);
			s = s.slice(end + 4);
			base += end + 4;
			continue;
		}
		out.status = status;
		out.headers = {};
		for (const line of s.slice(0, end).split('\r\n').slice(1)) {
			const i = line.indexOf(':');
			if (i > 0) out.headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
		}
		const bodyAt = end + 4;
		if (head || status === 204 || status === 304) return base + bodyAt;
		if (/chunked/i.test(out.headers['transfer-encoding'] || '')) {
			let at = bodyAt;
			for (;;) {
				const nl = s.indexOf('\r\n', at);
				if (nl < 0) return -1;
				const size = parseInt(s.slice(at, nl), 16);
				if (!Number.isFinite(size)) return -1;
				if (size === 0) {
					const fin = s.indexOf('\r\n\r\n', nl);
					return fin < 0 ? -1 : base + fin + 4;
				}
				at = nl + 2 + size + 2;
				if (at > s.length) return -1;
			}
		}
		if (out.headers['content-length'] !== undefined) {
			const len = Number(out.headers['content-length']);
			return s.length - bodyAt >= len ? base + bodyAt + len : -1;
		}
		return -1; // read to the close
	}
}

/**
 * Sends `bytes` on a new connection and reads one answer. Resolves (never rejects) to { outcome: 'answer' |
 * 'closed' (closed or reset before a whole answer) | 'timeout', status (0 when none), headers, interim ([1xx]),
 * data (every byte received, Buffer), ms (from the first byte sent to the answer, the close or the timeout), start and
 * end (performance.now() at both ends) }.
 */
export function send(port, bytes, { timeout = 15_000, head = false, localAddress } = {}) {
	return new Promise((resolve) => {
		const chunks = [];
		let size = 0;
		let t0 = 0;
		let done = false;
		const out = { status: 0, headers: {}, interim: [] };
		const sock = net.connect({ host: '127.0.0.1', port, localAddress });
		sock.setNoDelay(true);
		const finish = (outcome) => {
			if (done) return;
			done = true;
			clearInterval(timer);
			const end = performance.now();
			sock.destroy();
			resolve({ outcome, ...out, data: Buffer.concat(chunks, size), ms: t0 ? end - t0 : 0, start: t0 || end, end });
		};
		// the wait counts the client's running time only: a pause of its own (a busy machine, a collection) longer
		// than 200 ms counts as 200 ms, so that an answer left unread meanwhile is not taken for none
		let waited = 0;
		let last = performance.now();
		const timer = setInterval(() => {
			const now = performance.now();
			waited += Math.min(now - last, 200);
			last = now;
			if (waited >= timeout) finish('timeout');
		}, 100);
		sock.on('data', (d) => {
			chunks.push(d);
			size += d.length;
			const text = Buffer.concat(chunks, size).toString('latin1');
			if (complete(text, head, out) >= 0) finish('answer');
		});
		sock.on('error', () => {});
		sock.on('close', () => {
			// an answer without a length ends with the connection
			if (out.status >= 200 && !out.garbage && out.headers['content-length'] === undefined &&
				!/chunked/i.test(out.headers['transfer-encoding'] || '')) finish('answer');
			finish('closed');
		});
		sock.on('connect', () => {
			t0 = performance.now();
			sock.write(bytes);
		});
	});
}

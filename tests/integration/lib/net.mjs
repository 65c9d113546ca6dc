// SPDX-License-Identifier: AGPL-3.0-or-later
// Raw TCP helpers for the tests that need what fetch will not send: malformed framing, NUL bytes, duplicate
// headers, and clients that trickle their bytes. Every connection is to 127.0.0.1 (from any 127.x.y.z address,
// which Linux routes over loopback, so that one test can play many client addresses).
import net from 'node:net';

/**
 * Opens a connection and sends `bytes` (a Buffer or string, or an array of pieces sent `gap` ms apart). Resolves
 * when the server closes the connection or after `timeout` ms, to { data: Buffer, closed: bool, ms: time to close
 * or timeout, error: the socket error if any }. localAddress picks the client address.
 */
export function exchange(port, bytes, { timeout = 10_000, localAddress, gap = 0 } = {}) {
	return new Promise((resolve) => {
		const t0 = Date.now();
		const chunks = [];
		let done = false;
		let error = null;
		const pieces = Array.isArray(bytes) ? bytes : [bytes];
		const sock = net.connect({ host: '127.0.0.1', port, localAddress });
		const finish = (closed) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			sock.destroy();
			resolve({ data: Buffer.concat(chunks), closed, ms: Date.now() - t0, error });
		};
		const timer = setTimeout(() => finish(false), timeout);
		sock.on('data', (d) => chunks.push(d));
		sock.on('error', (e) => { error = e; });
		sock.on('close', () => finish(true));
		sock.on('connect', async () => {
			for (let i = 0; i < pieces.length && !done; i++) {
				if (i > 0 && gap > 0) await new Promise((r) => setTimeout(r, gap));
				if (!done && !sock.destroyed) sock.write(pieces[i]);
			}
		});
	});
}

/** The HTTP responses in raw bytes: [{ status, headers (lower-case names), body }], in order. */
export function responses(data) {
	const out = [];
	let s = data.toString('latin1');
	for (;;) {
		const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(s);
		if (!m) break;
		const end = s.indexOf('\r\n\r\n');
		if (end < 0) break;
		const headers = {};
		for (const line of s.slice(m[0].length, end).split('\r\n')) {
			const i = line.indexOf(':');
			if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
		}
		const len = Number(headers['content-length'] || 0);
		const body = s.slice(end + 4, end + 4 + len);
		out.push({ status: Number(m[1]), headers, body });
		s = s.slice(end + 4 + len);
	}
	return out;
}

/** A request's bytes: method, target, headers (an array of [name, value] kept in order, duplicates allowed), body. */
export function rawRequest(method, target, headers = [], body = '') {
	const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...headers.map(([k, v]) => `${k}: ${v}`)];
	return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'),
		Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1')]);
}

/**
 * A client that sends `text` one byte every `every` ms and never finishes. Resolves (via .closed) when the server
 * closes it, to the ms it stayed open; .stop() ends it from this side.
 */
export function trickle(port, text, { every = 300, localAddress } = {}) {
	const sock = net.connect({ host: '127.0.0.1', port, localAddress });
	const t0 = Date.now();
	let i = 0;
	let timer = null;
	const received = [];
	const closed = new Promise((resolve) => {
		sock.on('close', () => { clearInterval(timer); resolve(Date.now() - t0); });
	});
	sock.on('error', () => {});
	sock.on('data', (d) => received.push(d));
	sock.on('connect', () => {
		timer = setInterval(() => {
			if (i < text.length && !sock.destroyed) sock.write(text[i++]);
		}, every);
	});
	return { closed, received, stop: () => { clearInterval(timer); sock.destroy(); } };
}

/**
 * A keep-alive client: one connection from localAddress (the default address when omitted) sending `request` (the
 * bytes of one request), waiting for its whole answer, and sending it again, until `ms` have passed. Resolves to
 * { sent, statuses: { status: count }, closedEarly: whether the server closed the connection (or it failed) while
 * the client was still using it, error }: a legitimate client sees every request answered on the one connection.
 */
export function keepAlive(port, request, { ms = 5000, localAddress } = {}) {
	return new Promise((resolve) => {
		const t0 = Date.now();
		const statuses = {};
		let sent = 0;
		let buf = '';
		let done = false;
		let error = null;
		const sock = net.connect({ host: '127.0.0.1', port, localAddress });
		const finish = (closedEarly) => {
			if (done) return;
			done = true;
			sock.destroy();
			resolve({ sent, statuses, closedEarly, error });
		};
		const next = () => {
			if (Date.now() - t0 >= ms) return finish(false);
			sent++;
			sock.write(request);
		};
		sock.on('connect', next);
		sock.on('error', (e) => { error = e.code || e.message; });
		sock.on('close', () => finish(true));
		sock.on('data', (d) => {
			buf += d.toString('latin1');
			for (;;) {
				const end = buf.indexOf('\r\n\r\n');
				if (end < 0) return;
				const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf);
				const len = Number(/\r\ncontent-length: *(\d+)/i.exec(buf.slice(0, end + 2))?.[1] ?? 0);
				if (!m || buf.length < end + 4 + len) return;
				statuses[m[1]] = (statuses[m[1]] || 0) + 1;
				buf = buf.slice(end + 4 + len);
				next();
			}
		});
	});
}

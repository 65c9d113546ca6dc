// SPDX-License-Identifier: AGPL-3.0-or-later
// Stand-ins for what privd delivers to, on loopback: a real SMTP server (the npm package smtp-server) that keeps
// every message it accepts, parsed with mailparser as a mail client would, and an HTTP receiver in place of the SMS
// gateway. Both can be told to refuse, to count connections and to be slow, so the tests see privd's retries.
// The signature recipe here is the one docs/operations.md documents.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

/**
 * Starts an SMTP server on 127.0.0.1. opts.onRcpt(address, session) may return an SMTP error to refuse a
 * recipient: { code: 451 | 550, message }. opts.discard: keep only counts and Message-IDs (for large fan-outs).
 * opts.delayMs: wait this long before accepting each message (a slow server, so a fan-out takes a while).
 * opts.tls: { key, cert } (PEM): STARTTLS is offered (plain SMTP otherwise), or with opts.secure the server speaks
 * TLS from the first byte (smtps://). opts.auth: { user, pass }: AUTH is required and only that pair accepted; the
 * attempts are kept in box.logins as { user, secure, ok } (accepted over plain text too, so a client that would
 * send its password in clear is seen doing it).
 * Resolves to { url, port, messages, recipients, connections, logins, close() }: messages are
 * { raw, parsed, to, from, secure } in arrival order.
 */
export async function startSmtp({ onRcpt, discard = false, delayMs = 0, tls, secure = false, auth } = {}) {
	const box = {
		messages: [], recipients: [], messageIds: [], connections: 0, received: 0, refused: 0, parsing: [],
		logins: [],
	};
	const server = new SMTPServer({
		authOptional: !auth,
		allowInsecureAuth: true,
		authMethods: ['PLAIN', 'LOGIN'],
		disabledCommands: tls ? [] : ['STARTTLS'],
		secure: Boolean(tls && secure),
		...(tls ? { key: tls.key, cert: tls.cert } : {}),
		onAuth(a, session, cb) {
			const ok = Boolean(auth) && a.username === auth.user && a.password === auth.pass;
			box.logins.push({ user: a.username, secure: Boolean(session.secure), ok });
			if (!ok) {
				const e = new Error('authentication failed');
				e.responseCode = 535;
				return cb(e);
			}
			return cb(null, { user: a.username });
		},
		logger: false,
		banner: 'privd test server',
		size: 10 * 1024 * 1024,
		onConnect(session, cb) {
			box.connections += 1;
			cb();
		},
		onRcptTo(address, session, cb) {
			const refusal = onRcpt ? onRcpt(address.address, session) : null;
			if (refusal) {
				box.refused += 1;
				const e = new Error(refusal.message || 'refused');
				e.responseCode = refusal.code;
				return cb(e);
			}
			return cb();
		},
		onData(stream, session, cb) {
			const chunks = [];
			stream.on('data', (c) => chunks.push(c));
			stream.on('end', () => {
				const raw = Buffer.concat(chunks);
				const to = session.envelope.rcptTo.map((r) => r.address);
				const from = session.envelope.mailFrom.address; // read now: the next message on the connection resets it
				const tlsOn = Boolean(session.secure);
				const id = /^Message-ID: (<[^>\r\n]+>)/mi.exec(raw.toString('latin1'));
				box.messageIds.push(id ? id[1] : null);
				box.received += 1;
				box.recipients.push(...to);
				if (!discard) {
					const p = simpleParser(raw).then((parsed) => {
						box.messages.push({ raw: raw.toString('utf8'), parsed, to, from, secure: tlsOn });
					});
					box.parsing.push(p);
				}
				if (delayMs > 0) setTimeout(cb, delayMs);
				else cb();
			});
		},
	});
	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	// smtp-server emits a connection's socket errors on the server: a privd killed mid-message (SIGKILL tests)
	// resets its connection, which must not end the test run as an uncaught 'error'
	server.on('error', (e) => { box.errors = (box.errors || 0) + 1; box.lastError = e.code || e.message; });
	const { port } = server.server.address();
	return Object.assign(box, {
		port,
		url: `${tls && secure ? 'smtps' : 'smtp'}://127.0.0.1:${port}`,
		async settled() { await Promise.all(box.parsing); },
		close: () => new Promise((r) => server.close(r)),
	});
}

/**
 * Starts the SMS gateway stand-in on 127.0.0.1. opts.status(json, n) returns the HTTP status to answer (200 by
 * default). Resolves to { url, messages: [{ raw, json, signature, headers }], close() }.
 */
export async function startSmsGateway({ status } = {}) {
	const box = { messages: [], posts: 0 };
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const raw = Buffer.concat(chunks);
			box.posts += 1;
			let json;
			try { json = JSON.parse(raw.toString('utf8')); } catch { json = undefined; }
			const code = status ? status(json, box.posts) : 200;
			if (code >= 200 && code < 300) {
				box.messages.push({ raw, json, signature: req.headers['x-privd-signature'], headers: req.headers });
			}
			res.writeHead(code, { 'content-type': 'application/json' });
			res.end('{}');
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address();
	return Object.assign(box, {
		url: `http://127.0.0.1:${port}/sms`,
		close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
	});
}

/** The documented check of X-Privd-Signature: HMAC-SHA256 of the raw body under the secret, hex, constant time. */
export function verifySignature(rawBody, header, secret) {
	if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
	const expected = createHmac('sha256', secret).update(rawBody).digest('hex');
	const given = header.slice('sha256='.length);
	return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/** Polls fn until it returns a truthy value; fails after ms. */
export async function waitFor(fn, what, { ms = 60_000, every = 100 } = {}) {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v) return v;
		assert.ok(Date.now() < end, `${what}: not within ${ms} ms`);
		await new Promise((r) => setTimeout(r, every));
	}
}

/** The environment that points privd at these stand-ins, with short waits so retries happen within a test. */
export function deliveryEnv({ smtp, sms, secret, extra = {} } = {}) {
	const env = {
		PRIVD_NOTIFY_RETRY_SECONDS: '1',
		PRIVD_NOTIFY_LEASE_SECONDS: '30',
		...extra,
	};
	if (smtp) {
		env.PRIVD_SMTP_URL = smtp.url;
		env.PRIVD_SMTP_FROM = 'privacy@operator.example';
	}
	if (sms) {
		env.PRIVD_SMS_URL = sms.url;
		env.PRIVD_SMS_SECRET = secret;
	}
	return env;
}

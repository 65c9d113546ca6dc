// SPDX-License-Identifier: AGPL-3.0-or-later
// E-mail over TLS and with AUTH, against a real SMTP server (smtp-server) holding a certificate of a CA made for
// the test: STARTTLS on smtp://, TLS from the first byte on smtps://, the password sent only over TLS, the
// server's certificate verified against [smtp] ca_file, and a refused login kept for another attempt rather than
// failing the person's notice. Both engines.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { forEngines, initInstance, newPerson, privd, removeInstance, startPrivd } from './lib/privd.mjs';
import { attach, fileRequest, notifications } from './lib/requests.mjs';
import { deliveryEnv, startSmtp, waitFor } from './lib/mail.mjs';

const run = promisify(execFile);
const USER = 'privd-notices';
const PASS = 'correct horse battery staple';

/** A CA and a server certificate it signed for 127.0.0.1, made with the openssl command; PEM strings and paths. */
async function makeCertificates(dir) {
	const f = (n) => path.join(dir, n);
	await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=privd test CA',
		'-keyout', f('ca.key'), '-out', f('ca.pem')]);
	await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1',
		'-keyout', f('server.key'), '-out', f('server.csr')]);
	await writeFile(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
	await run('openssl', ['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'),
		'-CAcreateserial', '-days', '2', '-extfile', f('ext.cnf'), '-out', f('server.pem')]);
	return {
		caFile: f('ca.pem'),
		tls: { key: await readFile(f('server.key'), 'utf8'), cert: await readFile(f('server.pem'), 'utf8') },
	};
}

let certs;
let certDir;
before(async () => {
	certDir = await mkdtemp(path.join(os.tmpdir(), 'privd-smtp-tls-'));
	certs = await makeCertificates(certDir);
});
after(async () => { if (certDir) await rm(certDir, { recursive: true, force: true }); });

/**
 * One SMTP server (smtpOpts) and one privd pointed at it (extra environment on top of deliveryEnv); ctx.srv,
 * ctx.smtp, and ctx.notify(): files a request, whose "received" notice is then due to the new person.
 */
function setting(engine, smtpOpts, extraEnv) {
	const ctx = {};
	before(async () => {
		ctx.smtp = await startSmtp(smtpOpts());
		const env = deliveryEnv({ smtp: ctx.smtp, extra: { PRIVD_NOTIFY_RETRY_SECONDS: '1', ...extraEnv() } });
		ctx.srv = await startPrivd(engine, { serve: { env } });
	});
	after(async () => {
		if (ctx.srv) {
			await ctx.srv.stop();
			await removeInstance(ctx.srv.inst);
		}
		await ctx.smtp?.close();
	});
	ctx.notify = async () => {
		const s = await ctx.srv.registerOk(newPerson());
		const q = await fileRequest(ctx.srv, s.id, 'access');
		await attach(ctx.srv, q.id);
		return s;
	};
	ctx.notice = async (s) => (await notifications(ctx.srv, s.id)).find((n) => n.kind === 'request.received');
	return ctx;
}

const auth = { user: USER, pass: PASS };

forEngines('e-mail over TLS, with AUTH', (engine) => {
	describe('smtp:// with STARTTLS and AUTH, the CA from [smtp] ca_file', () => {
		const ctx = setting(engine, () => ({ tls: certs.tls, auth }),
			() => ({ PRIVD_SMTP_USER: USER, PRIVD_SMTP_PASSWORD: PASS, PRIVD_SMTP_CA_FILE: certs.caFile }));

		it('the notice arrives over the upgraded connection, after a login made over TLS', async () => {
			const s = await ctx.notify();
			await waitFor(async () => (await ctx.notice(s))?.status === 'sent', 'the notice sent');
			await ctx.smtp.settled();
			assert.ok(ctx.smtp.messages.length >= 1, 'a message arrived');
			for (const m of ctx.smtp.messages) assert.equal(m.secure, true, 'every message came over TLS');
			assert.ok(ctx.smtp.logins.length >= 1, 'privd logged in');
			for (const l of ctx.smtp.logins) assert.deepEqual(l, { user: USER, secure: true, ok: true });
		});

		it('readiness says e-mail is configured; the password is in no log line', async () => {
			const r = await ctx.srv.req('GET', '/readyz');
			assert.equal(r.status, 200);
			assert.equal(r.json.delivery.email, 'configured');
			assert.ok(!ctx.srv.log.includes(PASS), 'the password is not logged');
		});
	});

	describe('smtps:// (TLS from the first byte) with AUTH', () => {
		const ctx = setting(engine, () => ({ tls: certs.tls, secure: true, auth }),
			() => ({ PRIVD_SMTP_USER: USER, PRIVD_SMTP_PASSWORD: PASS, PRIVD_SMTP_CA_FILE: certs.caFile }));

		it('the notice arrives, sent over TLS', async () => {
			assert.match(ctx.smtp.url, /^smtps:\/\//);
			const s = await ctx.notify();
			await waitFor(async () => (await ctx.notice(s))?.status === 'sent', 'the notice sent');
			await ctx.smtp.settled();
			assert.ok(ctx.smtp.messages.length >= 1 && ctx.smtp.messages.every((m) => m.secure));
			assert.ok(ctx.smtp.logins.every((l) => l.secure && l.ok));
		});
	});

	describe('a server that does not offer STARTTLS, with a user set', () => {
		const ctx = setting(engine, () => ({ auth }),
			() => ({ PRIVD_SMTP_USER: USER, PRIVD_SMTP_PASSWORD: PASS, PRIVD_SMTP_CA_FILE: certs.caFile }));

		it('gets no password and no message; the notice waits for another attempt', async () => {
			const s = await ctx.notify();
			const n = await waitFor(async () => {
				const x = await ctx.notice(s);
				return x && x.attempts >= 2 && x;
			}, 'two attempts made');
			assert.equal(n.status, 'queued', 'still queued: a later attempt may find TLS');
			assert.equal(typeof n.last_error, 'string');
			assert.ok(!n.last_error.includes(PASS) && !n.last_error.includes('@'), 'no secret, no address in the error');
			assert.equal(ctx.smtp.logins.length, 0, 'no AUTH was attempted over plain text');
			assert.equal(ctx.smtp.received, 0, 'nothing was sent');
		});
	});

	describe('a certificate no trusted CA signed', () => {
		const ctx = setting(engine, () => ({ tls: certs.tls }), () => ({}));

		it('is refused: nothing is sent, the notice waits', async () => {
			const s = await ctx.notify();
			const n = await waitFor(async () => {
				const x = await ctx.notice(s);
				return x && x.attempts >= 1 && x;
			}, 'an attempt made');
			assert.equal(n.status, 'queued');
			assert.match(n.last_error, /^curl \d+: /, 'the TLS failure, as curl classes it');
			assert.equal(ctx.smtp.received, 0, 'nothing was sent to a server whose certificate was not verified');
		});
	});

	describe('a refused login', () => {
		const ctx = setting(engine, () => ({ tls: certs.tls, auth }),
			() => ({ PRIVD_SMTP_USER: USER, PRIVD_SMTP_PASSWORD: 'not the password', PRIVD_SMTP_CA_FILE: certs.caFile }));

		it('is tried again, not held against the person: the notice stays queued with a 535 error', async () => {
			const s = await ctx.notify();
			const n = await waitFor(async () => {
				const x = await ctx.notice(s);
				return x && x.attempts >= 2 && x;
			}, 'two attempts made');
			assert.equal(n.status, 'queued');
			assert.equal(n.last_error, 'smtp 535: authentication refused ([smtp] user, password)');
			assert.ok(ctx.smtp.logins.length >= 2 && ctx.smtp.logins.every((l) => l.secure && !l.ok));
			assert.equal(ctx.smtp.received, 0);
		});
	});
});

describe('check-config and [smtp] ca_file', () => {
	it('names a CA file that cannot be read', async () => {
		const inst = await initInstance({ engine: 'sqlite' });
		try {
			const r = await privd(['check-config', '--data-dir', inst.dataDir], {
				env: { PRIVD_SMTP_URL: 'smtp://127.0.0.1:25', PRIVD_SMTP_FROM: 'privacy@operator.example',
					PRIVD_SMTP_CA_FILE: path.join(os.tmpdir(), 'no-such-ca.pem') },
			});
			assert.equal(r.code, 1, r.stdout);
			assert.match(r.stderr, /smtp\.ca_file/);
		} finally {
			await removeInstance(inst);
		}
	});
});

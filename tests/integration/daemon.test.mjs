// SPDX-License-Identifier: AGPL-3.0-or-later
// privd as an operator runs it, on SQLite and PostgreSQL: `check-config` names every fault and exits 0 or 1;
// `dump-config` shows the configuration in effect with its secrets redacted; `init` writes no installation path,
// and `--config` keeps the file elsewhere; SIGHUP applies a good file's live keys (a body limit, the log level,
// the SMTP server) and names the keys that need a restart, while a broken file changes nothing and privd serves
// throughout; SIGUSR1 reopens the log file; systemd hears READY, RELOADING, STOPPING and STATUS; the HTTP workers
// run with the time slice of [server] slice_us.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, chmod, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import {
	BIN, ROOT, assertJson, existsSync, forEngines, initInstance, newPerson, privd, removeInstance, serve, sleep,
} from './lib/privd.mjs';
import { attach, fileRequest, notifications } from './lib/requests.mjs';
import { startSmtp, waitFor } from './lib/mail.mjs';

const confOf = (inst) => path.join(inst.dataDir, 'privd.conf');

/** The command line's database flag of an instance (PostgreSQL's URL; nothing on SQLite). */
const dbArgs = (inst) => (inst.dbUrl ? ['--database', inst.dbUrl] : []);

/** The JSON log lines of text with the given event. */
function events(text, event) {
	const out = [];
	for (const line of text.split('\n')) {
		let o;
		try { o = JSON.parse(line); } catch { continue; }
		if (o && o.event === event) out.push(o);
	}
	return out;
}

/** Sends signal to srv and waits until its log has one more line of event than before. */
async function signalled(srv, signal, event, { log = () => srv.stderr } = {}) {
	const before = events(await log(), event).length;
	srv.proc.kill(signal);
	return waitFor(async () => {
		const all = events(await log(), event);
		return all.length > before && all[all.length - 1];
	}, `${event} after ${signal}`, { ms: 30_000 });
}

/** GET /healthz over and over until stop() is called; resolves to the statuses seen (a failed fetch counts as 0). */
function hammer(srv) {
	let on = true;
	const seen = [];
	const done = (async () => {
		while (on) {
			try {
				seen.push((await fetch(`${srv.url}/healthz`)).status);
			} catch {
				seen.push(0);
			}
		}
		return seen;
	})();
	return { stop: async () => { on = false; return done; } };
}

/** Each thread of the process pid: its name and its time slice in ns (`se.slice` of its sched file), or null when
 * the kernel does not show it. */
async function threadSlices(pid) {
	const out = [];
	for (const tid of await readdir(`/proc/${pid}/task`)) {
		const dir = `/proc/${pid}/task/${tid}`;
		const comm = (await readFile(`${dir}/comm`, 'utf8')).trim();
		const m = /^se\.slice\s*:\s*(\d+)/m.exec(await readFile(`${dir}/sched`, 'utf8').catch(() => ''));
		if (!m) return null;
		out.push({ tid: Number(tid), comm, slice: Number(m[1]) });
	}
	return out;
}

/** A JSON body of n bytes: too large for a 1024-byte limit, fine for the default 64 KiB. */
const bodyOf = (n) => JSON.stringify({ name: 'x'.repeat(n - 11) });

forEngines('the daemon: configuration, signals, systemd', (engine) => {
	it('check-config exits 0 for a usable configuration and 1 naming every fault: file lines, environment, checks', async () => {
		const inst = await initInstance({ engine });
		try {
			const base = ['check-config', '--data-dir', inst.dataDir, ...dbArgs(inst)];
			let r = await privd(base);
			assert.equal(r.code, 0, r.stderr);
			assert.match(r.stdout, /^configuration OK: .*privd\.conf/);

			// every fault of the file and the environment at once, each where it is
			const lines = (await readFile(confOf(inst), 'utf8')).split('\n').length;
			await appendFile(confOf(inst), '[server]\nbody_limit = 5\nlisten_port = 80\n[age]\neu_min_age = 99\n' +
				'this is not a key\n');
			r = await privd(base, { env: { PRIVD_NOTIFY_BATCH: '0', PRIVD_LOG_LEVEL: 'loud' } });
			assert.equal(r.code, 1);
			const at = (n) => `${confOf(inst)} line ${lines + n}: `;
			for (const want of [
				`${at(1)}server.body_limit must be a whole number from 1024 to 16777216`,
				`${at(2)}server.listen_port is not a known key`,
				`${at(4)}age.eu_min_age must be a whole number from 0 to 21`,
				`${at(5)}not a [section] or a name = value line`,
				'environment PRIVD_NOTIFY_BATCH: notify.batch must be a whole number from 1 to 1000',
				'environment PRIVD_LOG_LEVEL: log.level must be debug, info, warn or error',
			]) assert.ok(r.stderr.includes(want), `check-config names "${want}":\n${r.stderr}`);
			assert.match(r.stderr, /6 faults: the configuration is not usable/);

			// a file that reads well but would not start: what serve checks at start, without starting
			await writeFile(confOf(inst), (await readFile(confOf(inst), 'utf8')).split('\n').slice(0, lines - 1).join('\n') + '\n');
			await chmod(path.join(inst.dataDir, 'master.key'), 0o644);
			const secret = 'sms-secret-never-printed';
			r = await privd([...base, '--listen', 'nowhere'], {
				env: { PRIVD_SMTP_URL: 'http://mail.example', PRIVD_SMS_URL: 'https://sms.example/send', PRIVD_SMS_SECRET: secret },
			});
			assert.equal(r.code, 1, r.stdout);
			assert.match(r.stderr, /server\.listen listen address needs HOST:PORT/);
			assert.match(r.stderr, /master\.key is readable by group or others; chmod 600 it/);
			assert.match(r.stderr, /smtp\.url must be smtp:\/\/host\[:port\] or smtps:\/\/host\[:port\]/);
			assert.ok(!r.stderr.includes(secret) && !r.stdout.includes(secret), 'no secret in the output');
			await chmod(path.join(inst.dataDir, 'master.key'), 0o600);
			r = await privd(base);
			assert.equal(r.code, 0, r.stderr);
		} finally {
			await removeInstance(inst);
		}
	});

	it('dump-config prints every key in effect, from the file, the environment and the flags, secrets redacted', async () => {
		const inst = await initInstance({ engine });
		try {
			await appendFile(confOf(inst), '[sms]\nsecret = file-sms-secret-0123456789\n[operator]\nname = Dump Operator\n');
			const r = await privd(['dump-config', '--data-dir', inst.dataDir, '--listen', '127.0.0.1:9999',
				'--database', 'postgresql://privd:db-password-31337@127.0.0.1/privd?sslmode=disable&password=other-pw-42'], {
				env: { PRIVD_SMTP_PASSWORD: 'env-smtp-password-777', PRIVD_NOTIFY_BATCH: '7' },
			});
			assert.equal(r.code, 0, r.stderr);
			for (const secret of ['file-sms-secret-0123456789', 'env-smtp-password-777', 'db-password-31337', 'other-pw-42']) {
				assert.ok(!r.stdout.includes(secret), `dump-config shows no secret (${secret.slice(0, 8)}…)`);
			}
			const out = r.stdout;
			assert.match(out, /^\[sms\]\nurl = ""\nsecret = <redacted>$/m);
			assert.match(out, /^# from the environment: PRIVD_SMTP_PASSWORD\npassword = <redacted>$/m);
			assert.match(out, /^url = postgresql:\/\/privd:<redacted>@127\.0\.0\.1\/privd\?sslmode=disable&password=<redacted>$/m);
			assert.match(out, /^listen = 127\.0\.0\.1:9999$/m, 'the flag wins');
			assert.match(out, /^name = Dump Operator$/m, 'the file');
			assert.match(out, /^# from the environment: PRIVD_NOTIFY_BATCH\nbatch = 7$/m, 'the environment');
			assert.match(out, /^password = <redacted>$/m);
			assert.match(out, /^calendar_file = \/.*\/calendar-ru\.json$/m, 'the share directory resolved');
			const sections = [...out.matchAll(/^\[([a-z_]+)\]$/gm)].map((m) => m[1]);
			for (const s of ['server', 'database', 'operator', 'log', 'smtp', 'sms', 'notify']) assert.ok(sections.includes(s), s);
		} finally {
			await removeInstance(inst);
		}
	});

	it('init writes no installation path; with --config the file lives elsewhere and serve reads it there', async () => {
		const inst = await initInstance({ engine });
		try {
			const text = await readFile(confOf(inst), 'utf8');
			assert.ok(!text.includes(path.join(ROOT, 'share')), 'privd.conf names no share directory');
			assert.match(text, /^#calendar_file =$/m, 'the calendar left at privd\'s own, commented out');
			assert.match(text, /^#eu_age_file =$/m);
			assert.match(text, /^\[log\]$[\s\S]*^file = ""$/m, 'the [log] file key, empty');
		} finally {
			await removeInstance(inst);
		}
		// --config: init writes the file there and nothing into the data directory; serve reads it from there
		const etc = await mkdtemp(path.join(os.tmpdir(), 'privd-etc-'));
		const conf = path.join(etc, 'privd.conf');
		const inst2 = await initInstance({ engine, extraArgs: ['--config', conf] });
		try {
			assert.match(inst2.init.stdout, new RegExp(`^configuration: ${conf.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'));
			assert.ok(existsSync(conf) && !existsSync(confOf(inst2)), 'the file is where --config says');
			await appendFile(conf, '[log]\nlevel = debug\n');
			const srv = await serve(inst2, { args: ['--config', conf] });
			try {
				await srv.req('GET', '/healthz');
				await waitFor(() => events(srv.stderr, 'http.request').length > 0, 'a debug line: serve read --config');
				assert.deepEqual(await srv.stop(), { code: 0, signal: null });
			} finally {
				await srv.stop();
			}
		} finally {
			await removeInstance(inst2);
			await rm(etc, { recursive: true, force: true });
		}
	});

	it('SIGHUP with a broken file logs each fault, keeps the configuration in effect and serves throughout', async () => {
		const inst = await initInstance({ engine });
		const srv = await serve(inst);
		let load;
		try {
			load = hammer(srv);
			await appendFile(confOf(inst), '[server]\nbody_limit = 1024\nthreads = 999\n[nonsense]\nkey = 1\n');
			const failed = await signalled(srv, 'SIGHUP', 'config.reload_failed');
			assert.equal(failed.faults, 2);
			assert.equal(failed.level, 'error');
			const faults = events(srv.stderr, 'config.fault');
			assert.deepEqual(faults.map((f) => f.key).sort(), ['nonsense.key', 'server.threads']);
			assert.ok(faults.every((f) => f.line > 0 && f.reason), 'each fault with its line and why');
			assert.equal(events(srv.stderr, 'config.reloaded').length, 0, 'nothing applied');
			// the good line of the broken file was not applied either: the 64 KiB default holds
			const r = await srv.req('POST', '/v1/subjects', { as: 'admin', body: bodyOf(4000), headers: { 'content-type': 'application/json' } });
			assert.notEqual(r.status, 413, 'the body limit is still the old one');
			const seen = await load.stop();
			assert.ok(seen.length > 0 && seen.every((s) => s === 200), `every /healthz answered 200 (${seen.length} requests)`);
			assert.deepEqual(await srv.stop(), { code: 0, signal: null });
		} finally {
			await load?.stop();
			await srv.stop();
			await removeInstance(inst);
		}
	});

	it('SIGHUP with a good file applies its live keys (limit, log level, SMTP) and names those needing a restart', async () => {
		const smtp = await startSmtp();
		const inst = await initInstance({ engine });
		const srv = await serve(inst);
		let load;
		try {
			await srv.createRoleKeys();
			// a notice queued while no SMTP server is configured
			const p = newPerson();
			const s = await srv.registerOk(p);
			const q = await fileRequest(srv, s.id, 'access');
			await attach(srv, q.id);
			assert.deepEqual(assertJson(await srv.req('GET', '/readyz'), 200).delivery, { email: 'not_configured', sms: 'not_configured' });

			load = hammer(srv);
			await appendFile(confOf(inst), `[server]\nbody_limit = 1024\nthreads = 3\n[log]\nlevel = debug\n` +
				`[smtp]\nurl = ${smtp.url}\nfrom = privacy@operator.example\n`);
			const done = await signalled(srv, 'SIGHUP', 'config.reloaded');
			assert.deepEqual(done.changed.sort(), ['log.level', 'server.body_limit', 'smtp.from', 'smtp.url']);
			assert.deepEqual(done.restart_required, ['server.threads']);
			assert.deepEqual(events(srv.stderr, 'config.restart_required').at(-1).keys, ['server.threads']);

			const r = await srv.req('POST', '/v1/subjects', { as: 'app', body: bodyOf(4000), headers: { 'content-type': 'application/json' } });
			assert.equal(r.status, 413, 'the new body limit');
			assert.deepEqual(assertJson(await srv.req('GET', '/readyz'), 200).delivery, { email: 'configured', sms: 'not_configured' });
			const sent = await waitFor(async () => {
				const n = await notifications(srv, s.id);
				return n.length > 0 && n.every((x) => x.status === 'sent') && n;
			}, 'the queued notice sent through the SMTP server configured by SIGHUP');
			assert.equal(sent[0].kind, 'request.received');
			assert.ok(smtp.received >= 1);
			await waitFor(() => events(srv.stderr, 'http.request').length > 0, 'debug lines after the reload');
			const seen = await load.stop();
			assert.ok(seen.every((x) => x === 200), 'no request failed across the reload');
			assert.deepEqual(await srv.stop(), { code: 0, signal: null });
		} finally {
			await load?.stop();
			await srv.stop();
			await removeInstance(inst);
			await smtp.close();
		}
	});

	it('[log] file takes the log on SIGHUP; SIGUSR1 reopens it after it was moved away', async () => {
		const inst = await initInstance({ engine });
		const srv = await serve(inst);
		// in the data directory: a sandboxed privd writes nowhere else it was not told of at start (sandbox.test.mjs)
		const file = path.join(inst.dataDir, 'privd.log');
		const fileLog = async () => (existsSync(file) ? readFile(file, 'utf8') : '');
		try {
			await appendFile(confOf(inst), `[log]\nfile = ${file}\n`);
			const done = await signalled(srv, 'SIGHUP', 'config.reloaded', { log: fileLog });
			assert.deepEqual(done.changed, ['log.file']);
			assert.equal((await stat(file)).mode & 0o777, 0o600, 'the log file is created mode 0600');
			await rename(file, `${file}.1`);
			await signalled(srv, 'SIGUSR1', 'log.reopened', { log: fileLog });
			assert.ok(existsSync(file), 'a new file in the old one\'s place');
			assert.equal(events(await readFile(`${file}.1`, 'utf8'), 'log.reopened').length, 0, 'the moved file is left alone');
			assert.deepEqual(await srv.stop(), { code: 0, signal: null });
			const text = await fileLog();
			assert.equal(events(text, 'stopped').length, 1, `the last lines in the reopened file:\n${text}`);
			for (const line of text.trim().split('\n')) JSON.parse(line);
		} finally {
			await srv.stop();
			await removeInstance(inst);
		}
	});

	it('systemd hears READY with a STATUS, RELOADING then READY on SIGHUP, and STOPPING on SIGTERM', async () => {
		const sinkBin = path.join(path.dirname(BIN), 'tests', 'notify_sink');
		assert.ok(existsSync(sinkBin), `${sinkBin} is built with privd (cmake target notify_sink)`);
		const inst = await initInstance({ engine });
		const sock = path.join(inst.root, 'notify.sock');
		const sink = spawn(sinkBin, [sock], { stdio: ['ignore', 'pipe', 'inherit'] });
		let heard = '';
		sink.stdout.setEncoding('utf8');
		sink.stdout.on('data', (d) => { heard += d; });
		let srv;
		try {
			await waitFor(() => heard.startsWith('listening\n'), 'the notify socket bound');
			srv = await serve(inst, { env: { NOTIFY_SOCKET: sock } });
			const ready = await waitFor(() => heard.split('\n').find((l) => l.startsWith('READY=1')), 'READY=1');
			assert.equal(ready, `READY=1|STATUS=serving on port ${srv.port} (${engine === 'postgres' ? 'postgresql' : 'sqlite'})`);
			await signalled(srv, 'SIGHUP', 'config.reloaded');
			await waitFor(() => heard.split('\n').filter((l) => l.startsWith('READY=1')).length === 2, 'READY=1 again');
			const reloading = heard.split('\n').find((l) => l.startsWith('RELOADING=1'));
			assert.match(reloading, /^RELOADING=1\|MONOTONIC_USEC=\d+\|STATUS=/);
			assert.ok(heard.indexOf('RELOADING=1') < heard.lastIndexOf('READY=1'), 'RELOADING before the second READY');
			assert.deepEqual(await srv.stop(), { code: 0, signal: null });
			await waitFor(() => heard.includes('STOPPING=1'), 'STOPPING=1');
		} finally {
			await srv?.stop();
			sink.kill('SIGKILL');
			await removeInstance(inst);
		}
	});

	it('[server] slice_us: the HTTP workers run with that time slice, every other thread with the kernel\'s', async (t) => {
		const [major, minor] = os.release().split('.').map(Number);
		if (major < 6 || (major === 6 && minor < 12)) {
			t.skip(`Linux ${os.release()} keeps its own slice (a thread's own comes with 6.12)`);
			return;
		}
		const inst = await initInstance({ engine });
		let srv;
		try {
			for (const [slice, want] of [[undefined, 100_000], ['250', 250_000], ['0', null]]) {
				const env = { PRIVD_SERVER_THREADS: '2', ...(slice === undefined ? {} : { PRIVD_SERVER_SLICE_US: slice }) };
				srv = await serve(inst, { env });
				assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
				const threads = await threadSlices(srv.proc.pid);
				if (threads === null) {
					t.skip('this kernel shows no se.slice in /proc/<pid>/task/<tid>/sched');
					return;
				}
				const main = threads.find((x) => x.tid === srv.proc.pid);
				const workers = threads.filter((x) => x.comm === 'MHD-worker');
				assert.equal(workers.length, 2, JSON.stringify(threads));
				assert.notEqual(main.slice, want, 'the thread that started the workers has its own slice back');
				for (const w of workers) assert.equal(w.slice, want ?? main.slice, `slice_us ${slice}: ${JSON.stringify(w)}`);
				for (const o of threads.filter((x) => !x.comm.startsWith('MHD-'))) {
					assert.equal(o.slice, main.slice, `a thread other than the workers: ${JSON.stringify(o)}`);
				}
				assert.doesNotMatch(srv.stderr, /http\.slice_unavailable/);
				assert.deepEqual(await srv.stop(), { code: 0, signal: null });
				srv = null;
			}
		} finally {
			await srv?.stop();
			await removeInstance(inst);
		}
	});
});

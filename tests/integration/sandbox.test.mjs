// SPDX-License-Identifier: AGPL-3.0-or-later
// The sandbox (issue 13): a serving privd limits its filesystem with Landlock where the kernel has it (the data
// directory and its log's read-write; configuration, shared data and web files read-only) and refuses system calls
// it does not need (seccomp). It is on by default, so the whole integration suite runs sandboxed; here, what it
// refuses: an administrator's reload that points the log outside the allowed directories cannot create the file
// there, while the same reload into the data directory works, and works outside with [server] sandbox = off. In
// log mode privd reports instead of refusing: the filter is installed (Seccomp: 2) but Landlock, which cannot
// only report, is not entered, so the same reload writes outside. Started as root it becomes [server] user for
// good and serves on. check-config names a [server] user that does not exist (a privd started as root would stay
// root) and refuses a mode that is not on, log or off.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { forEngines, initInstance, privd, removeInstance, run, serve, sleep } from './lib/privd.mjs';

const dbArgs = (inst) => (inst.dbUrl ? ['--database', inst.dbUrl] : []);

/** Sets [log] file in the instance's privd.conf. */
async function setLogFile(inst, file) {
	const conf = path.join(inst.dataDir, 'privd.conf');
	const text = await readFile(conf, 'utf8');
	const next = text.replace(/(\[log\][\s\S]*?\n)file = .*\n/, `$1file = ${file}\n`);
	assert.notEqual(next, text, 'privd.conf has a [log] file line');
	await writeFile(conf, next);
}

/** Sends SIGHUP and waits until where() holds a line with event; resolves to that line. */
async function reload(srv, event, where = () => srv.stderr) {
	const count = async () => (await where()).split('\n').filter((l) => l.includes(`"event":"${event}"`));
	const before = (await count()).length;
	srv.proc.kill('SIGHUP');
	for (let i = 0; i < 300; i++) {
		const lines = await count();
		if (lines.length > before) return JSON.parse(lines.at(-1));
		await sleep(100);
	}
	throw new Error(`no ${event} after SIGHUP: ${await where()}`);
}

forEngines('the sandbox of a serving privd', (engine) => {
	let inst, srv, outside;
	before(async () => {
		outside = await mkdtemp(path.join(os.tmpdir(), 'privd-outside-'));
		inst = await initInstance({ engine });
		srv = await serve(inst);
	});
	after(async () => {
		if (srv) await srv.stop();
		if (inst) await removeInstance(inst);
		await rm(outside, { recursive: true, force: true });
	});

	it('is on by default: Landlock where the kernel has it, seccomp, and the log says so', async () => {
		const line = srv.stderr.split('\n').find((l) => l.includes('"event":"sandbox"'));
		assert.ok(line, `a sandbox line: ${srv.stderr}`);
		const s = JSON.parse(line);
		assert.equal(s.seccomp, true);
		assert.equal(s.mode, 'on');
		assert.ok(Number.isInteger(s.landlock_abi));
		assert.match(await readFile(`/proc/${srv.proc.pid}/status`, 'utf8'), /^Seccomp:\s+2$/m);
		if (s.landlock_abi === 0) assert.match(srv.stderr, /"event":"sandbox.landlock","available":false/);
		assert.equal((await srv.req('GET', '/readyz')).status, 200);
	});

	it('a reload cannot make it write outside its directories; into the data directory it can', async () => {
		const probe = (await srv.req('GET', '/healthz')).status;
		assert.equal(probe, 200);
		const bad = path.join(outside, 'privd.log');
		await setLogFile(inst, bad);
		const failed = await reload(srv, 'log.open_failed');
		assert.match(failed.reason, /Permission denied/);
		assert.equal(existsSync(bad), false, 'no file was made outside the allowed directories');
		const good = path.join(inst.dataDir, 'privd.log');
		await setLogFile(inst, good);
		await reload(srv, 'config.reloaded', async () => (existsSync(good) ? readFile(good, 'utf8') : ''));
		assert.equal((await srv.req('GET', '/healthz')).status, 200, 'it serves on');
	});

	it('with [server] sandbox = off the same reload writes where it is told (the control)', async () => {
		const other = await initInstance({ engine });
		const free = await serve(other, { env: { PRIVD_SERVER_SANDBOX: 'off' } });
		try {
			assert.match(free.stderr, /"event":"sandbox.off"/);
			const file = path.join(outside, 'control.log');
			await setLogFile(other, file);
			await reload(free, 'config.reloaded', async () => (existsSync(file) ? readFile(file, 'utf8') : ''));
		} finally {
			await free.stop();
			await removeInstance(other);
		}
	});

	it('with [server] sandbox = log the filter reports instead of refusing, and there is no Landlock', async () => {
		const other = await initInstance({ engine });
		const logged = await serve(other, { env: { PRIVD_SERVER_SANDBOX: 'log' } });
		try {
			const line = logged.stderr.split('\n').find((l) => l.includes('"event":"sandbox"'));
			assert.ok(line, `a sandbox line: ${logged.stderr}`);
			const s = JSON.parse(line);
			assert.equal(s.mode, 'log');
			assert.equal(s.landlock_abi, 0);
			assert.match(logged.stderr, /"event":"sandbox.landlock","available":false,"reason":"\[server\] sandbox = log"/);
			assert.match(await readFile(`/proc/${logged.proc.pid}/status`, 'utf8'), /^Seccomp:\s+2$/m);
			const file = path.join(outside, 'logged.log');
			await setLogFile(other, file);
			await reload(logged, 'config.reloaded', async () => (existsSync(file) ? readFile(file, 'utf8') : ''));
			assert.equal((await logged.req('GET', '/readyz')).status, 200);
		} finally {
			await logged.stop();
			await removeInstance(other);
		}
	});

	it('started as root, it drops to [server] user once listening, and serves and writes as that user', async (t) => {
		if (process.getuid() !== 0) return t.skip('the suite does not run as root');
		const uid = Number((await run('id', ['-u', 'nobody'])).stdout.trim());
		const other = await initInstance({ engine });
		await chmod(other.root, 0o711); // nobody may pass through the test's own directory to its data directory
		assert.equal((await run('chown', ['-R', 'nobody:', other.dataDir])).code, 0);
		const dropped = await serve(other, { env: { PRIVD_SERVER_USER: 'nobody' } });
		try {
			const s = JSON.parse(dropped.stderr.split('\n').find((l) => l.includes('"event":"sandbox"')));
			assert.equal(s.uid, uid);
			const status = await readFile(`/proc/${dropped.proc.pid}/status`, 'utf8');
			assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, 'm'), 'no way back to root');
			await dropped.createRoleKeys(); // writes, through the writer, as nobody
			assert.equal((await dropped.req('GET', '/readyz')).status, 200);
		} finally {
			await dropped.stop();
			await removeInstance(other);
		}
	});

	it('check-config refuses a mode that is not on, log or off, and names a [server] user that does not exist', async () => {
		const base = ['check-config', '--data-dir', inst.dataDir, ...dbArgs(inst)];
		let r = await privd(base, { env: { PRIVD_SERVER_SANDBOX: 'true' } });
		assert.equal(r.code, 1);
		assert.match(r.stderr, /server\.sandbox must be on, log or off/);
		r = await privd(base, { env: { PRIVD_SERVER_USER: 'privd-no-such-user' } });
		assert.equal(r.code, 0, r.stderr);
		assert.match(r.stderr, /warning: server\.user: there is no user "privd-no-such-user": privd serve started as root would stay root/);
		r = await privd(base, { env: { PRIVD_SERVER_USER: 'root' } });
		assert.equal(r.code, 0, r.stderr);
		assert.doesNotMatch(r.stderr, /server\.user/);
		r = await privd(base, { env: { PRIVD_SERVER_USER: 'privd-no-such-user', PRIVD_SERVER_SANDBOX: 'off' } });
		assert.doesNotMatch(r.stderr, /server\.user/, 'with the sandbox off privd drops nothing, so there is nothing to say');
	});
});

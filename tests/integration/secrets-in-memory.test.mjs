// SPDX-License-Identifier: AGPL-3.0-or-later
// Secrets in memory (issue 13): privd holds master and data keys in memory, so the process makes itself
// non-dumpable at start (prctl PR_SET_DUMPABLE 0) with a core size limit of 0. Seen from outside the way an
// attacker with the same user would try it: privd runs as an unprivileged user (nobody), and another process of
// that user can read neither its environment nor its memory through /proc, where it can read those of an ordinary
// process of the same user (the control); the kernel shows the process's /proc files as root's, and no core file
// may be written.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chown, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { BIN, forEngines, initInstance, removeInstance, run, sleep } from './lib/privd.mjs';

const NOBODY = 65534;
const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups', '--'];
const root = process.getuid?.() === 0;

async function chownTree(dir, uid, gid) {
	await chown(dir, uid, gid);
	for (const e of await readdir(dir, { withFileTypes: true })) {
		const p = path.join(dir, e.name);
		if (e.isDirectory()) await chownTree(p, uid, gid);
		else await chown(p, uid, gid);
	}
}

/** Spawns argv as nobody; resolves when `ready` matches its stderr. */
function spawnNobody(argv, ready) {
	const proc = spawn('setpriv', [...asNobody, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
	let err = '';
	proc.stderr.setEncoding('utf8');
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`not ready in time: ${err}`)), 30_000);
		proc.stderr.on('data', (d) => {
			err += d;
			if (ready.test(err)) {
				clearTimeout(timer);
				resolve({ proc, log: () => err });
			}
		});
		proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${err}`)); });
	});
}

forEngines('secrets in memory: privd is not dumpable', (engine) => {
	let inst, srv, control;
	before(async () => {
		if (!root) return;
		inst = await initInstance({ engine });
		await chownTree(inst.root, NOBODY, NOBODY);
		const argv = [BIN, 'serve', '--data-dir', inst.dataDir, '--listen', '127.0.0.1:0'];
		if (inst.dbUrl) argv.push('--database', inst.dbUrl);
		srv = await spawnNobody(argv, /"event":"http.listening"/);
		control = spawn('setpriv', [...asNobody, 'sleep', '120'], { stdio: 'ignore' });
		await sleep(200);
	});
	after(async () => {
		for (const p of [srv?.proc, control]) if (p && p.exitCode === null) p.kill('SIGKILL');
		if (inst) await removeInstance(inst);
	});

	it('another process of its user reads neither its environment nor its memory; an ordinary process\'s it can', { skip: !root && 'needs root to run privd as another user' }, async () => {
		const pid = srv.proc.pid;
		for (const file of ['environ', 'mem', 'maps']) {
			const mine = await run('setpriv', [...asNobody, 'head', '-c', '1', `/proc/${pid}/${file}`]);
			assert.notEqual(mine.code, 0, `/proc/<privd>/${file} must not be readable by its own user`);
			assert.match(mine.stderr, /Permission denied/);
		}
		const theirs = await run('setpriv', [...asNobody, 'head', '-c', '1', `/proc/${control.pid}/environ`]);
		assert.equal(theirs.code, 0, `the control is readable by the same user: ${theirs.stderr}`);
	});

	it('the kernel shows it as not dumpable: its /proc files are root\'s, its core size limit 0', { skip: !root && 'needs root to run privd as another user' }, async () => {
		const pid = srv.proc.pid;
		const status = await readFile(`/proc/${pid}/status`, 'utf8');
		assert.match(status, new RegExp(`^Uid:\\s+${NOBODY}\\s`, 'm'), 'privd runs as nobody');
		assert.equal((await stat(`/proc/${pid}/environ`)).uid, 0, 'a non-dumpable process\'s /proc files are root\'s');
		assert.equal((await stat(`/proc/${control.pid}/environ`)).uid, NOBODY, 'a dumpable one\'s are its user\'s');
		const limits = await readFile(`/proc/${pid}/limits`, 'utf8');
		assert.match(limits, /^Max core file size\s+0\s+0\s/m);
		// and it serves all the same
		const port = /"event":"http.listening","port":(\d+)/.exec(srv.log())[1];
		const r = await fetch(`http://127.0.0.1:${port}/readyz`);
		assert.equal(r.status, 200);
	});
});

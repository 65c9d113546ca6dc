// SPDX-License-Identifier: AGPL-3.0-or-later
// The process: what init creates and refuses, the master key's permissions, SIGTERM, what a restart keeps (e-mails and
// phones still taken and found), configuration precedence (privd.conf < environment < flags), and readiness when the
// database goes away.
import assert from 'node:assert/strict';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
	assertJson, assertProblem, BIN, forEngines, freePort, initInstance, newPerson, PG_URL, privd, psql, removeInstance,
	run, serve, sleep,
} from './lib/privd.mjs';

/** Sets `key = value` in [section] of an INI text (replacing a commented or active line, or adding one). */
function setIni(text, section, key, value) {
	const lines = text.split('\n');
	let start = -1;
	let end = lines.length;
	for (let i = 0; i < lines.length; i++) {
		const m = /^\s*\[([^\]]+)\]\s*$/.exec(lines[i]);
		if (!m) continue;
		if (start >= 0) { end = i; break; }
		if (m[1].trim() === section) start = i;
	}
	const line = `${key} = ${value}`;
	if (start < 0) return `${text.replace(/\n*$/, '\n')}\n[${section}]\n${line}\n`;
	const re = new RegExp(`^\\s*[#;]?\\s*${key}\\s*=`);
	for (let i = start + 1; i < end; i++) {
		if (re.test(lines[i])) {
			lines[i] = line;
			return lines.join('\n');
		}
	}
	lines.splice(start + 1, 0, line);
	return lines.join('\n');
}

/** Starts `privd serve` expecting it to refuse; resolves to its exit and output. */
async function serveRefused(inst, timeout = 15_000) {
	const args = ['serve', '--data-dir', inst.dataDir, '--listen', '127.0.0.1:0'];
	if (inst.dbUrl) args.push('--database', inst.dbUrl);
	return run(BIN, args, { timeout });
}

forEngines('lifecycle', (engine) => {
	describe('init', () => {
		let inst;
		before(async () => { inst = await initInstance({ engine, operatorName: 'Init Test Operator' }); });
		after(async () => { if (inst) await removeInstance(inst); });

		it('creates privd.conf, master.key (0600, 32 bytes) and the store; prints admin_key last', async () => {
			assert.ok(existsSync(path.join(inst.dataDir, 'privd.conf')), 'privd.conf');
			const st = await stat(path.join(inst.dataDir, 'master.key'));
			assert.equal(st.mode & 0o777, 0o600, `master.key mode ${(st.mode & 0o777).toString(8)}`);
			assert.equal(st.size, 32, 'the master key is 32 bytes');
			if (engine === 'sqlite') {
				assert.ok(existsSync(path.join(inst.dataDir, 'privd.db')), 'privd.db');
				assert.ok(existsSync(path.join(inst.dataDir, 'keystore.db')), 'keystore.db');
			} else {
				const schemas = await psql(inst.dbUrl, "SELECT nspname FROM pg_namespace WHERE nspname = 'privd_keys';");
				assert.equal(schemas.trim(), 'privd_keys', 'keys live in schema privd_keys');
				const tables = (await psql(inst.dbUrl, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public';"))
					.split('\n').filter(Boolean);
				for (const t of ['subjects', 'consents', 'audit', 'api_keys', 'policies']) assert.ok(tables.includes(t), `table ${t}`);
				assert.ok(!existsSync(path.join(inst.dataDir, 'privd.db')), 'no SQLite database beside PostgreSQL');
			}
			assert.match(inst.adminKey, /^\S{20,}$/);
		});

		it('refuses an initialised directory and changes nothing', async () => {
			const key = await readFile(path.join(inst.dataDir, 'master.key'));
			const conf = await readFile(path.join(inst.dataDir, 'privd.conf'));
			const args = ['init', '--data-dir', inst.dataDir];
			if (inst.dbUrl) args.push('--database', inst.dbUrl);
			const r = await privd(args);
			assert.notEqual(r.code, 0, 'init on an initialised directory must fail');
			assert.ok(!/admin_key=/.test(r.stdout), 'no new admin key');
			assert.deepEqual(await readFile(path.join(inst.dataDir, 'master.key')), key, 'master.key untouched');
			assert.deepEqual(await readFile(path.join(inst.dataDir, 'privd.conf')), conf, 'privd.conf untouched');
			const srv = await serve(inst);
			try {
				assert.equal((await srv.req('GET', '/v1/api-keys', { key: inst.adminKey })).status, 200, 'the first admin key still works');
			} finally {
				await srv.stop();
			}
		});
	});

	describe('master key permissions', () => {
		let inst;
		before(async () => { inst = await initInstance({ engine }); });
		after(async () => { if (inst) await removeInstance(inst); });

		for (const mode of [0o644, 0o640, 0o604]) {
			it(`serve refuses to start when master.key has mode ${mode.toString(8)}`, async () => {
				await chmod(path.join(inst.dataDir, 'master.key'), mode);
				try {
					const r = await serveRefused(inst);
					assert.ok(r.code !== 0 && r.code !== null, `exit ${r.code} (signal ${r.signal})\n${r.stderr}`);
					assert.ok(!/http\.listening/.test(r.stderr), 'it never listened');
				} finally {
					await chmod(path.join(inst.dataDir, 'master.key'), 0o600);
				}
			});
		}

		it('serve starts with mode 600', async () => {
			const srv = await serve(inst);
			assert.equal((await srv.req('GET', '/healthz')).status, 200);
			assert.equal((await srv.stop()).code, 0);
		});
	});

	describe('SIGTERM', () => {
		let inst;
		before(async () => { inst = await initInstance({ engine }); });
		after(async () => { if (inst) await removeInstance(inst); });

		it('drains requests in flight and exits 0; every registration answered 201 survives', async () => {
			const srv = await serve(inst);
			const people = Array.from({ length: 40 }, () => newPerson());
			const pending = people.map((p) => srv.register(p, { as: 'admin' }).then((r) => r, (e) => ({ error: e })));
			await Promise.race(pending);
			const exit = await srv.stop('SIGTERM');
			assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, srv.stderr.slice(-2000));
			const results = await Promise.all(pending);
			const created = [];
			results.forEach((r, i) => {
				if (r.error) return; // not accepted before the listener closed
				assert.ok([201, 503].includes(r.status), `a request in flight got ${r.status} ${r.text}`);
				if (r.status === 201) created.push([people[i], r.json]);
			});
			assert.ok(created.length >= 1, 'at least the first registration completed');
			const again = await serve(inst);
			try {
				for (const [p, s] of created) {
					const g = await again.req('GET', `/v1/subjects/${s.id}`, { key: inst.adminKey });
					assert.equal(g.status, 200, 'a 201 registration survives the restart');
					assert.equal(g.json.name, p.name);
				}
			} finally {
				assert.equal((await again.stop()).code, 0);
			}
		});
	});

	describe('a restart', () => {
		let inst;
		before(async () => { inst = await initInstance({ engine }); });
		after(async () => { if (inst) await removeInstance(inst); });

		// On SQLite the blind indexes live in memory and are built again from the rows at every start.
		it('keeps every e-mail and phone taken and found: a duplicate is 409 after it, a look-up finds the person', async () => {
			const first = newPerson();
			const second = newPerson();
			const srv = await serve(inst);
			let a;
			let b;
			try {
				a = await srv.registerOk(first, { as: 'admin' });
				b = await srv.registerOk(second, { as: 'admin' });
			} finally {
				assert.equal((await srv.stop()).code, 0);
			}
			const again = await serve(inst);
			try {
				assertProblem(await again.register(newPerson({ email: first.email }), { as: 'admin' }), 409, 'conflict',
					{ fields: ['email'] });
				assertProblem(await again.register(newPerson({ phone: second.phone }), { as: 'admin' }), 409, 'conflict',
					{ fields: ['phone'] });
				const byEmail = await again.req('GET', `/v1/subjects?email=${encodeURIComponent(first.email)}`,
					{ key: inst.adminKey });
				assert.deepEqual(assertJson(byEmail, 200).items.map((i) => i.id), [a.id]);
				const byPhone = await again.req('GET', `/v1/subjects?phone=${encodeURIComponent(second.phone)}`,
					{ key: inst.adminKey });
				assert.deepEqual(assertJson(byPhone, 200).items.map((i) => i.id), [b.id]);
				await again.registerOk(newPerson(), { as: 'admin' });
			} finally {
				assert.equal((await again.stop()).code, 0);
			}
		});
	});

	describe('configuration precedence', () => {
		let inst;
		let confPath;
		let p1;
		let p2;
		before(async () => {
			inst = await initInstance({ engine });
			confPath = path.join(inst.dataDir, 'privd.conf');
			p1 = await freePort();
			p2 = await freePort();
			let conf = await readFile(confPath, 'utf8');
			conf = setIni(conf, 'server', 'listen', `127.0.0.1:${p1}`);
			conf = setIni(conf, 'server', 'body_limit', '1024');
			await writeFile(confPath, conf);
		});
		after(async () => { if (inst) await removeInstance(inst); });

		// An invalid registration of about 2 KiB: 413 under a 1 KiB limit, 422 (unknown member) under a larger one.
		const padded = () => ({ ...newPerson(), pad: 'p'.repeat(2000) });

		it('privd.conf alone: listen and body_limit from the file', async () => {
			const srv = await serve(inst, { listen: null });
			try {
				assert.equal(srv.port, p1, 'listens where privd.conf says');
				assertProblem(await srv.req('POST', '/v1/subjects', { key: inst.adminKey, json: padded() }), 413, 'too-large');
			} finally {
				await srv.stop();
			}
		});

		it('environment overrides privd.conf', async () => {
			const srv = await serve(inst, { listen: null, env: {
				PRIVD_SERVER_LISTEN: `127.0.0.1:${p2}`, PRIVD_SERVER_BODY_LIMIT: '65536',
			} });
			try {
				assert.equal(srv.port, p2, 'listens where PRIVD_SERVER_LISTEN says');
				assertProblem(await srv.req('POST', '/v1/subjects', { key: inst.adminKey, json: padded() }), 422, 'validation');
			} finally {
				await srv.stop();
			}
		});

		it('a flag overrides the environment', async () => {
			const srv = await serve(inst, { listen: '127.0.0.1:0', env: { PRIVD_SERVER_LISTEN: `127.0.0.1:${p2}` } });
			try {
				assert.notEqual(srv.port, p1);
				assert.notEqual(srv.port, p2);
				assert.equal((await srv.req('GET', '/healthz')).status, 200);
			} finally {
				await srv.stop();
			}
		});

		it('an unknown key in privd.conf is refused', async () => {
			const good = await readFile(confPath, 'utf8');
			await writeFile(confPath, setIni(good, 'server', 'no_such_key', '1'));
			try {
				const r = await serveRefused(inst);
				assert.ok(r.code !== 0 && r.code !== null, `exit ${r.code}: ${r.stderr}`);
			} finally {
				await writeFile(confPath, good);
			}
		});
	});

	if (engine === 'postgres') {
		describe('readiness', () => {
			it('GET /readyz is 503 when the database is gone, /healthz still 200', async () => {
				assert.ok(PG_URL, 'PRIVD_TEST_PG_URL is set');
				const inst = await initInstance({ engine });
				const srv = await serve(inst);
				try {
					assert.equal((await srv.req('GET', '/readyz')).status, 200);
					await psql(PG_URL, `DROP DATABASE ${inst.dbName} WITH (FORCE);`);
					let r;
					for (let i = 0; i < 50; i++) {
						r = await srv.req('GET', '/readyz');
						if (r.status === 503) break;
						await sleep(100);
					}
					assertProblem(r, 503, 'unavailable');
					assertJson(await srv.req('GET', '/healthz'), 200);
				} finally {
					await srv.stop('SIGTERM');
					await removeInstance(inst);
				}
			});
		});
	}
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// Black-box test helpers: start a real privd (SQLite or PostgreSQL) on a free port, talk to it over HTTP, make
// test people, and search stored bytes and logs for personal data.
//
// Environment: PRIVD_BIN (the binary; default build/privd), PRIVD_TEST_PG_URL (a PostgreSQL server URL; each
// test file creates its own databases on it), PRIVD_TEST_PG_DIR (optional: the cluster directory, to scan its
// files too), CI (when set, a missing PostgreSQL fails the PostgreSQL suites instead of skipping them),
// PRIVD_TEST_KEEP=1 keeps data directories for inspection.
import { spawn, execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = path.resolve(ROOT, process.env.PRIVD_BIN || 'build/privd');
export const PG_URL = process.env.PRIVD_TEST_PG_URL || '';
export const PG_DIR = process.env.PRIVD_TEST_PG_DIR || '';
const KEEP = process.env.PRIVD_TEST_KEEP === '1';

export const ROLES = ['admin', 'operator', 'app', 'auditor'];
export const PURPOSES = ['processing', 'third_party_transfer', 'cookies.preferences', 'cookies.analytics',
	'cookies.marketing'];
export const ID_RE = /^[0-9a-f]{32}$/;
export const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The engines every suite runs on. PostgreSQL is left out only outside CI when no server was given. */
export function engines() {
	if (PG_URL || process.env.CI) return ['sqlite', 'postgres'];
	return ['sqlite'];
}

// ---------------------------------------------------------------------------------------------------------------
// processes

const live = new Set();
process.on('exit', () => {
	for (const p of live) {
		try { p.kill('SIGKILL'); } catch { /* already gone */ }
	}
});

/** Runs a command to completion; never throws for a non-zero exit. */
export function run(cmd, args, { env = {}, timeout = 60_000, input } = {}) {
	return new Promise((resolve, reject) => {
		const child = execFile(cmd, args, {
			env: { ...process.env, ...env }, timeout, maxBuffer: 256 * 1024 * 1024, encoding: 'buffer',
		}, (err, stdout, stderr) => {
			if (err && typeof err.code !== 'number' && !err.signal) return reject(err);
			resolve({
				code: err ? (typeof err.code === 'number' ? err.code : null) : 0,
				signal: err?.signal ?? null,
				stdoutBuf: stdout, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8'),
			});
		});
		if (input !== undefined) child.stdin.end(input);
	});
}

/** Runs the privd binary. */
export function privd(args, opts) {
	return run(BIN, args, opts);
}

/** A TCP port that was free a moment ago. */
export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.unref();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

function pgRequire() {
	if (!PG_URL) {
		throw new Error('PRIVD_TEST_PG_URL is not set: the PostgreSQL suites need a server ' +
			'(scripts/test-integration.sh starts one)');
	}
}

/** Runs SQL through psql against url; throws on error. */
export async function psql(url, sql, { vars = {} } = {}) {
	const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url];
	for (const [k, v] of Object.entries(vars)) args.push('-v', `${k}=${v}`);
	const r = await run('psql', args, { input: sql });
	if (r.code !== 0) throw new Error(`psql failed (${r.code}): ${r.stderr}`);
	return r.stdout;
}

function withDatabase(url, db) {
	const u = new URL(url);
	u.pathname = '/' + db;
	return u.toString();
}

/** A fresh, empty database on the test server; returns its name and URL. */
export async function createDatabase() {
	pgRequire();
	const name = `privd_t_${process.pid}_${randomBytes(4).toString('hex')}`;
	await psql(PG_URL, `CREATE DATABASE ${name};`);
	return { name, url: withDatabase(PG_URL, name) };
}

// ---------------------------------------------------------------------------------------------------------------
// data directories and servers

/**
 * Creates a data directory with `privd init`. Returns { root, dataDir, dbUrl, dbName, adminKey, init }.
 * opts: engine, serverCountry, operatorName, extraArgs, env (environment of `privd init`, e.g. PRIVD_CONSENT_*).
 */
export async function initInstance({ engine = 'sqlite', serverCountry, operatorName, extraArgs = [], env = {} } = {}) {
	const createdMs = Date.now();
	let dbUrl = null;
	let dbName = null;
	if (engine === 'postgres') {
		const db = await createDatabase();
		dbUrl = db.url;
		dbName = db.name;
	}
	const root = await mkdtemp(path.join(os.tmpdir(), 'privd-it-'));
	try {
		return { ...(await initIn(root, { engine, dbUrl, dbName, serverCountry, operatorName, extraArgs, env })), createdMs };
	} catch (e) {
		await rm(root, { recursive: true, force: true });
		throw e;
	}
}

async function initIn(root, { engine, dbUrl, dbName, serverCountry, operatorName, extraArgs, env }) {
	const dataDir = path.join(root, 'data');
	const args = ['init', '--data-dir', dataDir];
	if (dbUrl) args.push('--database', dbUrl);
	if (serverCountry) args.push('--server-country', serverCountry);
	if (operatorName) args.push('--operator-name', operatorName);
	args.push(...extraArgs);
	const init = await privd(args, { env });
	if (init.code !== 0) {
		throw new Error(`privd init failed (exit ${init.code}):\n${init.stdout}\n${init.stderr}`);
	}
	const lines = init.stdout.trimEnd().split('\n');
	const last = lines[lines.length - 1];
	const m = /^admin_key=(\S+)$/.exec(last);
	if (!m) throw new Error(`privd init: last line is not admin_key=<key>: ${JSON.stringify(last)}`);
	return { root, engine, dataDir, dbUrl, dbName, adminKey: m[1], init };
}

/**
 * Starts `privd serve` for an instance and waits for its http.listening log line.
 * opts: listen (default 127.0.0.1:0; null for none), env, args, passDatabase (default true).
 * Resolves to a Server; rejects (with the process's output) when it exits first or does not listen in time.
 */
export async function serve(inst, { listen = '127.0.0.1:0', env = {}, args = [], passDatabase = true,
	timeout = 20_000 } = {}) {
	const argv = ['serve', '--data-dir', inst.dataDir];
	if (listen) argv.push('--listen', listen);
	if (passDatabase && inst.dbUrl) argv.push('--database', inst.dbUrl);
	argv.push(...args);
	const srv = new Server(inst, argv, env);
	await srv.started(timeout);
	return srv;
}

/**
 * Two privd nodes on one PostgreSQL database, as behind a load balancer: the same configuration and master key,
 * a directory each. Registers before/after hooks in the enclosing suite; the returned object's instA, instB, a
 * and b are set once the before hook has run. The after hook stops both and removes their data.
 */
export function withTwoNodes() {
	const nodes = { instA: null, instB: null, a: null, b: null };
	before(async () => {
		nodes.instA = await initInstance({ engine: 'postgres' });
		const root = `${nodes.instA.root}-b`;
		nodes.instB = { ...nodes.instA, root, dataDir: `${root}/data` };
		await cp(nodes.instA.root, root, { recursive: true, preserveTimestamps: true });
		nodes.a = await serve(nodes.instA);
		nodes.b = await serve(nodes.instB);
	});
	after(async () => {
		for (const s of [nodes.a, nodes.b]) if (s) await s.stop();
		for (const i of [nodes.instA, nodes.instB]) if (i) await removeInstance(i);
	});
	return nodes;
}

/** init + serve, with the API keys of every role created (srv.keys.admin|operator|app|auditor). */
export async function startPrivd(engine, opts = {}) {
	const inst = await initInstance({ engine, ...opts });
	let srv;
	try {
		srv = await serve(inst, opts.serve || {});
		await srv.createRoleKeys();
	} catch (e) {
		if (srv) await srv.stop();
		await removeInstance(inst);
		throw e;
	}
	return srv;
}

export class Server {
	constructor(inst, argv, env) {
		Object.assign(this, inst);
		this.inst = inst;
		this.argv = argv;
		this.env = env;
		this.stdout = '';
		this.stderr = '';
		this.keys = { admin: inst.adminKey };
		this.pii = [];	// personal data sent to this instance, never to be found in logs or stores
		this.exit = null;
		this.proc = spawn(BIN, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
		live.add(this.proc);
		this.proc.stdout.setEncoding('utf8');
		this.proc.stderr.setEncoding('utf8');
		this.proc.stdout.on('data', (d) => { this.stdout += d; });
		this.proc.stderr.on('data', (d) => { this.stderr += d; });
		this.exited = new Promise((resolve) => {
			this.proc.on('exit', (code, signal) => {
				live.delete(this.proc);
				this.exit = { code, signal };
				resolve(this.exit);
			});
		});
	}

	started(timeout) {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				cleanup();
				this.proc.kill('SIGKILL');
				reject(new Error(`privd did not log http.listening within ${timeout} ms; stderr:\n${this.stderr}`));
			}, timeout);
			const onData = () => {
				for (const line of this.stderr.split('\n')) {
					let o;
					try { o = JSON.parse(line); } catch { continue; }
					if (o && o.event === 'http.listening' && Number.isInteger(o.port)) {
						cleanup();
						this.port = o.port;
						this.url = `http://127.0.0.1:${o.port}`;
						resolve(this);
						return;
					}
				}
			};
			const onExit = (code, signal) => {
				cleanup();
				reject(new Error(`privd serve exited (code ${code}, signal ${signal}) before listening:\n` +
					`${this.stdout}\n${this.stderr}`));
			};
			const cleanup = () => {
				clearTimeout(timer);
				this.proc.stderr.off('data', onData);
				this.proc.off('exit', onExit);
			};
			this.proc.stderr.on('data', onData);
			this.proc.on('exit', onExit);
			onData();
		});
	}

	/** Sends a signal (SIGTERM by default) and waits for the exit; SIGKILL after `timeout` ms. */
	async stop(signal = 'SIGTERM', timeout = 15_000) {
		if (this.exit) return this.exit;
		this.proc.kill(signal);
		let timer;
		const t = new Promise((r) => { timer = setTimeout(() => r(null), timeout); });
		const res = await Promise.race([this.exited, t]);
		clearTimeout(timer);
		if (res) return res;
		this.proc.kill('SIGKILL');
		const e = await this.exited;
		return { ...e, timedOut: true };
	}

	/** Stops the process and removes its data directory (unless PRIVD_TEST_KEEP=1). */
	async destroy() {
		await this.stop();
		await removeInstance(this.inst);
	}

	/** HTTP request. opts: key (an API key), as (a role whose key is in this.keys), json (a body to encode),
	 *  body (a raw body), headers. Resolves to { status, headers, text, json }. */
	async req(method, p, opts = {}) {
		return request(this.url, method, p, { ...opts, key: opts.as ? this.keys[opts.as] : opts.key });
	}

	/** Creates one API key per non-admin role (admin uses the key from init). */
	async createRoleKeys() {
		for (const role of ROLES) {
			if (role === 'admin') continue;
			const r = await this.req('POST', '/v1/api-keys', { as: 'admin', json: { name: `test ${role}`, role } });
			assert.equal(r.status, 201, `creating an ${role} key: ${r.status} ${r.text}`);
			this.keys[role] = r.json.key;
		}
	}

	/** POST /v1/subjects with a person (see newPerson); remembers the person's personal data. */
	async register(person, { as = 'app' } = {}) {
		this.pii.push(...piiOf(person));
		return this.req('POST', '/v1/subjects', { as, json: person });
	}

	/** Registers and asserts 201; resolves to the subject. */
	async registerOk(person, opts) {
		const r = await this.register(person, opts);
		assert.equal(r.status, 201, `registration: expected 201, got ${r.status} ${r.text}`);
		return r.json;
	}

	/** Every log line privd wrote so far (stderr and stdout). */
	get log() {
		return this.stderr + this.stdout;
	}
}

export async function removeInstance(inst) {
	if (KEEP) return;
	await rm(inst.root, { recursive: true, force: true });
}

/** Plain HTTP request against a base URL; never throws for an HTTP status. */
export async function request(base, method, p, { key, json, body, headers = {} } = {}) {
	const h = { ...headers };
	if (key) h.authorization = `Bearer ${key}`;
	let b = body;
	if (json !== undefined) {
		b = JSON.stringify(json);
		if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
	}
	const res = await fetch(base + p, { method, headers: h, body: b });
	const text = await res.text();
	let parsed;
	const ct = res.headers.get('content-type') || '';
	if (/json/.test(ct)) {
		try { parsed = JSON.parse(text); } catch { parsed = undefined; }
	}
	return { status: res.status, headers: res.headers, text, json: parsed };
}

// ---------------------------------------------------------------------------------------------------------------
// people

const CYR = 'АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ';
const usedPhones = new Set();
let seq = 0;

function cyrTag(n = 6) {
	let s = '';
	for (let i = 0; i < n; i++) s += CYR[randomInt(CYR.length)];
	return s;
}

/** A date "YYYY-MM-DD" for a person `years` old today, born `daysMore` days before that birthday. */
export function birthDateForAge(years, daysMore = 40) {
	const d = new Date();
	d.setUTCHours(12, 0, 0, 0);
	d.setUTCFullYear(d.getUTCFullYear() - years);
	d.setUTCDate(d.getUTCDate() - daysMore);
	return d.toISOString().slice(0, 10);
}

export function uniquePhone() {
	for (;;) {
		const p = `+79${String(randomInt(1e9)).padStart(9, '0')}`;
		if (!usedPhones.has(p)) {
			usedPhones.add(p);
			return p;
		}
	}
}

/** A random, distinctive local part (lower case) for e-mail addresses. */
export function uniqueLocal() {
	seq += 1;
	return `t${process.pid}x${seq}q${randomBytes(5).toString('hex')}`;
}

/** The consent texts `privd init` installs: version "1" of processing and third_party_transfer, in ru and en. */
export const TEXT_VERSION = '1';

/**
 * consents with the version of the consent text shown for each purpose it grants that has one (152-FZ Art. 9 as
 * amended by 156-FZ: each grant names its text): consents.texts, unless consents already has a texts member (give
 * `texts: undefined` to send none). Returns a new object.
 */
export function withTexts(consents, version = TEXT_VERSION) {
	if (!consents || typeof consents !== 'object' || Array.isArray(consents) || 'texts' in consents) return consents;
	const texts = {};
	for (const purpose of ['processing', 'third_party_transfer']) {
		if (consents[purpose] === true) texts[purpose] = version;
	}
	return { ...consents, texts };
}

/** A body for POST /v1/subjects/{id}/consents: a grant carries its evidence, the ip and (for processing and
 *  third_party_transfer) the text version shown. */
export function grant(purpose, extra = {}) {
	const g = { purpose, granted: true, ip: '198.51.100.7', ...extra };
	if ((purpose === 'processing' || purpose === 'third_party_transfer') && !('text_version' in extra)) {
		g.text_version = TEXT_VERSION;
	}
	return g;
}

/**
 * A valid registration body with distinctive personal data. The e-mail's domain is mixed case (privd lower-cases
 * it); person.expect holds the normalised values. overrides replace members (undefined deletes one); consents given
 * in overrides get the text versions of what they grant (withTexts).
 */
export function newPerson(overrides = {}) {
	const tag = cyrTag();
	const local = uniqueLocal();
	const p = {
		name: `Анна Тестова ${tag}`,
		email: `${local}@Example.ORG`,
		phone: uniquePhone(),
		ip: `198.18.${randomInt(1, 255)}.${randomInt(1, 255)}`,
		birth_date: birthDateForAge(30 + randomInt(20), randomInt(300)),
		residence_country: 'RU',
		policy_version: '1',
		consents: { processing: true, third_party_transfer: false, cookies: [] },
	};
	for (const [k, v] of Object.entries(overrides)) {
		if (v === undefined) delete p[k];
		else p[k] = v;
	}
	p.consents = withTexts(p.consents);
	Object.defineProperty(p, 'tag', { value: tag, enumerable: false });
	return p;
}

/** Normalised e-mail as privd must store it: trimmed, domain lower-cased. */
export function normEmail(e) {
	const t = e.trim();
	const at = t.lastIndexOf('@');
	return t.slice(0, at) + '@' + t.slice(at + 1).toLowerCase();
}

/** The name, e-mail and phone of a registration body, in every form worth searching stored bytes for. */
export function corePii(person) {
	const out = [];
	if (typeof person.name === 'string' && person.name.trim()) {
		out.push(person.name.trim());
		if (person.tag) out.push(person.tag);
	}
	if (typeof person.email === 'string' && person.email.includes('@')) {
		out.push(person.email.trim(), normEmail(person.email), person.email.trim().split('@')[0]);
	}
	if (typeof person.phone === 'string' && person.phone.length > 6) {
		const digits = person.phone.replace(/\D/g, '');
		out.push(`+${digits}`, digits);
	}
	return [...new Set(out)].filter((s) => s.length >= 6);
}

/** All personal data of a registration body (corePii plus birth date and IP address): none may reach a log. */
export function piiOf(person) {
	const out = corePii(person);
	if (typeof person.birth_date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(person.birth_date)) {
		out.push(person.birth_date);
	}
	if (typeof person.ip === 'string' && person.ip.length >= 7) out.push(person.ip);
	return [...new Set(out)];
}

// ---------------------------------------------------------------------------------------------------------------
// assertions

/** Asserts an RFC 9457 problem of privd's type `slug` with `status`; fields: names that errors[] must hold. */
export function assertProblem(res, status, slug, { fields = [], path: instance } = {}) {
	const ctx = `${res.status} ${res.text.slice(0, 600)}`;
	assert.equal(res.status, status, `expected status ${status}, got ${ctx}`);
	const ct = res.headers.get('content-type') || '';
	assert.match(ct, /^application\/problem\+json/, `content-type of a ${status} problem: ${ct}`);
	assert.ok(res.json && typeof res.json === 'object', `problem body is JSON: ${ctx}`);
	assert.equal(res.json.type, `urn:privd:problem:${slug}`, `problem type: ${ctx}`);
	assert.equal(res.json.status, status, `problem status member: ${ctx}`);
	assert.equal(typeof res.json.title, 'string', `problem title: ${ctx}`);
	if (instance) assert.equal(res.json.instance, instance, `problem instance: ${ctx}`);
	if (fields.length) {
		assert.ok(Array.isArray(res.json.errors), `problem has errors[]: ${ctx}`);
		const named = res.json.errors.map((e) => e.field);
		for (const f of fields) {
			assert.ok(named.includes(f), `errors name the field ${JSON.stringify(f)}: got ${JSON.stringify(named)}`);
		}
		for (const e of res.json.errors) assert.equal(typeof e.reason, 'string', `each error has a reason: ${ctx}`);
	}
	return res.json;
}

export function assertJson(res, status) {
	assert.equal(res.status, status, `expected ${status}, got ${res.status} ${res.text.slice(0, 600)}`);
	assert.match(res.headers.get('content-type') || '', /^application\/json/, 'content-type application/json');
	assert.ok(res.json !== undefined, `body is JSON: ${res.text.slice(0, 200)}`);
	return res.json;
}

/** Asserts that none of the strings occurs in text. */
export function assertAbsent(text, strings, where) {
	for (const s of strings) {
		assert.ok(!text.includes(s), `${where} contains personal data ${JSON.stringify(s)}`);
	}
}

/** Asserts every non-empty line of a log is a JSON object and that no personal data occurs in it. */
export function assertCleanLog(srv) {
	const lines = srv.log.split('\n').filter((l) => l.trim() !== '');
	for (const l of lines) {
		let o;
		try { o = JSON.parse(l); } catch { o = undefined; }
		assert.ok(o && typeof o === 'object' && !Array.isArray(o), `log line is not a JSON object: ${l.slice(0, 300)}`);
	}
	assertAbsent(srv.log, srv.pii, `privd's log (${srv.engine})`);
}

// ---------------------------------------------------------------------------------------------------------------
// searching stored bytes

async function* walk(dir) {
	let entries;
	try { entries = await readdir(dir, { withFileTypes: true }); } catch { return; }
	for (const e of entries) {
		const p = path.join(dir, e.name);
		if (e.isDirectory()) yield* walk(p);
		else if (e.isFile()) yield p;
	}
}

function needlesOf(strings) {
	const out = [];
	for (const s of strings) {
		out.push({ s, enc: 'utf8', buf: Buffer.from(s, 'utf8') });
		if (/[^\x00-\x7f]/.test(s)) out.push({ s, enc: 'utf16le', buf: Buffer.from(s, 'utf16le') });
	}
	return out;
}

/** Reads every file under dir; returns [{file, s, enc}] for each string found in a file's bytes. */
export async function findInFiles(dir, strings, { since } = {}) {
	const needles = needlesOf(strings);
	const hits = [];
	for await (const f of walk(dir)) {
		let buf;
		try {
			if (since !== undefined && (await stat(f)).mtimeMs < since) continue;
			buf = await readFile(f);
		} catch { continue; }
		for (const n of needles) {
			if (buf.indexOf(n.buf) >= 0) hits.push({ file: path.relative(dir, f), s: n.s, enc: n.enc });
		}
	}
	return hits;
}

/** Lists the files under dir with their sizes. */
export async function listFiles(dir) {
	const out = [];
	for await (const f of walk(dir)) out.push({ file: path.relative(dir, f), size: (await stat(f)).size });
	return out;
}

/** pg_dump of a database (schema and data of every schema) as bytes. */
export async function pgDump(url) {
	const r = await run('pg_dump', ['--no-owner', '--no-privileges', '-d', url]);
	if (r.code !== 0) throw new Error(`pg_dump failed (${r.code}): ${r.stderr}`);
	return r.stdoutBuf;
}

/** Which of the strings occur in a buffer. */
export function findInBuffer(buf, strings) {
	return needlesOf(strings).filter((n) => buf.indexOf(n.buf) >= 0).map((n) => ({ s: n.s, enc: n.enc }));
}

/** Runs SQL through the sqlite3 command-line shell on a database file; throws on error. */
export async function sqlite(file, sql) {
	const r = await run('sqlite3', ['-batch', '-bail', file], { input: sql });
	if (r.code !== 0) throw new Error(`sqlite3 ${file} failed (${r.code}): ${r.stderr}`);
	return r.stdout;
}

/**
 * Where the strings occur in what the instance stored: every file of the data directory (SQLite: privd.db, its
 * WAL and shared memory, keystore.db, ...), or for PostgreSQL a pg_dump of its database (every schema) and,
 * when PRIVD_TEST_PG_DIR is set, every file of the cluster (heap and WAL) written since the instance was made.
 * Resolves to a list of hits.
 */
export async function findStored(inst, strings) {
	const hits = (await findInFiles(inst.dataDir, strings)).map((h) => ({ where: `data dir: ${h.file}`, ...h }));
	if (inst.engine === 'postgres') {
		const dump = await pgDump(inst.dbUrl);
		hits.push(...findInBuffer(dump, strings).map((h) => ({ where: 'pg_dump', ...h })));
		if (PG_DIR && existsSync(PG_DIR)) {
			// only the files written since the instance was made (its database's, the WAL's since): the cluster is
			// shared by every test, and reading all of it took minutes on a loaded machine
			const since = inst.createdMs !== undefined ? inst.createdMs - 2000 : undefined;
			hits.push(...(await findInFiles(PG_DIR, strings, { since }))
				.map((h) => ({ where: `cluster: ${h.file}`, ...h })));
		}
	}
	return hits;
}

/** Row count of every table of the instance (SQLite: privd.db and keystore.db; PostgreSQL: public, privd_keys). */
export async function tableCounts(inst) {
	const counts = {};
	if (inst.engine === 'postgres') {
		const tables = (await psql(inst.dbUrl, "SELECT table_schema || '.' || table_name FROM information_schema.tables " +
			"WHERE table_schema IN ('public', 'privd_keys') AND table_type = 'BASE TABLE' ORDER BY 1;"))
			.split('\n').filter(Boolean);
		if (tables.length === 0) return counts;
		const sql = tables.map((t) => `SELECT '${t}', count(*) FROM ${t}`).join(' UNION ALL ') + ';';
		for (const line of (await psql(inst.dbUrl, sql)).split('\n').filter(Boolean)) {
			const [t, n] = line.split('|');
			counts[t] = Number(n);
		}
		return counts;
	}
	for (const db of ['privd.db', 'keystore.db']) {
		const file = path.join(inst.dataDir, db);
		if (!existsSync(file)) continue;
		const tables = (await sqlite(file, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1;"))
			.split('\n').filter(Boolean);
		if (tables.length === 0) continue;
		const sql = tables.map((t) => `SELECT '${t}', count(*) FROM "${t}"`).join(' UNION ALL ') + ';';
		for (const line of (await sqlite(file, sql)).split('\n').filter(Boolean)) {
			const [t, n] = line.split('|');
			counts[`${db}:${t}`] = Number(n);
		}
	}
	return counts;
}

// ---------------------------------------------------------------------------------------------------------------
// suites

/** describe(title) once per engine: the engines' suites run concurrently (each has its own privd), the tests
 *  inside one suite in order. */
export function forEngines(title, fn) {
	describe(title, { concurrency: true }, () => {
		for (const engine of engines()) describe(engine, { concurrency: 1 }, () => fn(engine));
	});
}

/**
 * One privd for the enclosing suite, started before its tests. Call ctx.closingTest() after the suite's last
 * test: it adds a test that stops privd with SIGTERM, expects exit code 0, and checks that privd's whole log is
 * JSON lines without the personal data sent to it. The after hook stops privd in any case and removes its data.
 */
export function withServer(engine, opts = {}) {
	const ctx = { srv: null, closed: false };
	before(async () => { ctx.srv = await startPrivd(engine, opts); });
	ctx.closingTest = () => it('SIGTERM ends privd with exit 0; its log is JSON lines without personal data', async () => {
		ctx.closed = true;
		const srv = ctx.srv;
		assert.ok(srv, 'privd started');
		const e = await srv.stop();
		assert.deepEqual({ code: e.code, signal: e.signal }, { code: 0, signal: null },
			`privd serve should exit 0 on SIGTERM${e.timedOut ? ' (it did not exit within 15 s)' : ''}`);
		assertCleanLog(srv);
	});
	after(async () => {
		const srv = ctx.srv;
		if (!srv) return;
		const e = await srv.stop();
		await removeInstance(srv.inst);
		if (!ctx.closed) {
			// A suite without closingTest(): the same checks, reported as a hook failure.
			assert.equal(e.code, 0, 'privd serve should exit 0 on SIGTERM');
			assertCleanLog(srv);
		}
	});
	return ctx;
}

export { existsSync };

// SPDX-License-Identifier: AGPL-3.0-or-later
// The SIGABRT while draining (issue 13): privd once died on SIGTERM with libmicrohttpd's "MHD_stop_daemon() called
// while we have suspended connections". The stop waited for the suspended connections it knew of, then gave the
// requests in flight a last second; a request arriving meanwhile on a connection already open (a keep-alive
// connection is not closed by closing the listener) could suspend its connection again in that second — a write
// waiting for its commit, or a refused upload parked unread — and the library aborted when asked to stop with it.
// Here every kind of suspended connection is in flight when SIGTERM comes and arrives again on open connections
// during the drain's grace and after it: registrations and consent changes (suspended until the writer commits),
// uploads refused before their body (too large, or past the body memory: answered on the socket and parked unread),
// a stalled upload that keeps the drain waiting its full grace, and a slowloris. Asserted what an operator sees: exit
// status 0, no abort in the log, every write answered 201 there after a restart, and after the grace a write refused
// with 503 before it is stored.
import assert from 'node:assert/strict';
import net from 'node:net';
import { it } from 'node:test';
import {
	assertCleanLog, forEngines, newPerson, piiOf, removeInstance, serve, sleep, startPrivd,
} from './lib/privd.mjs';
import { rawRequest, responses, trickle } from './lib/net.mjs';
import { fileRequest } from './lib/requests.mjs';

const BODY_MEMORY = 1024 * 1024; // [server] body_memory, the least it may be
const EARLY = 8;    // keep-alive connections used during the stop's grace, one every EARLY_MS from 2 s after SIGTERM
const EARLY_MS = 250;
const LATE = 48;    // and after it, one every STEP_MS from 5.15 s after SIGTERM
const STEP_MS = 50;

/** A keep-alive connection spoken to in raw bytes: send() resolves to the next answer's status, or null when the
 *  connection closed (or nothing came within `timeout`). */
class Kept {
	constructor(port) {
		this.chunks = [];
		this.seen = 0;
		this.waiter = null;
		this.closed = false;
		this.sock = net.connect({ host: '127.0.0.1', port });
		this.sock.on('error', () => {});
		this.sock.on('data', (d) => { this.chunks.push(d); this.poke(); });
		this.sock.on('close', () => { this.closed = true; this.poke(); });
		this.ready = new Promise((resolve) => this.sock.on('connect', resolve));
	}

	poke() {
		if (!this.waiter) return;
		const all = responses(Buffer.concat(this.chunks));
		if (all.length > this.seen) {
			const a = all[this.seen++];
			this.waiter({ status: a.status, headers: a.headers, json: safeJson(a.body) });
		} else if (this.closed) {
			this.waiter(null);
		} else {
			return;
		}
		this.waiter = null;
	}

	send(bytes, timeout = 30_000) {
		return new Promise((resolve) => {
			const timer = setTimeout(() => { this.waiter = null; resolve(null); }, timeout);
			this.waiter = (a) => { clearTimeout(timer); resolve(a); };
			if (!this.closed) this.sock.write(bytes);
			this.poke();
		});
	}

	end() { this.sock.destroy(); }
}

function safeJson(s) {
	try { return JSON.parse(s); } catch { return null; }
}

const json = (key, method, target, body) => {
	const b = Buffer.from(JSON.stringify(body));
	return rawRequest(method, target, [['Authorization', `Bearer ${key}`], ['Content-Type', 'application/json'],
		['Content-Length', String(b.length)]], b);
};

forEngines('SIGTERM with suspended connections in flight (the SIGABRT while draining)', (engine) => {
	it('exits 0 without an abort, every write answered 201 durable', { timeout: 120_000 }, async () => {
		const srv = await startPrivd(engine, { serve: { env: { PRIVD_SERVER_BODY_MEMORY: String(BODY_MEMORY) } } });
		const app = srv.keys.app;
		const subject = await srv.registerOk(newPerson(), { as: 'admin' });
		const request = await fileRequest(srv, subject.id, 'access');
		const registered = []; // [person, id] answered 201
		const consents = [];   // seq of each consent change answered 201
		const note = (a, person) => {
			if (a?.status === 201 && person) registered.push([person, a.json.id]);
			else if (a?.status === 201) consents.push(a.json.seq);
		};
		const register = (c) => {
			const p = newPerson();
			srv.pii.push(...piiOf(p));
			return c.send(json(app, 'POST', '/v1/subjects', p)).then((a) => (note(a, p), a));
		};
		let flip = false;
		const consent = (c) => {
			flip = !flip;
			return c.send(json(app, 'POST', `/v1/subjects/${subject.id}/consents`,
				{ purpose: 'cookies.analytics', granted: flip, ip: '198.51.100.7' })).then((a) => (note(a), a));
		};
		// answered on the socket before a byte of the body is read, then parked unread: a JSON body declared over its
		// limit (413), and a document that does not fit in the body memory (503)
		let big = false;
		const refused = (c) => {
			big = !big;
			return c.send(big
				? rawRequest('POST', '/v1/subjects', [['Authorization', `Bearer ${app}`],
					['Content-Type', 'application/json'], ['Content-Length', String(4 * 1024 * 1024)]], '{"name":')
				: rawRequest('PUT', `/v1/requests/${request.id}/document`, [['Authorization', `Bearer ${app}`],
					['Content-Type', 'application/pdf'], ['Content-Length', String(2 * BODY_MEMORY)]], '%PDF-1.4\n'));
		};

		const kept = Array.from({ length: EARLY + LATE + 1 }, () => new Kept(srv.port));
		for (const c of kept) {
			await c.ready;
			const a = await c.send(rawRequest('GET', '/healthz'));
			assert.equal(a?.status, 200, 'a keep-alive connection opened');
			assert.notEqual(a.headers.connection, 'close');
		}
		// in flight at SIGTERM: a stalled upload (the drain waits its whole grace for it), a slowloris, and a stream
		// of writes on connections of their own
		const stalled = new Kept(srv.port);
		await stalled.ready;
		stalled.sock.write(rawRequest('POST', '/v1/subjects', [['Authorization', `Bearer ${app}`],
			['Content-Type', 'application/json'], ['Content-Length', '4000']], '{"name":"'));
		const slow = trickle(srv.port, 'POST /v1/subjects HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(200),
			{ every: 100 });
		let stopping = false;
		const streams = Array.from({ length: 4 }, async (_, i) => {
			const c = new Kept(srv.port);
			await c.ready;
			while (!stopping && !c.closed) await (i % 2 ? consent(c) : register(c));
			c.end();
		});
		for (const until = Date.now() + 30_000; (!registered.length || !consents.length) && Date.now() < until;) {
			await sleep(20); // writes are being answered when SIGTERM comes
		}
		const parked = kept.pop(); // refused and parked at SIGTERM
		const sent = [refused(parked)];
		await sleep(50);

		const t0 = Date.now();
		const exited = srv.stop('SIGTERM', 60_000);
		// requests on the open connections through the drain: the stop's grace (5 s, held to its end by the stalled
		// upload) ends at about t0 + 5 s, and its last wait one second later; every kind of suspension arrives during
		// the grace, and again from just after it to well past the last wait
		const late = [];
		for (let i = 0; i < kept.length; i++) {
			const at = i < EARLY ? 2000 + i * EARLY_MS : 5150 + (i - EARLY) * STEP_MS;
			await sleep(Math.max(0, t0 + at - Date.now()));
			if (srv.exit) break;
			const kind = i % 3;
			const p = kind === 0 ? refused(kept[i]) : kind === 1 ? register(kept[i]) : consent(kept[i]);
			sent.push(p);
			if (i >= EARLY) late.push(p.then((a) => [kind, a?.status ?? null]));
		}
		const exit = await exited;
		stopping = true;
		await Promise.all([...sent, ...streams]);
		for (const c of [...kept, parked, stalled]) c.end();
		slow.stop();

		const log = srv.log;
		assert.deepEqual({ code: exit.code, signal: exit.signal, timedOut: exit.timedOut },
			{ code: 0, signal: null, timedOut: undefined }, log.slice(-3000));
		assert.doesNotMatch(log, /suspended connections|Fatal error|http\.panic/, 'no abort in the log');
		assertCleanLog(srv);
		// after the grace a write is refused before it is stored (a 201 only from a write that beat the gate by the
		// few milliseconds this side's clock may be early), or its connection closed; an upload refused as always
		const after = await Promise.all(late);
		for (const [kind, status] of after) {
			const allowed = kind === 0 ? [413, 503, null] : [201, 503, null];
			assert.ok(allowed.includes(status), `a request after the grace: ${status}`);
		}
		assert.ok(after.some(([kind, status]) => kind !== 0 && status === 503), 'a write after the grace gets 503');
		assert.ok(registered.length >= 1 && consents.length >= 1, `writes answered: ${registered.length} ` +
			`registrations, ${consents.length} consent changes`);

		const again = await serve(srv.inst);
		try {
			for (const [p, id] of registered) {
				const g = await again.req('GET', `/v1/subjects/${id}`, { key: srv.inst.adminKey });
				assert.equal(g.status, 200, 'a registration answered 201 survives the stop');
				assert.equal(g.json.name, p.name);
			}
			const stored = new Set();
			for (let after = null; ;) {
				const h = await again.req('GET', `/v1/subjects/${subject.id}/consents?limit=1000` +
					(after === null ? '' : `&after=${after}`), { key: srv.inst.adminKey });
				assert.equal(h.status, 200);
				for (const r of h.json.history) stored.add(r.seq);
				if (h.json.next_after === null) break;
				after = h.json.next_after;
			}
			for (const seq of consents) assert.ok(stored.has(seq), `the consent change ${seq} answered 201 survives`);
		} finally {
			assert.equal((await again.stop()).code, 0);
			await removeInstance(srv.inst);
		}
	});
});

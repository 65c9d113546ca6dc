// SPDX-License-Identifier: AGPL-3.0-or-later
// Slow and greedy clients at a small size (the figure, with 2,000 of them and wrk, is bench/slow-clients.mjs): 200
// connections trickling headers or bodies, idle on keep-alive or stalling uploads (tests/abuse/slow.mjs), from 20
// client addresses, while legitimate consent checks go on. Asserted: every legitimate request answered 200, the
// trickling ones cut off at the header deadline (or refused once the body memory is full), privd's memory bounded
// by [server] body_memory, privd alive; and that a greedy upload is refused cheaply: one that cannot fit in the body
// memory left, or in its address's share of it ([server] body_memory_per_ip), gets 503 with Retry-After before a
// byte of its body is read, and its connection is closed with the body unread. And, as a regression test, that
// keep-alive clients from their own address keep every connection while the deadlines cut the slow ones (the
// sweeper once closed them between two requests), with /metrics counting each close by its cause. Deadlines short
// here so that the test is.
import assert from 'node:assert/strict';
import net from 'node:net';
import { it } from 'node:test';
import { forEngines, grant, newPerson, sleep, withServer } from './lib/privd.mjs';
import { makePdf } from './lib/documents.mjs';
import { keepAlive, rawRequest, responses } from './lib/net.mjs';
import { attach, fileRequest } from './lib/requests.mjs';
import { rssKiB, slowClientsApart } from '../abuse/slow.mjs';

const HEADER_TIMEOUT_S = 2;
const BODY_MEMORY = 8 * 1024 * 1024;
const BODY_MEMORY_PER_IP = 4 * 1024 * 1024;
const MiB = 1024 * 1024;

/** A document upload's request line and headers declaring `length` bytes. */
function uploadHead(srv, requestId, length) {
	return `PUT /v1/requests/${requestId}/document HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
		`Authorization: Bearer ${srv.keys.app}\r\nContent-Type: application/pdf\r\nContent-Length: ${length}\r\n\r\n`;
}

/** An upload that sends its headers and `sent` bytes of its body from localAddress, then stalls (resolves once the
 *  bytes are written); .destroy() ends it. */
function holder(port, localAddress, head, sent) {
	return new Promise((resolve) => {
		const c = net.connect({ host: '127.0.0.1', port, localAddress }, () => {
			c.write(head);
			c.write(Buffer.alloc(sent, 0x25), () => resolve(c));
		});
		c.on('error', () => {});
	});
}

/**
 * An upload that sends its headers and then its whole declared body as fast as the server takes it. Resolves when
 * the server closes the connection (or after 15 s) to { answers, closed, unsent: bytes of the body still waiting
 * to be taken by the connection just before it ended, data }.
 */
function greedy(port, localAddress, head, length) {
	return new Promise((resolve) => {
		const chunks = [];
		let done = false;
		const c = net.connect({ host: '127.0.0.1', port, localAddress });
		let unsent = 0;
		const sampler = setInterval(() => { unsent = c.writableLength; }, 20); // gone once the socket is closed
		const finish = (closed) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			clearInterval(sampler);
			c.destroy();
			const data = Buffer.concat(chunks);
			resolve({ answers: responses(data), closed, unsent, data: data.toString('latin1').slice(0, 400) });
		};
		const timer = setTimeout(() => finish(false), 15_000);
		c.on('data', (d) => chunks.push(d));
		c.on('error', () => {});
		c.on('close', () => finish(true));
		c.on('connect', () => { c.write(head); c.write(Buffer.alloc(length, 0x25)); });
	});
}

/** The bytes of request bodies privd holds now (its metric). */
async function heldBodies(srv) {
	const r = await srv.req('GET', '/metrics');
	return Number(/^privd_http_body_memory_bytes (\d+)$/m.exec(r.text)?.[1] ?? NaN);
}

/** privd_http_connections_closed_total by reason, from /metrics. */
async function closedByCause(srv) {
	const r = await srv.req('GET', '/metrics');
	const out = {};
	for (const m of r.text.matchAll(/^privd_http_connections_closed_total\{reason="(\w+)"\} (\d+)$/gm)) out[m[1]] = Number(m[2]);
	return out;
}

/** Waits (at most 10 s) until privd holds no body memory, e.g. after an earlier test's clients are gone. */
async function bodiesGone(srv) {
	for (let i = 0; i < 50 && (await heldBodies(srv)) !== 0; i++) await sleep(200);
	assert.equal(await heldBodies(srv), 0, 'no body memory held before the test');
}

forEngines('slow and greedy clients', (engine) => {
	const ctx = withServer(engine, {
		serve: {
			env: {
				PRIVD_SERVER_HEADER_TIMEOUT: String(HEADER_TIMEOUT_S),
				PRIVD_SERVER_REQUEST_TIMEOUT: '4',
				PRIVD_SERVER_BODY_MEMORY: String(BODY_MEMORY),
				PRIVD_SERVER_BODY_MEMORY_PER_IP: String(BODY_MEMORY_PER_IP),
			},
		},
	});

	it('200 slow clients: legitimate checks all answered 200, the slow ones cut at the deadline, memory bounded',
		{ timeout: 120_000 }, async () => {
			const srv = ctx.srv;
			const s = await srv.registerOk(newPerson());
			const q = await fileRequest(srv, s.id, 'access');
			const check = `/v1/subjects/${s.id}/consents/processing`;
			assert.equal((await srv.req('GET', check, { as: 'app' })).status, 200);
			const rssBefore = await rssKiB(srv.proc.pid);
			const attack = slowClientsApart(srv.port, 200, { subjectId: s.id, requestId: q.id, appKey: srv.keys.app },
				{ every: 500 });
			let rssMax = 0;
			const statuses = {};
			const t0 = Date.now();
			// four legitimate clients, one check after another, for three header deadlines
			await Promise.all(Array.from({ length: 4 }, async () => {
				while (Date.now() - t0 < HEADER_TIMEOUT_S * 3000 + 1000) {
					let status;
					try {
						status = (await srv.req('GET', check, { as: 'app' })).status;
					} catch (e) {
						status = `error ${e.cause?.code || e.message}`;
					}
					statuses[status] = (statuses[status] || 0) + 1;
					rssMax = Math.max(rssMax, await rssKiB(srv.proc.pid));
					await sleep(20);
				}
			}));
			const held = attack.stats.open;
			const st = await attack.stop();
			const report = JSON.stringify({ statuses, held, ...st, rssBefore, rssMax });
			assert.deepEqual(Object.keys(statuses), ['200'], `every legitimate check answered 200: ${report}`);
			assert.ok(statuses[200] >= 20, `legitimate checks went on: ${report}`);
			assert.equal(st.refused, 0, `no slow client refused at connect (they are cut later): ${report}`);
			// cut at the header deadline: each once at least, and none held much longer than it
			for (const kind of ['slowloris', 'idle']) {
				assert.ok(st.cut[kind] >= 50, `the ${kind} clients were cut: ${report}`);
				// near it: within 5 s on a machine loaded by other suites (the library's own idle limit, 30 s, is what
				// would cut them otherwise)
				assert.ok(st.cutMaxMs[kind] <= HEADER_TIMEOUT_S * 1000 + 5000, `${kind} cut near the deadline: ${report}`);
				assert.ok(st.cutMinMs[kind] >= HEADER_TIMEOUT_S * 1000 - 500, `${kind} not cut before it: ${report}`);
			}
			// the stalled uploads: refused (503) once the body memory is full, the rest at the request deadline (408)
			assert.ok(st.answers[503] > 0, `uploads past [server] body_memory refused: ${report}`);
			assert.ok(st.cut.slowpost > 0 && st.cut.stalled > 0, `slow bodies cut: ${report}`);
			assert.ok(rssMax - rssBefore <= BODY_MEMORY / 1024 + 64 * 1024,
				`VmRSS bounded by body_memory (and 64 MiB for the rest): ${report}`);
			assert.equal(srv.exit, null, 'privd alive');
		});
	// The sweeper once took the clock of a connection stamped after its pass began for 2^64 ms gone, and closed
	// keep-alive connections between two of their requests: wrk saw read errors, 14 to 64 connections at once.
	it('regression: keep-alive clients keep every connection and get every answer while slowloris and stalled ' +
		'uploads from other addresses are cut', { timeout: 120_000 }, async () => {
		const srv = ctx.srv;
		const s = await srv.registerOk(newPerson());
		const q = await fileRequest(srv, s.id, 'access');
		const closedBefore = await closedByCause(srv);
		const check = rawRequest('GET', `/v1/subjects/${s.id}/consents/processing`,
			[['Authorization', `Bearer ${srv.keys.app}`]]);
		// the legitimate connections first, so that the sweeper (which walks the newest first) reaches them after
		// the slow ones; for three header deadlines
		const clients = Promise.all(Array.from({ length: 32 }, () =>
			keepAlive(srv.port, check, { ms: HEADER_TIMEOUT_S * 3000 + 3000, localAddress: '127.0.0.1' })));
		await sleep(200);
		const attack = slowClientsApart(srv.port, 1000, { subjectId: s.id, requestId: q.id, appKey: srv.keys.app },
			{ every: 500, kinds: ['slowloris', 'stalled'] });
		const legit = await clients;
		const st = await attack.stop();
		// privd counts a connection once the library has closed it, a moment after the client saw it cut: on a
		// loaded machine some hundreds of the 1,500 were still to be counted when /metrics was read at once
		let closed = await closedByCause(srv);
		for (let i = 0; i < 100 && closed.header_timeout - closedBefore.header_timeout < st.cut.slowloris * 0.9; i++) {
			await sleep(100);
			closed = await closedByCause(srv);
		}
		const sent = legit.reduce((n, c) => n + c.sent, 0);
		const ok = legit.reduce((n, c) => n + (c.statuses[200] || 0), 0);
		const report = JSON.stringify({ sent, ok, lost: legit.filter((c) => c.closedEarly).length,
			errors: legit.map((c) => c.error).filter(Boolean), attack: st, closedBefore, closed });
		assert.ok(legit.every((c) => !c.closedEarly), `no legitimate connection closed under its client: ${report}`);
		assert.equal(ok, sent, `every legitimate request answered 200: ${report}`);
		assert.ok(sent >= 32 * 20, `the legitimate clients kept asking: ${report}`);
		// the attack's own connections were still cut, and /metrics says why
		assert.ok(st.cut.slowloris >= 250, `slowloris cut at the header deadline: ${report}`);
		assert.ok(st.cut.stalled > 0 && (st.answers[503] > 0 || st.answers[408] > 0), `stalled uploads refused: ${report}`);
		assert.ok(closed.header_timeout - closedBefore.header_timeout >= st.cut.slowloris * 0.9,
			`header deadlines counted: ${report}`);
		assert.ok(closed.refused + closed.request_timeout > closedBefore.refused + closedBefore.request_timeout,
			`refusals counted: ${report}`);
		assert.equal(srv.exit, null, 'privd alive');
	});

	it('uploads that declare 1 MiB and send nothing leave the body memory to others (they held all of it)',
		{ timeout: 60_000 }, async () => {
			const srv = ctx.srv;
			const s = await srv.registerOk(newPerson());
			const q = await fileRequest(srv, s.id, 'access');
			const head = `PUT /v1/requests/${q.id}/document HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
				`Authorization: Bearer ${srv.keys.app}\r\nContent-Type: application/pdf\r\n` +
				`Content-Length: ${1024 * 1024 - 1}\r\n\r\n%PDF`; // each takes 1 MiB of it by its length
			// as many as body_memory holds by their declared lengths, each one connection, then silent
			const socks = await Promise.all(Array.from({ length: BODY_MEMORY / (1024 * 1024) }, (_, i) =>
				new Promise((resolve) => {
					const c = net.connect({ host: '127.0.0.1', port: srv.port, localAddress: `127.0.2.${i + 1}` },
						() => { c.write(head); resolve(c); });
					c.on('error', () => {});
				})));
			try {
				await sleep(300);
				const r = await srv.req('POST', `/v1/subjects/${s.id}/consents`, { as: 'app',
					json: grant('third_party_transfer') });
				assert.equal(r.status, 201, `a consent while the silent uploads hold their connections: ${r.status} ${r.text}`);
			} finally {
				for (const c of socks) c.destroy();
			}
		});

	it('an upload that cannot fit in the body memory left gets 503 with Retry-After at once, its body unread, and is closed',
		{ timeout: 60_000 }, async () => {
			const srv = ctx.srv;
			const s = await srv.registerOk(newPerson());
			const q = await fileRequest(srv, s.id, 'access');
			await bodiesGone(srv);
			// six uploads from six addresses each hold about 1 MiB (900 KiB of a declared 1 MiB arrived): 6 of 8 MiB
			const holders = [];
			for (let i = 0; i < 6; i++) holders.push(await holder(srv.port, `127.0.3.${i + 1}`, uploadHead(srv, q.id, MiB - 1), 900 * 1024));
			try {
				for (let i = 0; i < 50 && (await heldBodies(srv)) < 6 * MiB; i++) await sleep(100);
				assert.ok(await heldBodies(srv) >= 6 * MiB, 'the six stalled uploads hold their memory');
				// 9 MiB declared (under the document limit) cannot fit in the 2 MiB left: refused before its body
				let g = await greedy(srv.port, '127.0.3.100', uploadHead(srv, q.id, 9 * MiB), 9 * MiB);
				// privd lingers a bounded time for the answer to be read (250 ms once acknowledged) before it closes a
				// socket whose body it left unread, and that close resets away an answer the client has not read yet:
				// on a loaded machine the client's loop can be that late (once in CI: no answer, closed). Once more.
				if (g.answers.length === 0 && g.closed)
					g = await greedy(srv.port, '127.0.3.101', uploadHead(srv, q.id, 9 * MiB), 9 * MiB);
				const report = JSON.stringify({ ...g, answers: g.answers.map((a) => a.status) });
				assert.equal(g.answers.length, 1, `one answer: ${report}`);
				const [res] = g.answers;
				assert.equal(res.status, 503, report);
				assert.equal(JSON.parse(res.body).type, 'urn:privd:problem:unavailable');
				assert.ok(Number(res.headers['retry-after']) > 0, `Retry-After: ${report}`);
				assert.equal(res.headers.connection, 'close', report);
				assert.ok(g.closed, `the connection is closed (not left to a deadline): ${report}`);
				// privd read nothing of it: most of the 9 MiB never left the client (the buffers between the two
				// hold a few MiB at most), where a server draining the body would have taken it all
				assert.ok(g.unsent >= 2 * MiB, `the body was left unread: ${report}`);
				// the holders still hold: refusing the greedy one took nothing from them
				assert.ok(await heldBodies(srv) >= 6 * MiB, 'the stalled uploads keep their memory');
			} finally {
				for (const c of holders) c.destroy();
			}
			await bodiesGone(srv);
			const ok = await attach(srv, q.id, { data: makePdf(['after the greedy ones']), as: 'operator' });
			assert.equal(ok.document.type, 'application/pdf');
		});

	it('one client address cannot take more than [server] body_memory_per_ip; other addresses still upload',
		{ timeout: 60_000 }, async () => {
			const srv = ctx.srv;
			const s = await srv.registerOk(newPerson());
			const q = await fileRequest(srv, s.id, 'access');
			await bodiesGone(srv);
			// three uploads from one address hold about 3 of its 4 MiB
			const holders = [];
			for (let i = 0; i < 3; i++) holders.push(await holder(srv.port, '127.0.4.1', uploadHead(srv, q.id, MiB - 1), 900 * 1024));
			try {
				for (let i = 0; i < 50 && (await heldBodies(srv)) < 3 * MiB; i++) await sleep(100);
				// a fourth from the same address declaring 2 MiB does not fit its share, though the total has room
				const g = await greedy(srv.port, '127.0.4.1', uploadHead(srv, q.id, 2 * MiB), 2 * MiB);
				const report = JSON.stringify({ ...g, answers: g.answers.map((a) => a.status) });
				assert.deepEqual(g.answers.map((a) => a.status), [503], report);
				assert.ok(Number(g.answers[0].headers['retry-after']) > 0, `Retry-After: ${report}`);
				assert.ok(g.closed, report);
				// another address is not held back by the first one's share
				const r = await srv.req('PUT', `/v1/requests/${q.id}/document`, { as: 'operator',
					body: makePdf(['from another address']), headers: { 'Content-Type': 'application/pdf' } });
				assert.equal(r.status, 200, `an upload from another address: ${r.status} ${r.text}`);
			} finally {
				for (const c of holders) c.destroy();
			}
		});

	ctx.closingTest();
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// Slow and greedy clients at a small size (the figure, with 2,000 of them and wrk, is bench/slow-clients.mjs): 200
// connections trickling headers or bodies, idle on keep-alive or stalling uploads (tests/abuse/slow.mjs), from 20
// client addresses, while legitimate consent checks go on. Asserted: every legitimate request answered 200, the
// trickling ones cut off at the header deadline (or refused once the body memory is full), privd's memory bounded
// by [server] body_memory, privd alive. Deadlines short here so that the test is.
import assert from 'node:assert/strict';
import net from 'node:net';
import { it } from 'node:test';
import { forEngines, grant, newPerson, sleep, withServer } from './lib/privd.mjs';
import { fileRequest } from './lib/requests.mjs';
import { rssKiB, slowClients } from '../abuse/slow.mjs';

const HEADER_TIMEOUT_S = 2;
const BODY_MEMORY = 8 * 1024 * 1024;

forEngines('slow and greedy clients', (engine) => {
	const ctx = withServer(engine, {
		serve: {
			env: {
				PRIVD_SERVER_HEADER_TIMEOUT: String(HEADER_TIMEOUT_S),
				PRIVD_SERVER_REQUEST_TIMEOUT: '4',
				PRIVD_SERVER_BODY_MEMORY: String(BODY_MEMORY),
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
			const attack = slowClients(srv.port, 200, { subjectId: s.id, requestId: q.id, appKey: srv.keys.app },
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
				assert.ok(st.cutMaxMs[kind] <= HEADER_TIMEOUT_S * 1000 + 3000, `${kind} cut near the deadline: ${report}`);
				assert.ok(st.cutMinMs[kind] >= HEADER_TIMEOUT_S * 1000 - 500, `${kind} not cut before it: ${report}`);
			}
			// the stalled uploads: refused (503) once the body memory is full, the rest at the request deadline (408)
			assert.ok(st.answers[503] > 0, `uploads past [server] body_memory refused: ${report}`);
			assert.ok(st.cut.slowpost > 0 && st.cut.stalled > 0, `slow bodies cut: ${report}`);
			assert.ok(rssMax - rssBefore <= BODY_MEMORY / 1024 + 64 * 1024,
				`VmRSS bounded by body_memory (and 64 MiB for the rest): ${report}`);
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

	ctx.closingTest();
});

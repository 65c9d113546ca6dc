// SPDX-License-Identifier: AGPL-3.0-or-later
// The malformed-request campaign against one running privd: the fixtures that let bodies reach the parsers (a key
// of every role, a portal session, people, a request, a recipient, an incident, API keys to revoke), then `count`
// generated requests (generate.mjs) from `concurrency` clients, each on its own connection, while privd's
// liveness is watched (its pid alive and GET /healthz answering 200). What it judges, for every request: an
// answer came (within `maxMs`), no 5xx but the ones HTTP names for the case (501 for a transfer coding or a
// method privd does not implement, 505 for a version it does not speak), and no answer repeats the request's
// marker — except a successful write returning a member's value that it stored.
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { send } from './client.mjs';
import { generate, loadOperations } from './generate.mjs';
import { makePdf, makePng, JPEG, TIFF_LE } from '../integration/lib/documents.mjs';
import { ROOT, newPerson } from '../integration/lib/privd.mjs';
import { privdRoutes } from '../integration/lib/routes.mjs';
import { portalSession } from '../integration/lib/portal.mjs';
import { fileRequest } from '../integration/lib/requests.mjs';

/** The route table (`privd routes`), the request bodies (docs/openapi.yaml) and the documents to take apart. */
export async function loadContext() {
	return {
		routes: await privdRoutes(),
		ops: loadOperations(path.join(ROOT, 'docs/openapi.yaml')),
		documents: [makePdf(), makePng(), JPEG, TIFF_LE],
		fx: { keys: {}, cookie: null, ids: {} },
	};
}

async function created(srv, method, p, json, as) {
	const r = await srv.req(method, p, { as, json });
	return r.status === 201 || r.status === 200 ? r.json : null;
}

/**
 * Makes (again) what the generated requests point at: people, a request of each, a portal session, keys that may
 * be revoked, a recipient, an incident, a visitor's cookie choice. Ids are kept by the path segment before them.
 */
export async function prepare(srv, ctx) {
	const fx = ctx.fx;
	fx.keys = { ...srv.keys };
	const ids = { subjects: [], requests: [], 'api-keys': [], recipients: [], incidents: [], 'cookie-consents': [] };
	// the campaign may have published a policy or a consent text: people register under the current ones
	const policy = await srv.req('GET', '/v1/policies/current');
	const text = await srv.req('GET', '/v1/consent-texts/current?purpose=processing&language=ru');
	const consents = { processing: true, third_party_transfer: false, cookies: [],
		texts: { processing: text.json?.version ?? '1' } };
	for (let i = 0; i < 3; i++) {
		const s = await srv.registerOk(newPerson({ policy_version: policy.json?.version ?? '1', consents }));
		ids.subjects.push(s.id);
		const q = await fileRequest(srv, s.id, i === 2 ? 'rectify' : 'access',
			i === 2 ? { fields: { name: 'Иван Сидоров' } } : undefined).catch(() => null);
		if (q?.id) ids.requests.push(q.id);
	}
	fx.cookie = await portalSession(srv, ids.subjects[0]).catch(() => null);
	for (let i = 0; i < 2; i++) {
		const k = await created(srv, 'POST', '/v1/api-keys', { name: `revocable ${i}`, role: 'app' }, 'admin');
		if (k) ids['api-keys'].push(k.id);
	}
	for (const [key, p, as] of [['recipients', '/v1/recipients', 'admin'], ['incidents', '/v1/incidents', 'operator'],
		['cookie-consents', '/v1/cookie-consents', null]]) {
		const op = ctx.ops.get(`POST ${p}`);
		for (const body of op?.samples || []) {
			const o = await created(srv, 'POST', p, body, as);
			const id = o?.id || o?.visitor_id || body.visitor_id;
			if (o && id) ids[key].push(id);
		}
	}
	fx.ids = ids;
}

/**
 * The client's own pauses: a timer every 10 ms notes each gap over 20 ms. paused(a, b) is how much of [a, b]
 * (performance.now() times) the client spent stalled — time an answer may have waited in the socket unread.
 */
function pauseClock() {
	const pauses = [];
	let prev = performance.now();
	const timer = setInterval(() => {
		const now = performance.now();
		if (now - prev > 20) pauses.push([prev + 10, now]);
		if (pauses.length > 10_000) pauses.splice(0, 5000);
		prev = now;
	}, 10);
	return {
		paused: (a, b) => {
			let sum = 0;
			for (let i = pauses.length - 1; i >= 0 && pauses[i][1] > a; i--) {
				sum += Math.max(0, Math.min(b, pauses[i][1]) - Math.max(a, pauses[i][0]));
			}
			return sum;
		},
		stop: () => clearInterval(timer),
	};
}

const quantile = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0);

/**
 * libmicrohttpd's own 500 page, sent when a chunk-size line does not fit in what the request's headers left of the
 * connection's 16 KiB (a chunk extension of kilobytes after a hundred headers): privd never sees that line. Counted
 * apart and reported, not a failure (tests/abuse/README.md).
 */
const LIBRARY_500 = /GNU libmicrohttpd documentation about connection management/;

/** Whether a 5xx is HTTP's own answer to this request: 501 (not implemented) or 505 (version not supported). */
function namedFiveXX(req, status) {
	if (status === 501) return req.tags.includes('coding') || req.tags.includes('method');
	if (status === 505) return req.tags.includes('version');
	return false;
}

/**
 * Runs the campaign. opts: count, seed, concurrency (clients at once), maxMs (the bound asserted per answer),
 * timeout (ms a client waits before calling it no answer), only (one request's number: replay it alone),
 * refreshEvery (requests between two prepare()s), log (a function for progress lines), onResult (called with
 * each request and its result).
 * Resolves to a report: counts by status, outcome and kind, the time distribution, failures (the first 30 with
 * their bytes), liveness checks.
 */
export async function runCampaign(srv, ctx, { count, seed, concurrency = 8, maxMs = 5000, timeout = 15_000,
	only = null, refreshEvery = 2500, log = () => {}, onResult = null } = {}) {
	const pid = srv.proc.pid;
	const rep = {
		seed, count: 0, concurrency, statuses: {}, outcomes: {}, kinds: {}, closedKinds: {}, failures: [], failed: 0,
		echoes: 0, storedValuesReturned: 0, library500: 0, health: { checks: 0, failed: 0, retried: 0 }, slowest: [], overBound: [],
	};
	const overBound = [];
	const times = [];
	const rawTimes = [];
	const fail = (req, res, why) => {
		rep.failed++;
		if (rep.failures.length < (Number(process.env.PRIVD_ABUSE_SHOW) || 30)) {
			rep.failures.push({
				why, index: req.index, kind: req.kind, route: req.route, status: res?.status, outcome: res?.outcome,
				ms: res ? Math.round(res.ms) : null, request: JSON.stringify(req.bytes.subarray(0, 300).toString('latin1')),
				answer: res ? JSON.stringify(res.data.subarray(0, 400).toString('latin1')) : '',
			});
		}
	};
	// liveness: the process still there, /healthz answering, twice a second; a check that got no answer within
	// maxMs is made once more at once (counted in retried), and fails when that one gets none either
	let stop = false;
	const healthz = async () => {
		try {
			const r = await fetch(`${srv.url}/healthz`, { signal: AbortSignal.timeout(maxMs) });
			await r.arrayBuffer();
			return r.status === 200 ? 'ok' : 'status';
		} catch { return 'none'; }
	};
	const watch = (async () => {
		while (!stop) {
			rep.health.checks++;
			let ok = srv.exit === null;
			try { process.kill(pid, 0); } catch { ok = false; }
			if (ok) {
				let got = await healthz();
				if (got === 'none' && srv.exit === null) {
					rep.health.retried++;
					got = await healthz();
				}
				ok = got === 'ok';
			}
			if (!ok) rep.health.failed++;
			if (srv.exit !== null) break;
			await new Promise((r) => setTimeout(r, 500));
		}
	})();
	// the client's own pauses (a busy event loop delays the reading of every answer), reported beside the times
	const lag = monitorEventLoopDelay({ resolution: 10 });
	lag.enable();
	const clock = pauseClock();
	const t0 = Date.now();
	const indices = only !== null ? [only] : null;
	let next = 0;
	const total = indices ? 1 : count;
	let sincePrepare = 0;
	let preparing = null;
	const worker = async () => {
		while (next < total && srv.exit === null) {
			if (preparing) await preparing;
			const index = indices ? indices[next++] : next++;
			if (++sincePrepare >= refreshEvery && !preparing) {
				sincePrepare = 0;
				preparing = prepare(srv, ctx).catch((e) => log(`fixtures not refreshed: ${e.message}`))
					.finally(() => { preparing = null; });
			}
			const req = generate(seed, index, ctx);
			const res = await send(srv.port, req.bytes, { head: req.head, timeout });
			rep.count++;
			// privd's share of the time: the client's own pauses meanwhile taken out (both are reported)
			res.rawMs = res.ms;
			res.ms = Math.max(0, res.ms - clock.paused(res.start, res.end));
			rawTimes.push(res.rawMs);
			times.push(res.ms);
			if (onResult) onResult(req, res);
			rep.outcomes[res.outcome] = (rep.outcomes[res.outcome] || 0) + 1;
			const kind = req.kind.replace(/^(body|chunked)\..*/, '$1');
			rep.kinds[kind] = (rep.kinds[kind] || 0) + 1;
			if (res.outcome === 'answer') rep.statuses[res.status] = (rep.statuses[res.status] || 0) + 1;
			else rep.closedKinds[req.kind] = (rep.closedKinds[req.kind] || 0) + 1;
			if (res.outcome === 'timeout') fail(req, res, `no answer and no close within ${timeout} ms`);
			else if (res.ms > maxMs) overBound.push({ req, res });
			if (res.status === 500 && LIBRARY_500.test(res.data.toString('latin1'))) rep.library500++;
			else if (res.status >= 500 && !namedFiveXX(req, res.status)) fail(req, res, `status ${res.status}`);
			const text = res.data.toString('latin1').toLowerCase();
			const stored = text.includes(req.value);
			if (text.includes(req.marker) || (stored && !(res.status >= 200 && res.status < 300))) {
				rep.echoes++;
				fail(req, res, 'the answer repeats what the request sent');
			} else if (stored) rep.storedValuesReturned++;
			if (rep.slowest.length < 5 || res.ms > rep.slowest[rep.slowest.length - 1].ms) {
				rep.slowest.push({ index, kind: req.kind, route: req.route, status: res.status, ms: Math.round(res.ms) });
				rep.slowest.sort((a, b) => b.ms - a.ms);
				rep.slowest.length = Math.min(rep.slowest.length, 5);
			}
			if (rep.count % 10_000 === 0) log(`${rep.count} requests, ${rep.failed} failures`);
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
	// an answer over the bound is sent again alone: slow again, it is privd's; within the bound, the moment's
	// (a stall of the whole machine delays every answer of that moment, on every server it runs)
	for (const { req, res } of overBound) {
		if (srv.exit !== null) break;
		const again = await send(srv.port, req.bytes, { head: req.head, timeout });
		again.ms = Math.max(0, again.ms - clock.paused(again.start, again.end));
		rep.overBound.push({ index: req.index, ms: Math.round(res.ms), again: Math.round(again.ms) });
		if (again.outcome === 'timeout' || again.ms > maxMs) {
			fail(req, res, `answered in ${Math.round(res.ms)} ms, and in ${Math.round(again.ms)} ms when sent ` +
				`again alone (bound ${maxMs} ms)`);
		}
	}
	stop = true;
	await watch;
	rep.seconds = (Date.now() - t0) / 1000;
	lag.disable();
	clock.stop();
	rep.clientLagMs = { p99: Math.round(lag.percentile(99) / 1e5) / 10, max: Math.round(lag.max / 1e5) / 10 };
	rep.alive = srv.exit === null;
	if (!rep.alive) rep.exit = srv.exit;
	times.sort((a, b) => a - b);
	rep.ms = {
		p50: quantile(times, 0.5), p90: quantile(times, 0.9), p99: quantile(times, 0.99),
		p999: quantile(times, 0.999), max: times[times.length - 1] || 0,
	};
	rawTimes.sort((a, b) => a - b);
	rep.rawMs = { p99: quantile(rawTimes, 0.99), max: rawTimes[rawTimes.length - 1] || 0 };
	for (const o of [rep.ms, rep.rawMs]) for (const k of Object.keys(o)) o[k] = Math.round(o[k] * 10) / 10;
	rep.under1s = times.filter((t) => t <= 1000).length;
	return rep;
}

/** The report in a few lines for a person (with the failures, unless told otherwise). */
export function summary(engine, rep, { failures = true } = {}) {
	const obj = (o) => Object.entries(o).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}:${v}`).join(' ');
	return [
		`abuse campaign on ${engine}: seed ${rep.seed}, ${rep.count} requests from ${rep.concurrency} clients in ` +
			`${rep.seconds.toFixed(1)} s (${Math.round(rep.count / rep.seconds)}/s)`,
		`  statuses: ${obj(rep.statuses)}`,
		`  outcomes: ${obj(rep.outcomes)}${Object.keys(rep.closedKinds).length ? ` (closed unanswered: ${obj(rep.closedKinds)})` : ''}`,
		`  kinds: ${obj(rep.kinds)}`,
		`  ms to answer: p50 ${rep.ms.p50}, p90 ${rep.ms.p90}, p99 ${rep.ms.p99}, p99.9 ${rep.ms.p999}, max ${rep.ms.max}; ` +
			`${rep.under1s} of ${rep.count} within 1 s (the client's own pauses taken out; as measured: p99 ` +
			`${rep.rawMs.p99}, max ${rep.rawMs.max}; the client's event-loop delay p99 ${rep.clientLagMs.p99}, max ` +
			`${rep.clientLagMs.max})`,
		`  over the bound, then sent again alone: ${rep.overBound.length || 'none'}${rep.overBound.length ? ` (${
			rep.overBound.slice(0, 10).map((o) => `#${o.index} ${o.ms} then ${o.again} ms`).join('; ')}${
			rep.overBound.length > 10 ? '; …' : ''})` : ''}`,
		`  slowest: ${rep.slowest.map((s) => `#${s.index} ${s.kind} ${s.route} ${s.status} ${s.ms} ms`).join('; ')}`,
		`  echoes: ${rep.echoes}; stored values returned by successful writes: ${rep.storedValuesReturned}; ` +
			`libmicrohttpd's own 500 (a chunk line past the connection's memory): ${rep.library500}`,
		`  liveness: ${rep.health.checks} checks, ${rep.health.failed} failed (${rep.health.retried} made again); privd ${rep.alive ? 'alive' : `exited ${JSON.stringify(rep.exit)}`}`,
		`  failures: ${rep.failed}${rep.failures.length ? ` (replay one: PRIVD_ABUSE_SEED=${rep.seed} PRIVD_ABUSE_ONLY=<index>)` : ''}`,
		...(failures ? rep.failures : []).map((f) => `    #${f.index} ${f.kind} ${f.route}: ${f.why} [${f.outcome} ${f.status} ${f.ms} ms]\n` +
			`      request ${f.request}\n      answer  ${f.answer}`),
	].join('\n');
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// Liveness, readiness, metrics, and the generic error answers (404, 405, 415).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertJson, assertProblem, forEngines, newPerson, piiOf, withServer } from './lib/privd.mjs';

forEngines('health and metrics', (engine) => {
	const ctx = withServer(engine);

	it('GET /healthz answers 200 {"status":"ok"}', async () => {
		const r = await ctx.srv.req('GET', '/healthz');
		assert.deepEqual(assertJson(r, 200), { status: 'ok' });
	});

	it('GET /readyz answers 200 {"status":"ready"} when the database answers, and says delivery is not configured', async () => {
		const r = await ctx.srv.req('GET', '/readyz');
		assert.deepEqual(assertJson(r, 200), { status: 'ready', delivery: { email: 'not_configured', sms: 'not_configured' } });
	});

	it('GET /metrics is Prometheus text with requests by route and status and a latency histogram', async () => {
		const srv = ctx.srv;
		const subject = await srv.registerOk(newPerson());
		for (let i = 0; i < 3; i++) {
			assert.equal((await srv.req('GET', `/v1/subjects/${subject.id}/consents/processing`, { as: 'app' })).status, 200);
		}
		await srv.req('GET', '/healthz');
		await srv.req('GET', '/v1/subjects/00000000000000000000000000000000', { as: 'app' });
		// A request is counted once its answer has gone out, which can be just after the client has read it: a
		// scrape sees it within moments, so ask again briefly before judging.
		let r;
		for (let i = 0; i < 50; i++) {
			r = await srv.req('GET', '/metrics');
			if (r.status !== 200 || /privd_http_requests_total\{[^}]*"404"/.test(r.text)) break;
			await new Promise((res) => setTimeout(res, 20));
		}
		assert.equal(r.status, 200, r.text);
		assert.match(r.headers.get('content-type') || '', /^text\/plain/);
		const text = r.text;
		assert.match(text, /^# TYPE privd_http_requests_total counter$/m, 'privd_http_requests_total is a counter');
		const reqLines = text.split('\n').filter((l) => l.startsWith('privd_http_requests_total{'));
		assert.ok(reqLines.length >= 2, 'privd_http_requests_total has labelled series');
		assert.ok(reqLines.some((l) => /"200"/.test(l)), `a series labelled with status 200: ${reqLines.join('\n')}`);
		assert.ok(reqLines.some((l) => /"404"/.test(l)), `a series labelled with status 404: ${reqLines.join('\n')}`);
		assert.ok(reqLines.some((l) => /consents/.test(l)), `a series labelled with the consent check route`);
		// Label values may hold braces (route="/v1/subjects/{id}"): match quoted values as a whole.
		assert.ok(reqLines.every((l) => /^privd_http_requests_total\{([a-z_]+="([^"\\]|\\.)*",?)+\} \d+(\.\d+)?( \d+)?$/.test(l)),
			`well-formed samples: ${reqLines.join('\n')}`);
		const hist = /^# TYPE (\S+) histogram$/m.exec(text);
		assert.ok(hist, 'a histogram is exported');
		const h = hist[1];
		assert.match(text, new RegExp(`^${h}_bucket\\{.*le="\\+Inf".*\\} \\d+`, 'm'), `${h} has a +Inf bucket`);
		assert.match(text, new RegExp(`^${h}_sum(\\{.*\\})? \\S+`, 'm'), `${h}_sum`);
		assert.match(text, new RegExp(`^${h}_count(\\{.*\\})? \\d+`, 'm'), `${h}_count`);
		// The issue asks for commits and cache hits beside requests and latency.
		assert.match(text, /^# TYPE privd_\w*commit\w* counter$/m, 'a counter of database commits');
		assert.match(text, /^# TYPE privd_\w*cache_hit\w* counter$/m, 'a counter of cache hits');
		const hits = /^privd_\w*cache_hits\w*(\{.*\})? (\d+)/m.exec(text);
		assert.ok(hits && Number(hits[2]) >= 1, 'the repeated consent checks hit the cache');
		// Routes are labelled by pattern: a subject id (unbounded, and an identifier) never becomes a label.
		assert.ok(!text.includes(subject.id), 'metrics do not carry subject ids');
	});

	it('an unknown path is a 404 not-found problem', async () => {
		assertProblem(await ctx.srv.req('GET', '/v1/nothing-here'), 404, 'not-found');
		assertProblem(await ctx.srv.req('GET', '/nope', { as: 'admin' }), 404, 'not-found');
	});

	it('a known path with a method it does not serve is a 405 method-not-allowed problem', async () => {
		assertProblem(await ctx.srv.req('DELETE', '/healthz'), 405, 'method-not-allowed');
		assertProblem(await ctx.srv.req('PUT', '/v1/subjects', { as: 'admin', json: {} }), 405, 'method-not-allowed');
	});

	it('a body that is not JSON by its content type is a 415 unsupported-media-type problem', async () => {
		const person = newPerson();
		ctx.srv.pii.push(...piiOf(person));
		const r = await ctx.srv.req('POST', '/v1/subjects', {
			as: 'app', body: JSON.stringify(person), headers: { 'content-type': 'text/plain' },
		});
		assertProblem(r, 415, 'unsupported-media-type');
	});

	ctx.closingTest();
});

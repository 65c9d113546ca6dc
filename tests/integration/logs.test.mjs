// SPDX-License-Identifier: AGPL-3.0-or-later
// Logs are JSON lines without personal data, even at debug level and on every error path.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertCleanLog, forEngines, newPerson, piiOf, removeInstance, startPrivd } from './lib/privd.mjs';

forEngines('logs', (engine) => {
	it('at debug level, registrations, failures, reads and updates log no personal data', async () => {
		const srv = await startPrivd(engine, { serverCountry: 'US', serve: { env: { PRIVD_LOG_LEVEL: 'debug' } } });
		try {
			const a = newPerson();
			const s = await srv.registerOk(a);
			await srv.register(newPerson({ email: a.email }));			// 409
			await srv.register(newPerson({ phone: a.phone }));			// 409
			await srv.register(newPerson({ email: `broken-${a.email.replace('@', '#')}` })); // 422
			await srv.register(newPerson({ birth_date: '2015-01-01', residence_country: 'US' })); // 403 (COPPA)
			await srv.register(newPerson({ residence_country: 'DE', birth_date: '2012-06-06' })); // 202 or 403
			const b = newPerson();
			srv.pii.push(...piiOf(b));
			await srv.req('POST', '/v1/subjects', { as: 'app', body: JSON.stringify(b).slice(0, -3), headers: { 'content-type': 'application/json' } }); // 400
			const big = newPerson({ name: `${'Ж'.repeat(40_000)}` });
			srv.pii.push(...piiOf({ ...big, name: '' }));
			await srv.req('POST', '/v1/subjects', { as: 'app', json: big }); // 413
			await srv.req('GET', `/v1/subjects/${s.id}`, { as: 'operator' });
			await srv.req('GET', `/v1/subjects?email=${encodeURIComponent(a.email)}`, { as: 'app' });
			await srv.req('GET', `/v1/subjects?phone=${encodeURIComponent(a.phone)}`, { as: 'app' });
			const c = newPerson();
			srv.pii.push(...piiOf(c));
			await srv.req('PATCH', `/v1/subjects/${s.id}`, { as: 'app', json: { name: c.name, email: c.email, phone: c.phone } });
			await srv.req('PATCH', `/v1/subjects/${s.id}`, { as: 'app', json: { email: `x${c.email}x@`, phone: `${c.phone}999999` } });
			const d = newPerson();
			srv.pii.push(...piiOf(d));
			await srv.req('POST', '/v1/subjects', { key: 'not-a-key', json: d }); // 401
			assert.ok(srv.stderr.length > 0, 'privd logs something');
		} finally {
			const e = await srv.stop();
			await removeInstance(srv.inst);
			assert.equal(e.code, 0);
		}
		assertCleanLog(srv);
	});
});

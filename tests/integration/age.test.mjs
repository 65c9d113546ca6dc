// SPDX-License-Identifier: AGPL-3.0-or-later
// Age rules: COPPA on a US server (under 13 refused, nothing stored), GDPR Art. 8 for EU/EEA residents
// (pending_guardian, no granted consent), and the per-member-state option.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
	assertJson, assertProblem, birthDateForAge, corePii, findStored, forEngines, newPerson, PURPOSES, tableCounts,
	withServer,
} from './lib/privd.mjs';

function person(age, country) {
	return newPerson({ birth_date: birthDateForAge(age), residence_country: country,
		consents: { processing: true, third_party_transfer: true, cookies: ['preferences', 'analytics', 'marketing'] } });
}

async function assertNoGrantedConsent(srv, id) {
	for (const purpose of PURPOSES) {
		const c = assertJson(await srv.req('GET', `/v1/subjects/${id}/consents/${purpose}`, { as: 'app' }), 200);
		assert.equal(c.granted, false, `${purpose} must not be granted before a guardian consents`);
	}
	const b = assertJson(await srv.req('POST', '/v1/consent-checks', {
		as: 'app', json: { checks: PURPOSES.map((purpose) => ({ subject_id: id, purpose })) },
	}), 200);
	assert.ok(b.results.every((r) => r.granted === false), `batch check: ${JSON.stringify(b.results)}`);
}

async function expectPendingGuardian(srv, p) {
	const r = await srv.register(p);
	const b = assertJson(r, 202);
	assert.equal(b.status, 'pending_guardian');
	assert.equal(assertJson(await srv.req('GET', `/v1/subjects/${b.id}`, { as: 'app' }), 200).status, 'pending_guardian');
	const f = assertJson(await srv.req('GET', `/v1/subjects?email=${encodeURIComponent(p.email)}`, { as: 'app' }), 200);
	assert.deepEqual(f.items, [{ id: b.id, status: 'pending_guardian' }]);
	await assertNoGrantedConsent(srv, b.id);
	return b;
}

async function expectActive(srv, p) {
	const b = assertJson(await srv.register(p), 201);
	assert.equal(b.status, 'active');
	const c = assertJson(await srv.req('GET', `/v1/subjects/${b.id}/consents/processing`, { as: 'app' }), 200);
	assert.equal(c.granted, true);
	return b;
}

forEngines('age rules', (engine) => {
	describe('server in the US', () => {
		const ctx = withServer(engine, { serverCountry: 'US' });

		it('a 12-year-old is refused with 403 age-restricted and nothing about them is stored', async () => {
			const srv = ctx.srv;
			await srv.registerOk(person(30, 'US')); // something stored already, so the store files exist
			const before = await tableCounts(srv);
			const auditBefore = assertJson(await srv.req('GET', '/v1/audit?limit=1000', { as: 'auditor' }), 200).items;
			const lastSeq = auditBefore.length ? auditBefore[auditBefore.length - 1].seq : 0;
			assert.ok(Object.keys(before).length > 0, 'the store has tables');
			const kid = person(12, 'US');
			const r = await srv.register(kid);
			assertProblem(r, 403, 'age-restricted', { path: '/v1/subjects' });
			for (const s of corePii(kid)) assert.ok(!r.text.includes(s), 'the problem does not repeat personal data');

			for (const [what, v] of [['email', kid.email], ['phone', kid.phone]]) {
				const f = assertJson(await srv.req('GET', `/v1/subjects?${what}=${encodeURIComponent(v)}`, { as: 'app' }), 200);
				assert.deepEqual(f.items, [], `no subject found by ${what}`);
			}
			const afterCounts = await tableCounts(srv);
			for (const [t, n] of Object.entries(afterCounts)) {
				if (/(^|[.:])audit$/.test(t)) continue; // a refusal may be audited (without personal data)
				assert.equal(n, before[t] ?? 0, `rows in ${t} after a refused registration`);
			}
			const hits = await findStored(srv, corePii(kid));
			assert.deepEqual(hits, [], 'the refused minor\'s data is nowhere in the store');
			const audit = assertJson(await srv.req('GET', `/v1/audit?after=${lastSeq}&limit=1000`, { as: 'auditor' }), 200);
			for (const s of corePii(kid)) assert.ok(!JSON.stringify(audit).includes(s), 'nor in the audit log');
			assert.deepEqual(audit.items.filter((e) => e.action === 'subject.create'), [], 'no subject.create entry');
		});

		it('a 13-year-old registers: 201 active', async () => {
			await expectActive(ctx.srv, person(13, 'US'));
		});

		it('an EU resident aged 15 is still pending_guardian on a US server', async () => {
			await expectPendingGuardian(ctx.srv, person(15, 'DE'));
		});

		it('a correction cannot make a registered person under 13: 403 age-restricted, nothing changed', async () => {
			const b = await expectActive(ctx.srv, person(30, 'US'));
			const r = await ctx.srv.req('PATCH', `/v1/subjects/${b.id}`, { as: 'app', json: { birth_date: birthDateForAge(12) } });
			assertProblem(r, 403, 'age-restricted');
			const after = assertJson(await ctx.srv.req('GET', `/v1/subjects/${b.id}`, { as: 'app' }), 200);
			assert.equal(after.birth_date, b.birth_date);
			assert.equal(after.status, 'active');
		});

		it('a correction cannot make an active person an EU minor without a guardian: 403 age-restricted', async () => {
			const b = await expectActive(ctx.srv, person(30, 'US'));
			const r = await ctx.srv.req('PATCH', `/v1/subjects/${b.id}`, {
				as: 'app', json: { birth_date: birthDateForAge(15), residence_country: 'DE' } });
			assertProblem(r, 403, 'age-restricted');
			const after = assertJson(await ctx.srv.req('GET', `/v1/subjects/${b.id}`, { as: 'app' }), 200);
			assert.equal(after.residence_country, 'US');
		});

		ctx.closingTest();
	});

	describe('server in Russia (one EU age, 16)', () => {
		const ctx = withServer(engine, { serverCountry: 'RU' });

		it('a German resident aged 15: 202 pending_guardian, no consent granted', async () => {
			await expectPendingGuardian(ctx.srv, person(15, 'DE'));
		});

		it('a French resident aged 15 is pending_guardian too (16 for all of the EU by default)', async () => {
			await expectPendingGuardian(ctx.srv, person(15, 'FR'));
		});

		it('an EEA (Norwegian) resident aged 15 is pending_guardian', async () => {
			await expectPendingGuardian(ctx.srv, person(15, 'NO'));
		});

		it('EU residents aged 16 register as active', async () => {
			await expectActive(ctx.srv, person(16, 'DE'));
			await expectActive(ctx.srv, person(16, 'FR'));
		});

		it('a Russian resident aged 15 registers as active: 201', async () => {
			await expectActive(ctx.srv, person(15, 'RU'));
		});

		it('a 12-year-old is not refused where the server is not in the US', async () => {
			await expectActive(ctx.srv, person(12, 'RU'));
		});

		ctx.closingTest();
	});

	describe('per-member-state ages ([age] eu_per_country = true through PRIVD_AGE_EU_PER_COUNTRY)', () => {
		const ctx = withServer(engine, { serverCountry: 'RU', serve: { env: { PRIVD_AGE_EU_PER_COUNTRY: 'true' } } });

		it('a French resident aged 15 registers as active (France: 15)', async () => {
			await expectActive(ctx.srv, person(15, 'FR'));
		});

		it('a French resident aged 14 is pending_guardian', async () => {
			await expectPendingGuardian(ctx.srv, person(14, 'FR'));
		});

		it('a German resident aged 15 is pending_guardian (Germany: 16)', async () => {
			await expectPendingGuardian(ctx.srv, person(15, 'DE'));
		});

		it('a Belgian resident aged 13 registers as active (Belgium: 13)', async () => {
			await expectActive(ctx.srv, person(13, 'BE'));
		});

		ctx.closingTest();
	});
});

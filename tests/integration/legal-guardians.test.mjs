// SPDX-License-Identifier: AGPL-3.0-or-later
// GDPR Art. 8 and COPPA: guardians and minors. A pending_guardian minor's own grants are recorded but never
// effective; an executed guardian_consent request makes effective the purposes the guardian chose, and only
// those; only an operator or admin may file one, its details are validated (422 naming the field) and stored
// encrypted. Ages are never overstated: "today" for an age rule is the date in UTC−12, so a birthday that has
// begun in Moscow (or anywhere east) but not yet in UTC−12 does not count.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
	assertJson, assertProblem, birthDateForAge, corePii, findStored, forEngines, grant, newPerson, PURPOSES, sleep, withServer,
} from './lib/privd.mjs';
import {
	attach, auditEntries, carryOut, decide, execute, fileRequest, getRequest, guardianDetails,
} from './lib/requests.mjs';

const ALL_GRANTED = { processing: true, third_party_transfer: true, cookies: ['preferences', 'analytics', 'marketing'] };
const DAY = 86_400_000;

/** "YYYY-MM-DD" of the instant ms in the fixed offset east of UTC (hours). */
const dateAt = (ms, offsetHours) => new Date(ms + offsetHours * 3_600_000).toISOString().slice(0, 10);

/** The date `years` years before "YYYY-MM-DD" d (a 29 February becomes 1 March in a common year). */
function yearsBefore(d, years) {
	const t = new Date(`${d}T12:00:00Z`);
	t.setUTCFullYear(t.getUTCFullYear() - years);
	return t.toISOString().slice(0, 10);
}

/** A birth date whose `years`th birthday is tomorrow in UTC−12: it has begun in UTC+14 (Kiritimati) already,
 * and in Moscow whenever Moscow's date is ahead of UTC−12's (outside 12:00–21:00 UTC). Waits out the few seconds
 * around 12:00 UTC, when the date in UTC−12 turns, so that privd counts on the same day as the test. */
async function birthdayBegunEastOnly(years) {
	const now = Date.now();
	const toNoon = ((12 * 3_600_000) - (now % DAY) + DAY) % DAY;
	if (toNoon < 5000) await sleep(toNoon + 1000);
	const t = Date.now();
	const utcMinus12 = dateAt(t, -12);
	const tomorrow = dateAt(Date.parse(`${utcMinus12}T12:00:00Z`) + DAY, 0);
	return { birth: yearsBefore(tomorrow, years), control: yearsBefore(utcMinus12, years), moscow: dateAt(t, 3), utcMinus12 };
}

async function answers(srv, id) {
	const out = {};
	for (const purpose of PURPOSES) {
		out[purpose] = assertJson(await srv.req('GET', `/v1/subjects/${id}/consents/${purpose}`, { as: 'app' }), 200).granted;
	}
	return out;
}

const none = Object.fromEntries(PURPOSES.map((p) => [p, false]));

/** An EU (German) resident aged 15, who granted every purpose themselves. */
const minor = () => newPerson({ birth_date: birthDateForAge(15), residence_country: 'DE', consents: ALL_GRANTED });

async function registerMinor(srv) {
	const m = assertJson(await srv.register(minor()), 202);
	assert.equal(m.status, 'pending_guardian');
	return m;
}

async function requestsOf(srv, id) {
	return assertJson(await srv.req('GET', `/v1/requests?subject_id=${id}`, { as: 'operator' }), 200).items;
}

forEngines('GDPR Art. 8: guardians and minors', (engine) => {
	const ctx = withServer(engine);

	it('GDPR Art. 8: a pending_guardian minor\'s own grants are recorded but never effective', async () => {
		const m = await registerMinor(ctx.srv);
		for (const purpose of PURPOSES) {
			const r = assertJson(await ctx.srv.req('POST', `/v1/subjects/${m.id}/consents`, {
				as: 'app', json: grant(purpose, { ip: '203.0.113.5' }),
			}), 201);
			assert.equal(r.granted, true, `${purpose}: the grant is recorded as given`);
		}
		assert.deepEqual(await answers(ctx.srv, m.id), none);
		const h = assertJson(await ctx.srv.req('GET', `/v1/subjects/${m.id}/consents`, { as: 'operator' }), 200);
		for (const purpose of PURPOSES) {
			assert.equal(h.history.filter((x) => x.purpose === purpose).at(-1).granted, true, `${purpose} recorded`);
			assert.equal(h.current[purpose].granted, false, `${purpose} not effective`);
		}
	});

	it('GDPR Art. 8: an app may not file a guardian_consent (403) and nothing is filed; operator and admin may',
		async () => {
			const m = await registerMinor(ctx.srv);
			const r = await ctx.srv.req('POST', `/v1/subjects/${m.id}/requests`, {
				as: 'app', json: { type: 'guardian_consent', details: guardianDetails(ctx.srv) },
			});
			assertProblem(r, 403, 'forbidden');
			assert.deepEqual(await requestsOf(ctx.srv, m.id), [], 'no request was filed');
			await fileRequest(ctx.srv, m.id, 'guardian_consent', guardianDetails(ctx.srv), { as: 'operator' });
			await fileRequest(ctx.srv, m.id, 'guardian_consent', guardianDetails(ctx.srv), { as: 'admin' });
			assert.equal((await requestsOf(ctx.srv, m.id)).length, 2);
		});

	it('GDPR Art. 8: the guardian\'s details are validated: 422 naming each field at fault, nothing filed', async () => {
		const m = await registerMinor(ctx.srv);
		const file = (details) => ctx.srv.req('POST', `/v1/subjects/${m.id}/requests`, {
			as: 'operator', json: { type: 'guardian_consent', details },
		});
		const ok = () => guardianDetails(ctx.srv);
		const cases = [
			[undefined, ['details.guardian', 'details.consents']],
			[{ consents: { processing: true } }, ['details.guardian']],
			[{ guardian: ok().guardian }, ['details.consents']],
			[{ ...ok(), guardian: { relation: 'mother', email: 'g@example.org' } }, ['details.guardian.name']],
			[{ ...ok(), guardian: { name: 'Мария Опекунова', email: 'g@example.org' } }, ['details.guardian.relation']],
			[{ ...ok(), guardian: { name: 'Мария Опекунова', relation: 'mother' } },
				['details.guardian.email', 'details.guardian.phone']],
			[{ ...ok(), guardian: { name: 'Мария Опекунова', relation: 'mother', email: 'no-at-sign' } },
				['details.guardian.email']],
			[{ ...ok(), guardian: { name: 'Мария Опекунова', relation: 'mother', phone: '12345' } },
				['details.guardian.phone']],
			[{ ...ok(), guardian: { name: 'Мария Опекунова', relation: 'x'.repeat(65), email: 'g@example.org' } },
				['details.guardian.relation']],
			[{ ...ok(), guardian: { name: 7, relation: 'mother', email: 'g@example.org' } }, ['details.guardian.name']],
			[{ ...ok(), consents: { processing: false } }, ['details.consents.processing']],
			[{ ...ok(), consents: { processing: true, cookies: ['everything'] } }, ['details.consents.cookies']],
			[{ ...ok(), consents: { processing: 'yes' } }, ['details.consents.processing']],
			// unknown members are named by their position, never by the name sent
			[{ ...ok(), note: 'x' }, ['details.#3']],
			[{ ...ok(), guardian: { ...ok().guardian, age: 40 } }, ['details.guardian.#4']],
		];
		for (const [details, fields] of cases) {
			const r = await file(details);
			assertProblem(r, 422, 'validation', { fields });
			assert.ok(!r.text.includes('no-at-sign') && !r.text.includes('Мария'), 'the problem repeats no value');
		}
		assert.deepEqual(await requestsOf(ctx.srv, m.id), [], 'no request was filed');
	});

	describe('the guardian\'s choices, not the minor\'s, become effective', () => {
		let m;
		let details;
		let q;
		before(async () => {
			m = await registerMinor(ctx.srv);
			details = guardianDetails(ctx.srv, {
				guardian: { relation: 'legal guardian', phone: '+7 (916) 555-01-02' },
				consents: { processing: true, third_party_transfer: false, cookies: ['analytics'] },
			});
			q = await carryOut(ctx.srv, m.id, 'guardian_consent', details);
		});

		it('GDPR Art. 8: executed, the minor is active with exactly the purposes the guardian chose', async () => {
			assert.equal(assertJson(await ctx.srv.req('GET', `/v1/subjects/${m.id}`, { as: 'app' }), 200).status, 'active');
			assert.deepEqual(await answers(ctx.srv, m.id), {
				processing: true, third_party_transfer: false, 'cookies.preferences': false, 'cookies.analytics': true,
				'cookies.marketing': false,
			}, 'what the minor granted themselves (everything) did not take effect');
			assert.deepEqual(q.result, { status: 'active', granted: ['processing', 'cookies.analytics'] });
			const h = assertJson(await ctx.srv.req('GET', `/v1/subjects/${m.id}/consents`, { as: 'operator' }), 200);
			for (const purpose of PURPOSES) {
				assert.equal(h.history.filter((x) => x.purpose === purpose).at(-1).source, 'request',
					`${purpose}: the guardian's choice is recorded`);
			}
		});

		it('GDPR Art. 8: the guardian\'s details, normalised, are shown to operator and admin only', async () => {
			const want = {
				guardian: { name: details.guardian.name, relation: 'legal guardian', email: details.guardian.email,
					phone: '+79165550102' },
				consents: { processing: true, third_party_transfer: false, cookies: ['analytics'] },
			};
			for (const as of ['operator', 'admin']) assert.deepEqual((await getRequest(ctx.srv, q.id, as)).details, want);
			for (const as of ['app', 'auditor']) assert.equal((await getRequest(ctx.srv, q.id, as)).details, null);
		});

		it('GDPR Art. 8: the guardian\'s details are stored encrypted and are in no audit entry', async () => {
			const pii = [details.guardian.name, details.guardian.email, '+79165550102'];
			assert.deepEqual(await findStored(ctx.srv, pii), [], 'no database file holds the guardian\'s details in clear');
			const text = JSON.stringify(await auditEntries(ctx.srv));
			for (const v of pii) assert.ok(!text.includes(v), `the audit log holds ${v}`);
			ctx.srv.pii.push('+79165550102');
		});
	});

	it('GDPR Art. 8: a guardian_consent filed before may not be executed once the minor was activated', async () => {
		const m = await registerMinor(ctx.srv);
		const first = await fileRequest(ctx.srv, m.id, 'guardian_consent');
		await carryOut(ctx.srv, m.id, 'guardian_consent');
		await attach(ctx.srv, first.id);
		assertJson(await decide(ctx.srv, first.id, { action: 'accept' }), 200);
		assertProblem(await execute(ctx.srv, first.id), 409, 'conflict');
		assert.equal((await answers(ctx.srv, m.id)).processing, true);
	});

	ctx.closingTest();
});

forEngines('COPPA and GDPR Art. 8: an age is never overstated (today is the date in UTC−12)', (engine) => {
	for (const [zone, env] of [['Europe/Moscow', {}], ['Pacific/Kiritimati', { PRIVD_OPERATOR_TIMEZONE: 'Pacific/Kiritimati' }]]) {
		describe(`operator time zone ${zone}`, () => {
			const us = withServer(engine, { serverCountry: 'US', serve: { env } });
			const ru = withServer(engine, { serve: { env } });

			it('COPPA: a 13th birthday begun in Moscow (and further east) but not in UTC−12 is refused with 403 on a US ' +
				'server; the day after it has begun everywhere, 201', async () => {
				const d = await birthdayBegunEastOnly(13);
				const kid = newPerson({ birth_date: d.birth, residence_country: 'US' });
				const r = await us.srv.register(kid);
				assertProblem(r, 403, 'age-restricted');
				for (const v of corePii(kid)) assert.ok(!r.text.includes(v));
				assert.equal(assertJson(await us.srv.req('GET', `/v1/subjects?email=${encodeURIComponent(kid.email)}`,
					{ as: 'app' }), 200).items.length, 0, 'nothing stored');
				const born = newPerson({ birth_date: d.control, residence_country: 'US' });
				assert.equal(assertJson(await us.srv.register(born), 201).status, 'active',
					`13 in UTC−12 (${d.utcMinus12}) too: born ${d.control}`);
			});

			it('GDPR Art. 8: a 16th birthday begun in Moscow (and further east) but not in UTC−12 is still ' +
				'pending_guardian; the day after it has begun everywhere, active', async () => {
				const d = await birthdayBegunEastOnly(16);
				const teen = assertJson(await ru.srv.register(newPerson({ birth_date: d.birth, residence_country: 'DE' })), 202);
				assert.equal(teen.status, 'pending_guardian', `born ${d.birth}, Moscow ${d.moscow}, UTC−12 ${d.utcMinus12}`);
				assert.deepEqual(await answers(ru.srv, teen.id), none);
				const adult = assertJson(await ru.srv.register(newPerson({ birth_date: d.control, residence_country: 'DE' })), 201);
				assert.equal(adult.status, 'active');
			});

			it('GDPR Art. 8: a correction to a 16th birthday not yet begun in UTC−12 is refused (403 age-restricted)',
				async () => {
					const d = await birthdayBegunEastOnly(16);
					const s = await ru.srv.registerOk(newPerson({ birth_date: d.control, residence_country: 'DE' }));
					assertProblem(await ru.srv.req('PATCH', `/v1/subjects/${s.id}`, { as: 'app', json: { birth_date: d.birth } }),
						403, 'age-restricted');
				});

			us.closingTest();
			ru.closingTest();
		});
	}
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// Marketing-safe aggregate exports, on SQLite and PostgreSQL, over a population the test generates and so knows
// person by person: the population (consent to processing granted, not erased, not revoked, not a minor awaiting a
// guardian; narrowed by require), exact counts where they are shown, no group under k ever shown, and the same
// exports read as an adversary would: the totals of a coarser export (the rows and columns of a finer one)
// subtracted from what the finer one shows, and a narrowed export subtracted from the whole one, never give away a
// group under k. No identifier, name, e-mail, phone or address in any answer.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertJson, assertProblem, birthDateForAge, corePii, forEngines, newPerson, withServer } from './lib/privd.mjs';
import { auditEntries, carryOut } from './lib/requests.mjs';

const BANDS = ['0-17', '18-24', '25-34', '35-44', '45-54', '55-64', '65+', 'unknown'];
const AGE_OF_BAND = { '18-24': 21, '25-34': 30, '35-44': 40, '45-54': 50, '55-64': 60, '65+': 70 };
const K = 5;

/** The population: [country, band, how many, marketing cookies for the first how many]. */
const GROUPS = [
	['RU', '25-34', 12, 9], ['RU', '35-44', 8, 2], ['RU', '45-54', 3, 3], ['RU', '18-24', 6, 6], ['RU', '65+', 1, 0],
	['KZ', '25-34', 6, 1], ['KZ', '35-44', 2, 2], ['BY', '25-34', 1, 1],
];

function month(d = new Date()) {
	return d.toISOString().slice(0, 7);
}

/** Reads an export. */
async function exportOf(srv, query, as = 'operator') {
	const r = await srv.req('GET', `/v1/exports/aggregate?${query}`, { as });
	const b = assertJson(r, 200);
	assert.deepEqual(Object.keys(b).sort(), ['by', 'cells', 'generated_at', 'groups', 'k', 'require', 'suppressed']);
	assert.equal(b.groups, b.cells.length);
	assert.equal(b.suppressed, b.cells.filter((c) => c.suppressed).length, 'the answer says which cells were suppressed');
	for (const c of b.cells) {
		assert.deepEqual(Object.keys(c).sort(), [...b.by, 'count', 'suppressed'].sort(), 'a cell holds its groups and count only');
		if (c.suppressed) assert.equal(c.count, null);
		else assert.ok(Number.isInteger(c.count) && c.count >= b.k, `a shown group holds at least k: ${JSON.stringify(c)}`);
	}
	return { body: b, text: r.text };
}

const key = (c, by) => by.map((d) => c[d]).join('|');

/** truth: Map "RU|25-34|2026-11" -> count, over the dimensions in order. */
function truthOf(people, by) {
	const m = new Map();
	for (const p of people) {
		const k = by.map((d) => p[d]).join('|');
		m.set(k, (m.get(k) || 0) + 1);
	}
	return m;
}

/**
 * The subtraction attack on a two-dimensional export: for each row and column, its total from the coarser export
 * (when that shows it) minus the cells the finer export shows is what it hides. That must never be one group's
 * count, nor a sum under k: the hidden cells of a line hold nobody, or people in two or more of them and at least k.
 * (A line whose total is not shown either hides its cells behind its total.)
 */
function subtractionAttack(fine, coarse, truth) {
	const [d0, d1] = fine.by;
	for (const [fixed, varying] of [[d0, d1], [d1, d0]]) {
		const totals = new Map(coarse[fixed].cells.filter((c) => !c.suppressed).map((c) => [c[fixed], c.count]));
		const lines = new Map();
		for (const c of fine.cells) {
			if (!lines.has(c[fixed])) lines.set(c[fixed], []);
			lines.get(c[fixed]).push(c);
		}
		for (const [value, cells] of lines) {
			const hidden = cells.filter((c) => c.suppressed);
			const shown = cells.filter((c) => !c.suppressed).reduce((a, c) => a + c.count, 0);
			const real = hidden.map((c) => truth.get(key(c, fine.by)) || 0);
			const holding = real.filter((n) => n > 0).length;
			const sum = real.reduce((a, n) => a + n, 0);
			if (totals.has(value)) {
				assert.ok(holding === 0 || holding >= 2, `${fixed}=${value}: the hidden cells of a line are not one group`);
				const recovered = totals.get(value) - shown;
				assert.equal(recovered, sum, 'the totals agree: one table');
				assert.ok(recovered === 0 || recovered >= K, `${fixed}=${value}: ${recovered} recovered by subtraction is not under k`);
				for (const c of hidden) {
					const n = truth.get(key(c, fine.by)) || 0;
					assert.ok(n === 0 || recovered !== n || holding >= 2, `${varying}=${c[varying]} is not recovered`);
				}
			}
		}
	}
}

forEngines('marketing-safe aggregate exports', (engine) => {
	const ctx = withServer(engine);
	const people = []; // the population as the test knows it: { residence_country, age_band, registered_month, marketing }
	const registered = [];

	it('a generated population: some out of it (revoked, erased, a minor awaiting a guardian)', async () => {
		const srv = ctx.srv;
		for (const [country, band, n, marketing] of GROUPS) {
			for (let i = 0; i < n; i++) {
				const p = newPerson({
					residence_country: country, birth_date: birthDateForAge(AGE_OF_BAND[band]),
					consents: { processing: true, third_party_transfer: false, cookies: i < marketing ? ['marketing'] : [] },
				});
				registered.push(p);
				await srv.registerOk(p);
				people.push({ residence_country: country, age_band: band, registered_month: month(), marketing: i < marketing });
			}
		}
		const noBirth = newPerson({ birth_date: undefined });
		const r = await srv.register(noBirth);
		if (r.status === 201) {
			registered.push(noBirth);
			people.push({ residence_country: 'RU', age_band: 'unknown', registered_month: month(), marketing: false });
		}
		for (let i = 0; i < 2; i++) {
			const p = newPerson();
			const s = await srv.registerOk(p);
			registered.push(p);
			assertJson(await srv.req('POST', `/v1/subjects/${s.id}/consents`, { as: 'app', json: { purpose: 'processing', granted: false } }), 201);
		}
		const gone = newPerson({ birth_date: birthDateForAge(40) });
		registered.push(gone);
		const g = await srv.registerOk(gone);
		await carryOut(srv, g.id, 'erase');
		for (let i = 0; i < 2; i++) {
			const p = newPerson({ residence_country: 'DE', birth_date: birthDateForAge(14) });
			registered.push(p);
			assert.equal((await srv.register(p)).status, 202);
		}
	});

	it('counts per group are exact where shown; every group under k is suppressed, by every grouping', async () => {
		const srv = ctx.srv;
		for (const by of [['residence_country'], ['age_band'], ['registered_month'], ['residence_country', 'age_band'],
			['age_band', 'residence_country'], ['residence_country', 'age_band', 'registered_month']]) {
			const { body } = await exportOf(srv, `by=${by.join(',')}&k=${K}`);
			assert.deepEqual(body.by, by);
			assert.equal(body.k, K);
			const truth = truthOf(people, by);
			for (const c of body.cells) {
				const n = truth.get(key(c, by)) || 0;
				if (n < K) assert.ok(c.suppressed, `${key(c, by)} holds ${n}: suppressed`);
				if (!c.suppressed) assert.equal(c.count, n, `${key(c, by)} counted exactly`);
			}
			for (const [k, n] of truth) assert.ok(body.cells.some((c) => key(c, by) === k), `${k} (${n}) is a group`);
			if (by.includes('age_band')) {
				const bands = [...new Set(body.cells.map((c) => c.age_band))];
				assert.deepEqual(bands, BANDS, 'every band, empty or not: an empty group looks like a small one');
			}
		}
		// nobody revoked, erased or awaiting a guardian is counted; RU 25-34 and 18-24 are large enough to show
		const { body } = await exportOf(srv, `by=residence_country,age_band&k=${K}`);
		const ru = body.cells.find((c) => c.residence_country === 'RU' && c.age_band === '25-34');
		assert.equal(ru.count, 12);
		assert.ok(!body.cells.some((c) => c.residence_country === 'DE'), 'minors awaiting a guardian are not in it');
	});

	it('no suppressed group comes back by subtracting what a finer export shows from a coarser one\'s totals', async () => {
		const srv = ctx.srv;
		for (const k of [K, 6, 10]) {
			const fine = (await exportOf(srv, `by=residence_country,age_band&k=${k}`)).body;
			const coarse = {
				residence_country: (await exportOf(srv, `by=residence_country&k=${k}`)).body,
				age_band: (await exportOf(srv, `by=age_band&k=${k}`)).body,
			};
			const truth = truthOf(people, fine.by);
			subtractionAttack(fine, coarse, truth);
			// a suppressed country in the coarse export: not the population minus the shown ones alone
			const hidden = coarse.residence_country.cells.filter((c) => c.suppressed);
			assert.ok(hidden.length !== 1, 'one country hidden alone would be the population minus the others');
		}
	});

	it('require=cookies.marketing narrows the population; subtracting it from the whole shows no group under k', async () => {
		const srv = ctx.srv;
		const by = ['residence_country', 'age_band'];
		const whole = (await exportOf(srv, `by=${by.join(',')}&k=${K}`)).body;
		const narrow = (await exportOf(srv, `by=${by.join(',')}&k=${K}&require=cookies.marketing`)).body;
		assert.deepEqual(narrow.require, ['cookies.marketing']);
		const truth = truthOf(people.filter((p) => p.marketing), by);
		for (const c of narrow.cells) {
			const n = truth.get(key(c, by)) || 0;
			if (!c.suppressed) assert.equal(c.count, n);
			const w = whole.cells.find((x) => key(x, by) === key(c, by));
			if (!c.suppressed && w && !w.suppressed) {
				const rest = w.count - c.count;
				assert.ok(rest === 0 || rest >= K, `${key(c, by)}: ${rest} without marketing cookies is not a group under k`);
			}
		}
		const ru1824 = narrow.cells.find((c) => c.residence_country === 'RU' && c.age_band === '18-24');
		assert.equal(ru1824.count, 6, 'everyone in RU 18-24 accepted marketing cookies');
	});

	it('no identifier, name, e-mail, phone or address in any export', async () => {
		const srv = ctx.srv;
		const { text } = await exportOf(srv, 'by=residence_country,age_band,registered_month&k=5');
		assert.ok(!/[0-9a-f]{32}/.test(text), 'no subject id');
		for (const p of registered) {
			for (const s of corePii(p)) assert.ok(!text.includes(s), 'no name, e-mail or phone');
			assert.ok(!text.includes(p.ip), 'no address');
			assert.ok(!text.includes(p.birth_date), 'no birth date');
		}
	});

	it('the query is checked; only operators and admins export; each export is audited', async () => {
		const srv = ctx.srv;
		assertProblem(await srv.req('GET', '/v1/exports/aggregate?by=age_band&k=4', { as: 'operator' }), 422, 'validation', { fields: ['k'] });
		assertProblem(await srv.req('GET', '/v1/exports/aggregate?by=email', { as: 'operator' }), 422, 'validation', { fields: ['by'] });
		assertProblem(await srv.req('GET', '/v1/exports/aggregate', { as: 'operator' }), 422, 'validation', { fields: ['by'] });
		assertProblem(await srv.req('GET', '/v1/exports/aggregate?by=age_band,age_band', { as: 'operator' }), 422, 'validation', { fields: ['by'] });
		assertProblem(await srv.req('GET', '/v1/exports/aggregate?by=age_band&require=processing', { as: 'operator' }), 422, 'validation', { fields: ['require'] });
		assertProblem(await srv.req('GET', '/v1/exports/aggregate?by=age_band&require=nope', { as: 'operator' }), 422, 'validation', { fields: ['require'] });
		for (const as of ['app', 'auditor']) {
			assertProblem(await srv.req('GET', '/v1/exports/aggregate?by=age_band', { as }), 403, 'forbidden');
		}
		const d = (await exportOf(srv, 'by=age_band', 'admin')).body;
		assert.equal(d.k, 10, 'k is 10 unless given');
		const audit = (await auditEntries(srv)).filter((e) => e.action === 'export.aggregate');
		assert.ok(audit.length >= 10);
		assert.deepEqual(audit.at(-1).detail.by, ['age_band']);
		assert.equal(audit.at(-1).detail.k, 10);
	});

	it('a population read in ranges, one a core, is counted as exactly: each person once', async () => {
		// privd reads a population of more than 2,048 in ranges of subject ids on up to one thread a core
		const srv = ctx.srv;
		const kinds = [['RU', '25-34', true], ['KZ', '45-54', false], ['BY', '65+', true], ['AM', '18-24', false], ['RU', '55-64', false]];
		for (let w = 0; w < 34; w++) {
			const wave = Array.from({ length: 64 }, (_, i) => {
				const [country, band, marketing] = kinds[(w * 64 + i) % kinds.length];
				const p = newPerson({
					residence_country: country, birth_date: birthDateForAge(AGE_OF_BAND[band]),
					consents: { processing: true, third_party_transfer: false, cookies: marketing ? ['marketing'] : [] },
				});
				return { p, known: { residence_country: country, age_band: band, marketing } };
			});
			const res = await Promise.all(wave.map(({ p }) => srv.register(p)));
			res.forEach((r, i) => {
				assert.equal(r.status, 201, r.text);
				people.push({ ...wave[i].known, registered_month: month() });
			});
		}
		assert.ok(people.length > 2 * 1024);
		for (const [query, who] of [[`by=residence_country,age_band,registered_month&k=${K}`, people],
			[`by=residence_country,age_band&k=${K}&require=cookies.marketing`, people.filter((p) => p.marketing)]]) {
			const { body } = await exportOf(srv, query);
			const truth = truthOf(who, body.by);
			for (const c of body.cells) {
				const n = truth.get(key(c, body.by)) || 0;
				if (!c.suppressed) assert.equal(c.count, n, `${query}: ${key(c, body.by)} counted exactly`);
			}
			if (who !== people) continue; // narrowed, most groups differ from the whole one's by fewer than k: hidden
			// the large groups are shown (a range read twice or not at all would change them): most people
			const shown = body.cells.filter((c) => !c.suppressed).reduce((a, c) => a + c.count, 0);
			assert.ok(shown > who.length / 2, `${query}: ${shown} of ${who.length} people in the groups shown`);
		}
	});

	ctx.closingTest();
});

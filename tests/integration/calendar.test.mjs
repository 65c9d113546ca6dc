// SPDX-License-Identifier: AGPL-3.0-or-later
// `privd calendar add-working-days DATE N` on the shipped Russian production calendar, against dates checked by
// hand across the 2025 and 2026 holidays (May, the New Year, the Saturday working day of 2025-11-01), and a year
// the calendar does not cover (weekdays only, said so).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addWorkingDays } from './lib/requests.mjs';

// [from, n, expected, why]
const HAND_CHECKED = [
	['2025-04-28', 10, '2025-05-16', 'May 1-4 and 8-11 are days off'],
	['2025-10-27', 10, '2025-11-11', 'Saturday 2025-11-01 is a working day; 3 and 4 November are not'],
	['2025-12-26', 10, '2026-01-21', '31 December and 1-11 January are days off'],
	['2025-06-08', 10, '2025-06-24', 'receipt on a Sunday; 12 and 13 June are days off'],
	['2026-04-28', 10, '2026-05-14', 'May 1-3 and 9-11 2026 are days off'],
];

describe('calendar add-working-days', () => {
	for (const [from, n, want, why] of HAND_CHECKED) {
		it(`${from} + ${n} working days = ${want} (${why})`, async () => {
			const r = await addWorkingDays(from, n);
			assert.equal(r.code, 0, `exit status: ${r.stderr}`);
			assert.equal(r.line, want, `stdout: ${JSON.stringify(r.stdout)}`);
		});
	}

	it('the 2025-11-01 working Saturday counts as a working day of its own', async () => {
		assert.equal((await addWorkingDays('2025-10-31', 1)).line, '2025-11-01');
		assert.equal((await addWorkingDays('2025-10-31', 2)).line, '2025-11-05');
	});

	it('a year missing from the calendar counts weekdays only and says the date is estimated', async () => {
		const r = await addWorkingDays('2030-03-01', 10);
		assert.equal(r.code, 0, `exit status: ${r.stderr}`);
		assert.equal(r.date, '2030-03-15');
		assert.match(r.line, /estimated/, `the output says the date is estimated: ${JSON.stringify(r.stdout)}`);
	});

	it('covered years are not marked estimated', async () => {
		for (const [from, n] of HAND_CHECKED) assert.doesNotMatch((await addWorkingDays(from, n)).line, /estimated/);
	});

	it('a bad date or count is refused with exit status 2 and nothing on stdout', async () => {
		for (const [d, n] of [['2025-13-01', 10], ['2025-02-29', 1], ['28.04.2025', 10], ['2025-04-28', 'x'], ['2025-04-28', -1]]) {
			const r = await addWorkingDays(d, n);
			assert.equal(r.code, 2, `${d} ${n}: exit ${r.code}, stdout ${JSON.stringify(r.stdout)}`);
			assert.equal(r.stdout, '', `${d} ${n}: nothing on stdout`);
			assert.notEqual(r.stderr.trim(), '', `${d} ${n}: a message on stderr`);
		}
	});
});

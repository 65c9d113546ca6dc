// SPDX-License-Identifier: AGPL-3.0-or-later
// people.mjs - registers the people the consent-change and batch-check figures work on, and writes their ids.
//
// Usage: node bench/people.mjs BASE_URL APP_KEY COUNT OUT_FILE
// COUNT people (POST /v1/subjects, 32 at a time), each with consent to processing and a unique e-mail
// (bench-people-<n>@example.com) and phone (+7495<7 digits>, apart from bench/register.lua's +79 numbers). Their ids,
// one a line, go to OUT_FILE for the wrk scripts (bench/consents.lua, bench/checks.lua). Exits 1 when a
// registration is not answered 201.
import { writeFileSync } from 'node:fs';

const [base, key, countArg, out] = process.argv.slice(2);
const count = Number(countArg);
if (!base || !key || !(count > 0) || !out) {
	console.error('usage: node bench/people.mjs BASE_URL APP_KEY COUNT OUT_FILE');
	process.exit(2);
}

const ids = new Array(count);
let next = 0;

async function one(n) {
	const body = {
		name: 'Пётр Согласов', email: `bench-people-${n}@example.com`, phone: `+7495${String(n).padStart(7, '0')}`,
		ip: '192.0.2.7', birth_date: '1988-11-02', residence_country: 'RU', policy_version: '1',
		consents: { processing: true, third_party_transfer: false, cookies: [], texts: { processing: '1' } },
	};
	const res = await fetch(`${base}/v1/subjects`, {
		method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	const text = await res.text();
	if (res.status !== 201) throw new Error(`POST /v1/subjects answered ${res.status}: ${text.slice(0, 300)}`);
	ids[n] = JSON.parse(text).id;
}

async function worker() {
	while (next < count) await one(next++);
}

try {
	await Promise.all(Array.from({ length: Math.min(32, count) }, worker));
	writeFileSync(out, ids.join('\n') + '\n');
} catch (e) {
	console.error(`people.mjs: ${e.message}`);
	process.exit(1);
}

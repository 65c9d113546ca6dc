// SPDX-License-Identifier: AGPL-3.0-or-later
// The TypeScript client's example: registers a person, checks their consent to processing and files an access
// request, every value typed from docs/openapi.yaml. Type-checked by `make check` (clients/ts/check.sh).
// Run (Node 22.6+): PRIVD_URL=http://127.0.0.1:8080 PRIVD_KEY=<app key> node --experimental-strip-types example.ts
import { PrivdClient, PrivdProblem, type Registration } from './client.js';

const client = new PrivdClient(process.env.PRIVD_URL ?? 'http://127.0.0.1:8080', process.env.PRIVD_KEY ?? '');

const person: Registration = {
	name: 'Example Person',
	email: 'person@example.org',
	ip: '192.0.2.10',
	birth_date: '1990-05-17',
	residence_country: 'RU',
	policy_version: '1',
	consents: { processing: true, third_party_transfer: false, cookies: [], texts: { processing: '1' } },
};

try {
	const subject = await client.register(person);
	console.log(`registered ${subject.id} (${subject.status})`);
	const check = await client.consentCheck(subject.id, 'processing');
	console.log(`processing: ${check.granted ? 'granted' : 'not granted'}`);
	const request = await client.fileRequest(subject.id, { type: 'access' });
	console.log(`request ${request.id}: ${request.status}`);
} catch (e) {
	if (e instanceof PrivdProblem) console.error(`${e.message}; fields: ${e.fields.join(', ') || 'none'}`);
	else throw e;
	process.exitCode = 1;
}

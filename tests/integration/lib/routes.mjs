// SPDX-License-Identifier: AGPL-3.0-or-later
// The route table of docs/api.md ("Routes and roles"), and a parser for `privd routes`.
import { privd } from './privd.mjs';

export const API_ROUTES = [
	['GET', '/healthz', ['public']],
	['GET', '/readyz', ['public']],
	['GET', '/metrics', ['public']],
	['GET', '/privacy', ['public']],
	['GET', '/v1/policies/current', ['public']],
	['POST', '/v1/policies', ['admin']],
	['GET', '/consent/{purpose}', ['public']],
	['GET', '/v1/consent-texts/current', ['public']],
	['POST', '/v1/consent-texts', ['admin']],
	['POST', '/v1/api-keys', ['admin']],
	['GET', '/v1/api-keys', ['admin']],
	['DELETE', '/v1/api-keys/{id}', ['admin']],
	['POST', '/v1/subjects', ['app', 'admin']],
	['GET', '/v1/subjects', ['app', 'operator', 'admin']],
	['GET', '/v1/subjects/{id}', ['app', 'operator', 'admin', 'subject']],
	['PATCH', '/v1/subjects/{id}', ['app', 'operator', 'admin']],
	['POST', '/v1/subjects/{id}/consents', ['app', 'admin', 'subject']],
	['GET', '/v1/subjects/{id}/consents', ['app', 'operator', 'admin', 'subject']],
	['GET', '/v1/subjects/{id}/consents/{purpose}', ['app', 'operator', 'admin']],
	['POST', '/v1/consent-checks', ['app', 'admin']],
	['GET', '/v1/audit', ['auditor', 'admin']],
	['GET', '/v1/audit/verify', ['auditor', 'admin']],
	['GET', '/consent.js', ['public']],
	['GET', '/v1/cookie-config', ['public']],
	['PUT', '/v1/cookie-config', ['admin']],
];

/** A path with its parameter names erased: /v1/subjects/{id} and /v1/subjects/:id both become /v1/subjects/{}. */
export function normPath(p) {
	return p.replace(/\{[^}/]*\}/g, '{}').replace(/:[A-Za-z_][A-Za-z0-9_]*/g, '{}').replace(/<[^>/]*>/g, '{}');
}

/** Runs `privd routes`; resolves to [{method, path, roles:[...]}]. */
export async function privdRoutes() {
	const r = await privd(['routes']);
	if (r.code !== 0) throw new Error(`privd routes exited ${r.code}: ${r.stderr}`);
	const out = [];
	for (const line of r.stdout.split('\n')) {
		if (!line.trim()) continue;
		const parts = line.trim().split(/\s+/);
		if (parts.length !== 3) throw new Error(`privd routes: not "METHOD PATH ROLES": ${JSON.stringify(line)}`);
		out.push({ method: parts[0], path: parts[1], roles: parts[2].split(',').filter(Boolean) });
	}
	return out;
}

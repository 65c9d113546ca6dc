// SPDX-License-Identifier: AGPL-3.0-or-later
// The route table as each place states it: `privd routes` (the router's own table), docs/api.md's "Routes and roles"
// and docs/openapi.yaml's x-roles. Tests read all three and compare them; none is copied into the tests.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { privd, ROOT } from './privd.mjs';

/** Every role a route may name, in the router's order; "public" stands alone. */
export const ROLE_NAMES = ['app', 'operator', 'auditor', 'admin', 'subject'];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** A path with its parameter names erased: /v1/subjects/{id} and /v1/subjects/:id both become /v1/subjects/{}. */
export function normPath(p) {
	return p.replace(/\{[^}/]*\}/g, '{}').replace(/:[A-Za-z_][A-Za-z0-9_]*/g, '{}').replace(/<[^>/]*>/g, '{}');
}

/** Runs `privd routes`; resolves to [{method, path, roles:[...]}] (roles ['public'] for a public route). */
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

/**
 * The table of docs/api.md's "Routes and roles": [{method, path, roles}], the path without its query, the roles the
 * names before any parenthesis ("operator, auditor, admin (console session + …)"), or ['public'] for a row whose
 * roles start with "public".
 */
export async function apiRoutes() {
	const text = await readFile(path.join(ROOT, 'docs/api.md'), 'utf8');
	const at = text.indexOf('## Routes and roles');
	if (at < 0) throw new Error('docs/api.md has no "Routes and roles" section');
	const section = text.slice(at).split(/\n## /)[0].split('\n');
	const out = [];
	for (const line of section) {
		if (!/^\| *[A-Z]+ *\|/.test(line)) continue;
		const cells = line.replace(/\\\|/g, '\u0000').split('|').slice(1, -1).map((c) => c.trim());
		const [method, p, roles] = cells;
		const names = roles.startsWith('public') ? ['public']
			: roles.split('(')[0].split(',').map((s) => s.trim()).filter((s) => ROLE_NAMES.includes(s));
		out.push({ method, path: p.replace(/\u0000/g, '|').replace(/\?.*$/, ''), roles: names });
	}
	return out;
}

/** The operations of docs/openapi.yaml: [{method, path, op, item, roles}] (roles from x-roles; [] means public). */
export async function openapiRoutes() {
	const doc = YAML.parse(await readFile(path.join(ROOT, 'docs/openapi.yaml'), 'utf8'));
	const out = [];
	for (const [p, item] of Object.entries(doc.paths || {})) {
		for (const m of Object.keys(item)) {
			if (!METHODS.includes(m)) continue;
			const xr = item[m]['x-roles'];
			const roles = Array.isArray(xr) ? (xr.length === 0 || xr.includes('public') ? ['public'] : xr) : undefined;
			out.push({ method: m.toUpperCase(), path: p, op: item[m], item, roles });
		}
	}
	return { doc, routes: out };
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// The person's portal from outside: a link from the app, opened like a browser would (the redirect not followed,
// the cookie kept), and API calls with that session's cookie.
import assert from 'node:assert/strict';

export const COOKIE = 'privd_portal';

/** POST /v1/subjects/{id}/portal-sessions as the app; resolves to the response. */
export function portalLink(srv, subjectId, { as = 'app', json } = {}) {
	return srv.req('POST', `/v1/subjects/${subjectId}/portal-sessions`, { as, json });
}

/** GET of the link's path on srv without following the redirect; resolves to { status, headers, text, setCookie }. */
export async function openLink(srv, url, headers = {}) {
	const u = new URL(url);
	const res = await fetch(srv.url + u.pathname + u.search, { redirect: 'manual', headers });
	return { status: res.status, headers: res.headers, text: await res.text(), setCookie: res.headers.get('set-cookie') };
}

/** A link made and opened: resolves to the session's cookie value. */
export async function portalSession(srv, subjectId) {
	const l = await portalLink(srv, subjectId);
	assert.equal(l.status, 201, `a portal link: ${l.status} ${l.text}`);
	const o = await openLink(srv, l.json.url);
	assert.equal(o.status, 303, `opening the link: ${o.status}`);
	const m = new RegExp(`^${COOKIE}=([^;]+)`).exec(o.setCookie || '');
	assert.ok(m, 'the link sets the session cookie');
	return m[1];
}

/** An API call with a portal session's cookie (and the portal's header on changes unless csrf is false). */
export async function asPortal(srv, cookie, method, p, { json, body, headers = {}, csrf = true } = {}) {
	const h = { cookie: `${COOKIE}=${cookie}`, ...headers };
	if (csrf && method !== 'GET' && method !== 'HEAD') h['x-privd-portal'] = '1';
	let b = body;
	if (json !== undefined) {
		b = JSON.stringify(json);
		h['content-type'] = 'application/json';
	}
	const res = await fetch(srv.url + p, { method, headers: h, body: b });
	const text = await res.text();
	let parsed;
	if (/json/.test(res.headers.get('content-type') || '')) {
		try { parsed = JSON.parse(text); } catch { parsed = undefined; }
	}
	return { status: res.status, headers: res.headers, text, json: parsed };
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// Calls to privd's API from the console: the session cookie goes by itself (same origin, HttpOnly); every call
// that changes something carries the session's CSRF token in X-CSRF-Token. The token lives in this tab's
// sessionStorage so a reload keeps the session; the API key itself is never stored anywhere.
export class ApiError extends Error {
	constructor(status, problem) {
		super(problem?.detail || problem?.title || `HTTP ${status}`);
		this.status = status;
		this.detail = problem?.detail;
		this.problem = problem;
	}
}

export const getCsrf = () => sessionStorage.getItem('privd.csrf') || '';
export function setCsrf(v) {
	if (v) sessionStorage.setItem('privd.csrf', v);
	else sessionStorage.removeItem('privd.csrf');
}

export async function api(method, path, body) {
	const headers = { accept: 'application/json' };
	if (method !== 'GET' && method !== 'HEAD' && getCsrf()) headers['x-csrf-token'] = getCsrf();
	if (body !== undefined) headers['content-type'] = 'application/json';
	const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
	if (r.status === 204) return null;
	const ct = r.headers.get('content-type') || '';
	const data = /json/.test(ct) ? await r.json() : null;
	if (!r.ok) throw new ApiError(r.status, data);
	return data;
}

/** A GET whose answer is text (a draft in Markdown): the text, or an ApiError. */
export async function apiText(path) {
	const r = await fetch(path, { headers: { accept: 'text/markdown, text/plain' }, credentials: 'same-origin' });
	if (!r.ok) throw new ApiError(r.status, /json/.test(r.headers.get('content-type') || '') ? await r.json() : null);
	return r.text();
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// Calls to privd's API from the console: the session cookie goes by itself (same origin, HttpOnly); every call
// that changes something carries the session's CSRF token in X-CSRF-Token. The token lives in this tab's
// sessionStorage so a reload keeps the session; the API key itself is never stored anywhere. Each call belongs to the
// screen shown when it was made (ui.js): when the operator moves on before the answer, a GET is aborted and any
// call rejects with an AbortError instead of answering, so the screen left never paints over the one shown.
import { screenSignal } from './ui.js';
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

/** Rejects with an AbortError when the screen signal belongs to was left. */
function still(signal) {
	if (signal.aborted) throw new DOMException('the screen was left', 'AbortError');
}

export async function api(method, path, body) {
	const signal = screenSignal();
	const headers = { accept: 'application/json' };
	const read = method === 'GET' || method === 'HEAD';
	if (!read && getCsrf()) headers['x-csrf-token'] = getCsrf();
	if (body !== undefined) headers['content-type'] = 'application/json';
	// a change is never cut off half-way: only reads are aborted, a change's answer is dropped
	const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin',
		signal: read ? signal : undefined });
	const ct = r.headers.get('content-type') || '';
	const data = r.status !== 204 && /json/.test(ct) ? await r.json() : null;
	still(signal);
	if (!r.ok) throw new ApiError(r.status, data);
	return data;
}

/** A GET whose answer is text (a draft in Markdown): the text, or an ApiError. */
export async function apiText(path) {
	const signal = screenSignal();
	const r = await fetch(path, { headers: { accept: 'text/markdown, text/plain' }, credentials: 'same-origin', signal });
	if (!r.ok) throw new ApiError(r.status, /json/.test(r.headers.get('content-type') || '') ? await r.json() : null);
	const text = await r.text();
	still(signal);
	return text;
}

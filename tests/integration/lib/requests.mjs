// SPDX-License-Identifier: AGPL-3.0-or-later
// Helpers for the rights-request suites: filing, attaching a scan, deciding and executing through the HTTP API,
// the shapes of a request and a notification, the operator's calendar day, and reading the audit log.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { assertJson, ID_RE, privd, TIME_RE } from './privd.mjs';
import { makePdf } from './documents.mjs';

export const REQUEST_TYPES = ['erase', 'rectify', 'access', 'transfer_info', 'revoke_processing', 'revoke_cookies',
	'guardian_consent', 'inquiry'];
export const REQUEST_KEYS = ['id', 'subject_id', 'type', 'status', 'details', 'reason', 'answer', 'result',
	'created_at', 'received_at', 'decided_at', 'completed_at', 'updated_at', 'due_date', 'due_estimated',
	'calendar_note', 'extended', 'overdue', 'working_days_left', 'document'];
export const NOTIFICATION_KEYS = ['id', 'subject_id', 'request_id', 'kind', 'channel', 'status', 'attempts',
	'created_at', 'sent_at', 'last_attempt_at', 'next_attempt_at', 'last_error', 'ref'];
export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

const timeOrNull = (v, k) => {
	if (v !== null) assert.match(v, TIME_RE, `${k} is an RFC 3339 time or null: ${v}`);
};

/** Asserts the shape of a request (docs/api.md) and, when given, its type, status and subject. */
export function assertRequest(q, { type, status, subjectId } = {}) {
	assert.ok(q && typeof q === 'object', `a request object: ${JSON.stringify(q)}`);
	assert.deepEqual(Object.keys(q).sort(), [...REQUEST_KEYS].sort(), `request members: ${JSON.stringify(q)}`);
	assert.match(q.id, ID_RE);
	assert.match(q.subject_id, ID_RE);
	assert.ok(REQUEST_TYPES.includes(q.type), `type ${q.type}`);
	assert.ok(['awaiting_document', 'received', 'accepted', 'rejected', 'completed'].includes(q.status), `status ${q.status}`);
	assert.ok(q.details === null || (typeof q.details === 'object' && !Array.isArray(q.details)), 'details: object or null');
	assert.ok(q.reason === null || typeof q.reason === 'string', 'reason: string or null');
	assert.ok(q.answer === null || typeof q.answer === 'string', 'answer: string or null');
	assert.ok(q.result && typeof q.result === 'object' && !Array.isArray(q.result), 'result is an object');
	assert.match(q.created_at, TIME_RE);
	assert.match(q.updated_at, TIME_RE);
	for (const k of ['received_at', 'decided_at', 'completed_at']) timeOrNull(q[k], k);
	if (q.due_date !== null) assert.match(q.due_date, DATE_RE);
	for (const k of ['due_estimated', 'extended', 'overdue']) assert.equal(typeof q[k], 'boolean', `${k} is a boolean`);
	assert.equal(q.calendar_note === null, !q.due_estimated, `calendar_note is set exactly when due_estimated: ${JSON.stringify(q)}`);
	if (q.calendar_note !== null) assert.match(q.calendar_note, /\b\d{4}\b/, 'calendar_note names the year');
	assert.ok(q.working_days_left === null || Number.isInteger(q.working_days_left), 'working_days_left: int or null');
	assert.equal(q.due_date === null, q.working_days_left === null, 'working_days_left is null exactly when due_date is');
	if (q.document !== null) {
		assert.deepEqual(Object.keys(q.document).sort(), ['sha256', 'size', 'type']);
		assert.match(q.document.sha256, /^[0-9a-f]{64}$/);
		assert.ok(Number.isInteger(q.document.size) && q.document.size > 0);
	}
	if (type) assert.equal(q.type, type);
	if (status) assert.equal(q.status, status, `request status: ${JSON.stringify(q)}`);
	if (subjectId) assert.equal(q.subject_id, subjectId);
	return q;
}

export function assertNotification(n) {
	assert.deepEqual(Object.keys(n).sort(), [...NOTIFICATION_KEYS].sort(), `notification members: ${JSON.stringify(n)}`);
	assert.match(n.id, ID_RE);
	assert.match(n.subject_id, ID_RE);
	assert.ok(n.request_id === null || ID_RE.test(n.request_id));
	assert.ok(['email', 'sms'].includes(n.channel), `channel ${n.channel}`);
	assert.equal(typeof n.status, 'string');
	assert.ok(Number.isInteger(n.attempts) && n.attempts >= 0);
	assert.match(n.created_at, TIME_RE);
	timeOrNull(n.sent_at, 'sent_at');
	return n;
}

/**
 * The details of a guardian_consent request (docs/api.md): a guardian with a name, a relation and an e-mail, and
 * the purposes they consent to (processing only unless given). The guardian's name and e-mail are personal data:
 * they are added to srv.pii when srv is given, so the suites' log and store checks look for them too.
 */
export function guardianDetails(srv, { consents = { processing: true }, guardian = {} } = {}) {
	const tag = randomBytes(4).toString('hex');
	const g = { name: `Мария Опекунова ${tag}`, relation: 'mother', email: `guardian-${tag}@example.org`, ...guardian };
	if (srv) srv.pii.push(...[g.name, g.email, g.phone].filter((v) => typeof v === 'string'));
	return { guardian: g, consents };
}

/**
 * POST /v1/subjects/{id}/requests; asserts 201 awaiting_document and the Location header. A guardian_consent is
 * filed by an operator (an app may not) with guardianDetails() unless told otherwise.
 */
export async function fileRequest(srv, subjectId, type, details, { as } = {}) {
	if (type === 'guardian_consent') {
		as ??= 'operator';
		if (details === undefined) details = guardianDetails(srv);
	}
	as ??= 'app';
	const json = details === undefined ? { type } : { type, details };
	const r = await srv.req('POST', `/v1/subjects/${subjectId}/requests`, { as, json });
	const q = assertRequest(assertJson(r, 201), { type, status: 'awaiting_document', subjectId });
	assert.equal(r.headers.get('location'), `/v1/requests/${q.id}`, 'Location names the new request');
	return q;
}

/** PUT /v1/requests/{id}/document with a raw body; resolves to the response. */
export function putDocument(srv, id, data, type, { as = 'app' } = {}) {
	const headers = {};
	if (type !== null && type !== undefined) headers['content-type'] = type;
	return srv.req('PUT', `/v1/requests/${id}/document`, { as, body: data, headers });
}

/** Attaches a scan (a PDF by default) and asserts 200 received. */
export async function attach(srv, id, { data = makePdf(), type = 'application/pdf', as = 'app' } = {}) {
	return assertRequest(assertJson(await putDocument(srv, id, data, type, { as }), 200), { status: 'received' });
}

export function decide(srv, id, json, { as = 'operator' } = {}) {
	return srv.req('POST', `/v1/requests/${id}/decision`, { as, json });
}

export function execute(srv, id, { as = 'operator' } = {}) {
	return srv.req('POST', `/v1/requests/${id}/execute`, { as });
}

/** Files, attaches, accepts and executes a request; resolves to the completed request. */
export async function carryOut(srv, subjectId, type, details) {
	const q = await fileRequest(srv, subjectId, type, details);
	await attach(srv, q.id);
	assertRequest(assertJson(await decide(srv, q.id, { action: 'accept' }), 200), { status: 'accepted' });
	return assertRequest(assertJson(await execute(srv, q.id), 200), { status: 'completed' });
}

export async function getRequest(srv, id, as = 'operator') {
	return assertRequest(assertJson(await srv.req('GET', `/v1/requests/${id}`, { as }), 200));
}

export async function notifications(srv, subjectId, as = 'operator') {
	const b = assertJson(await srv.req('GET', `/v1/subjects/${subjectId}/notifications`, { as }), 200);
	assert.deepEqual(Object.keys(b), ['items', 'next_after']);
	assert.equal(b.next_after, null, 'a person has fewer notices than a page holds');
	for (const n of b.items) assertNotification(n);
	return b.items;
}

/** Today's date in the operator's time zone (Europe/Moscow), "YYYY-MM-DD". */
export function moscowToday(now = new Date()) {
	return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow', year: 'numeric', month: '2-digit', day: '2-digit' })
		.format(now);
}

/** `privd calendar add-working-days DATE N`: resolves to { code, date, line, stdout, stderr }. */
export async function addWorkingDays(date, n) {
	const r = await privd(['calendar', 'add-working-days', date, String(n)]);
	const line = r.stdout.trim();
	return { ...r, line, date: line.split(/\s+/)[0] };
}

/** Every audit entry of an instance, paging through GET /v1/audit. */
export async function auditEntries(srv, as = 'auditor') {
	const out = [];
	let after = 0;
	for (let page = 0; page < 10_000; page++) {
		const b = assertJson(await srv.req('GET', `/v1/audit?after=${after}&limit=1000`, { as }), 200);
		out.push(...b.items);
		if (b.next_after === null) return out;
		after = b.next_after;
	}
	throw new Error('audit paging did not end');
}

/** GET /v1/audit/verify answers ok. */
export async function assertAuditOk(srv) {
	const v = assertJson(await srv.req('GET', '/v1/audit/verify', { as: 'auditor' }), 200);
	assert.equal(v.ok, true, `audit verify: ${JSON.stringify(v)}`);
	return v;
}

/** Polls fn until it returns a truthy value or ms pass; resolves to the last value. */
export async function poll(fn, { ms = 10_000, every = 200 } = {}) {
	const end = Date.now() + ms;
	for (;;) {
		const v = await fn();
		if (v || Date.now() >= end) return v;
		await new Promise((r) => setTimeout(r, every));
	}
}

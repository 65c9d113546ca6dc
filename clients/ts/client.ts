// SPDX-License-Identifier: AGPL-3.0-or-later
// A thin typed client for privd's HTTP API over fetch. Every type comes from generated/privd.ts, which
// openapi-typescript makes from docs/openapi.yaml (clients/ts/check.sh, run by `make check`): when the document
// changes a shape, this file and its callers stop compiling. Errors are thrown as PrivdProblem, the RFC 9457
// problem privd answered (type, title, status and the fields at fault).
import type { components, operations } from './generated/privd.js';

export type Schemas = components['schemas'];
export type Registration = operations['registerSubject']['requestBody']['content']['application/json'];
export type Subject = Schemas['Subject'];
export type Purpose = Schemas['Purpose'];
export type ConsentCheck = operations['checkConsent']['responses'][200]['content']['application/json'];
export type NewRequest = operations['createRequest']['requestBody']['content']['application/json'];
export type RightsRequest = operations['createRequest']['responses'][201]['content']['application/json'];
export type DocumentType = keyof operations['attachRequestDocument']['requestBody']['content'];
export type Problem = Schemas['Problem'];

/** privd answered with an error: the problem's fields, and the names of the fields at fault. */
export class PrivdProblem extends Error {
	readonly status: number;
	readonly type: string;
	readonly title: string;
	readonly fields: string[];
	constructor(status: number, problem: Partial<Problem>) {
		super(`${status} ${problem.type ?? 'about:blank'}: ${problem.title ?? 'HTTP error'}`);
		this.status = status;
		this.type = problem.type ?? 'about:blank';
		this.title = problem.title ?? '';
		this.fields = (problem.errors ?? []).map((e) => e.field);
	}
}

const ID = /^[0-9a-f]{32}$/;

export class PrivdClient {
	readonly #base: string;
	readonly #key: string;

	/** base: e.g. "http://127.0.0.1:8080"; key: an API key (an app key, usually). */
	constructor(base: string, key: string) {
		this.#base = base.replace(/\/+$/, '');
		this.#key = key;
	}

	async #call<T>(
		method: string,
		path: string,
		body?: { json: unknown } | { raw: Uint8Array<ArrayBuffer>; type: string },
	): Promise<T> {
		const headers: Record<string, string> = { authorization: `Bearer ${this.#key}`, accept: 'application/json' };
		let payload: BodyInit | undefined;
		if (body && 'json' in body) {
			headers['content-type'] = 'application/json';
			payload = JSON.stringify(body.json);
		} else if (body) {
			headers['content-type'] = body.type;
			payload = body.raw;
		}
		const res = await fetch(this.#base + path, { method, headers, body: payload });
		const text = await res.text();
		if (!res.ok) {
			let problem: Partial<Problem> = {};
			try {
				problem = JSON.parse(text) as Partial<Problem>;
			} catch {
				// not problem+json: the status says enough
			}
			throw new PrivdProblem(res.status, problem);
		}
		return JSON.parse(text) as T;
	}

	/** POST /v1/subjects: registers a person with their consents (201 active, 202 pending_guardian). */
	register(person: Registration): Promise<Subject> {
		return this.#call<Subject>('POST', '/v1/subjects', { json: person });
	}

	/** GET /v1/subjects/{id}/consents/{purpose}: whether the person has granted the purpose. */
	consentCheck(subjectId: string, purpose: Purpose): Promise<ConsentCheck> {
		if (!ID.test(subjectId)) throw new TypeError('subjectId is not 32 lowercase hex characters');
		return this.#call<ConsentCheck>('GET', `/v1/subjects/${subjectId}/consents/${purpose}`);
	}

	/** POST /v1/subjects/{id}/requests: files a rights request. */
	fileRequest(subjectId: string, request: NewRequest): Promise<RightsRequest> {
		if (!ID.test(subjectId)) throw new TypeError('subjectId is not 32 lowercase hex characters');
		return this.#call<RightsRequest>('POST', `/v1/subjects/${subjectId}/requests`, { json: request });
	}

	/** PUT /v1/requests/{id}/document: attaches the signed scan. */
	uploadDocument(requestId: string, type: DocumentType, data: Uint8Array<ArrayBuffer>): Promise<RightsRequest> {
		if (!ID.test(requestId)) throw new TypeError('requestId is not 32 lowercase hex characters');
		return this.#call<RightsRequest>('PUT', `/v1/requests/${requestId}/document`, { raw: data, type });
	}

	/** GET /v1/requests/{id}. */
	getRequest(requestId: string): Promise<RightsRequest> {
		if (!ID.test(requestId)) throw new TypeError('requestId is not 32 lowercase hex characters');
		return this.#call<RightsRequest>('GET', `/v1/requests/${requestId}`);
	}
}

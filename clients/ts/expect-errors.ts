// SPDX-License-Identifier: AGPL-3.0-or-later
// Calls the generated types must refuse: each line below is a compile error, and tsc fails when one stops being
// one (@ts-expect-error), so the check proves the types carry the document's constraints and are not `any`.
import { PrivdClient, type Registration } from './client.js';

const c = new PrivdClient('http://127.0.0.1:8080', 'key');
const id = '0123456789abcdef0123456789abcdef';

// @ts-expect-error: not one of the purposes of the document
void c.consentCheck(id, 'marketing_calls');
// @ts-expect-error: not one of the request types
void c.fileRequest(id, { type: 'delete_everything' });
// @ts-expect-error: consent to processing is required and must be true
const noConsent: Registration = { name: 'N', ip: '192.0.2.1', birth_date: '1990-01-01', residence_country: 'RU', policy_version: '1', consents: { processing: false } };
// @ts-expect-error: not a media type privd takes for a scan
void c.uploadDocument(id, 'text/plain', new Uint8Array(1));
void noConsent;

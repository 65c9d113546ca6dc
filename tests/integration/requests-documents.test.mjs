// SPDX-License-Identifier: AGPL-3.0-or-later
// The scanned document of a rights request: real PDF, JPEG, PNG and TIFF files are accepted, stored with their
// SHA-256 and served back byte for byte; a file of another type than declared, another media type, a truncated
// or empty file, and an over-size file are refused with nothing stored.
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
	assertJson, assertProblem, findStored, forEngines, newPerson, run, withServer,
} from './lib/privd.mjs';
import { JPEG, makePdf, makePng, sampleDocuments, sha256, TIFF_LE } from './lib/documents.mjs';
import { attach, auditEntries, fileRequest, getRequest, notifications, putDocument } from './lib/requests.mjs';

/** Asserts that a request has no scan: still awaiting_document, no document, no due date, no notice, 404 on GET. */
async function assertNothingStored(srv, q) {
	const g = await getRequest(srv, q.id);
	assert.equal(g.status, 'awaiting_document', 'the request still awaits its document');
	assert.equal(g.document, null, 'no document is recorded');
	assert.equal(g.received_at, null);
	assert.equal(g.due_date, null);
	assert.equal(g.updated_at, q.updated_at, 'the request was not touched');
	const n = (await notifications(srv, q.subject_id)).filter((x) => x.request_id === q.id);
	assert.deepEqual(n, [], 'no notice was queued');
	assertProblem(await srv.req('GET', `/v1/requests/${q.id}/document`, { as: 'operator' }), 404, 'not-found');
	const audit = (await auditEntries(srv)).filter((e) => e.object_id === q.id && e.action === 'request.document');
	assert.deepEqual(audit, [], 'no request.document audit entry');
}

describe('the generated files are real files', () => {
	// The readers (qpdf, djpeg, pngcheck, tiffinfo) are installed by scripts/install-deps.sh --test, which `make check`
	// runs: a missing one is a failure, not a skip.
	const tools = [
		['PDF', 'qpdf', (f) => ['--check', f], () => makePdf()],
		['PDF (padded)', 'qpdf', (f) => ['--check', f], () => makePdf(['x'], { pad: 90_000 })],
		['JPEG', 'djpeg', (f) => ['-outfile', '/dev/null', f], () => JPEG],
		['PNG', 'pngcheck', (f) => [f], () => makePng()],
		['TIFF', 'tiffinfo', (f) => [f], () => TIFF_LE],
	];
	let dir;
	before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'privd-docs-')); });
	for (const [name, tool, args, make] of tools) {
		it(`${name} passes ${tool}`, async () => {
			const which = await run('sh', ['-c', `command -v ${tool}`]);
			assert.equal(which.code, 0, `${tool} is not installed: scripts/install-deps.sh --test installs it`);
			const f = path.join(dir, `sample-${tool}`);
			await writeFile(f, make());
			const r = await run(tool, args(f));
			assert.equal(r.code, 0, `${tool}: ${r.stdout}${r.stderr}`);
		});
	}
	after(async () => { await rm(dir, { recursive: true, force: true }); });
});

forEngines('request documents', (engine) => {
	const ctx = withServer(engine);
	let s;
	before(async () => { s = await ctx.srv.registerOk(newPerson()); });

	describe('accepted', () => {
		for (const doc of sampleDocuments()) {
			it(`a ${doc.name} scan: 200, its SHA-256 recorded, served back byte for byte with its type`, async () => {
				const q = await fileRequest(ctx.srv, s.id, 'access');
				// the scan's type, size and hash are shown to operator and admin keys only
				const got = await attach(ctx.srv, q.id, { data: doc.data, type: doc.type, as: 'operator' });
				assert.deepEqual(got.document, { type: doc.type, size: doc.data.length, sha256: sha256(doc.data) });
				const r = await ctx.srv.req('GET', `/v1/requests/${q.id}/document`, { as: 'operator' });
				assert.equal(r.status, 200, r.text.slice(0, 300));
				assert.equal(r.headers.get('content-type'), doc.type);
				assert.equal(r.headers.get('content-disposition'), `attachment; filename="request-${q.id}.${doc.ext}"`);
				assert.match(r.headers.get('cache-control') || '', /no-store/);
				// srv.req decodes the body as text: fetch it again as bytes to compare exactly.
				const raw = Buffer.from(await (await fetch(`${ctx.srv.url}/v1/requests/${q.id}/document`, {
					headers: { authorization: `Bearer ${ctx.srv.keys.operator}` },
				})).arrayBuffer());
				assert.ok(raw.equals(doc.data), `the served ${doc.name} equals the one sent`);
				assert.equal(sha256(raw), got.document.sha256);
			});
		}

		it('media type parameters and case are ignored (Application/PDF; charset=binary)', async () => {
			const q = await fileRequest(ctx.srv, s.id, 'access');
			const pdf = makePdf(['case']);
			const got = await attach(ctx.srv, q.id, { data: pdf, type: 'Application/PDF; charset=binary', as: 'operator' });
			assert.equal(got.document.type, 'application/pdf');
		});

		it('the scan is stored encrypted: its text is in no database file', async () => {
			const marker = `SCANMARKER${Date.now()}X${Math.random().toString(36).slice(2)}`;
			const q = await fileRequest(ctx.srv, s.id, 'access');
			await attach(ctx.srv, q.id, { data: makePdf([marker]) });
			const hits = await findStored(ctx.srv, [marker]);
			assert.deepEqual(hits, [], `the scan's content is stored in plain text: ${JSON.stringify(hits)}`);
		});
	});

	describe('refused, with nothing stored', () => {
		const cases = [
			['a PNG sent as application/pdf', () => makePng(), 'application/pdf', 415, 'unsupported-media-type'],
			['a PDF sent as image/png', () => makePdf(), 'image/png', 415, 'unsupported-media-type'],
			['a JPEG sent as image/tiff', () => JPEG, 'image/tiff', 415, 'unsupported-media-type'],
			['text/plain', () => Buffer.from('I want my data erased. Signed, me.\n'), 'text/plain', 415, 'unsupported-media-type'],
			['a PDF sent as text/plain', () => makePdf(), 'text/plain', 415, 'unsupported-media-type'],
			['a PDF sent as application/octet-stream', () => makePdf(), 'application/octet-stream', 415, 'unsupported-media-type'],
			['a PDF without a Content-Type', () => makePdf(), null, 415, 'unsupported-media-type'],
			['a PDF cut in half', () => { const p = makePdf(); return p.subarray(0, Math.floor(p.length / 2)); },
				'application/pdf', 422, 'validation'],
			['a PNG cut in half', () => { const p = makePng(); return p.subarray(0, Math.floor(p.length / 2)); },
				'image/png', 422, 'validation'],
			['a PNG with a broken CRC', () => { const p = Buffer.from(makePng()); p[29] ^= 0xff; return p; },
				'image/png', 422, 'validation'],
			['a JPEG without its end', () => JPEG.subarray(0, JPEG.length - 2), 'image/jpeg', 422, 'validation'],
			['a TIFF cut in half', () => TIFF_LE.subarray(0, 40), 'image/tiff', 422, 'validation'],
			['a 0-byte PDF', () => Buffer.alloc(0), 'application/pdf', 422, 'validation'],
			['a 0-byte PNG', () => Buffer.alloc(0), 'image/png', 422, 'validation'],
		];
		for (const [what, make, type, status, slug] of cases) {
			it(`${what}: ${status}`, async () => {
				const q = await fileRequest(ctx.srv, s.id, 'access');
				assertProblem(await putDocument(ctx.srv, q.id, make(), type), status, slug);
				await assertNothingStored(ctx.srv, q);
			});
		}

		it('a refused scan leaves an earlier one in place', async () => {
			const q = await fileRequest(ctx.srv, s.id, 'access');
			const pdf = makePdf(['first']);
			const first = await attach(ctx.srv, q.id, { data: pdf, as: 'operator' });
			assertProblem(await putDocument(ctx.srv, q.id, makePng(), 'application/pdf'), 415, 'unsupported-media-type');
			assertProblem(await putDocument(ctx.srv, q.id, pdf.subarray(0, 50), 'application/pdf'), 422, 'validation');
			const g = await getRequest(ctx.srv, q.id);
			assert.deepEqual(g.document, first.document);
			assert.equal(g.due_date, first.due_date);
			const n = (await notifications(ctx.srv, s.id)).filter((x) => x.request_id === q.id);
			assert.equal(n.length, 1, 'only the first receipt was notified');
		});
	});

	ctx.closingTest();
});

forEngines('request documents: size limit', (engine) => {
	const ctx = withServer(engine, { serve: { env: { PRIVD_REQUESTS_DOCUMENT_LIMIT: '100000' } } });
	let s;
	before(async () => { s = await ctx.srv.registerOk(newPerson()); });

	it('a 150 kB PDF over a 100,000-byte limit is 413 with nothing stored', async () => {
		const big = makePdf(['big'], { pad: 150_000 });
		assert.ok(big.length > 150_000);
		const q = await fileRequest(ctx.srv, s.id, 'access');
		assertProblem(await putDocument(ctx.srv, q.id, big, 'application/pdf'), 413, 'too-large');
		await assertNothingStored(ctx.srv, q);
	});

	it('a 90 kB PDF under the limit is accepted', async () => {
		const pdf = makePdf(['under'], { pad: 90_000 });
		assert.ok(pdf.length < 100_000);
		const q = await fileRequest(ctx.srv, s.id, 'access');
		const got = await attach(ctx.srv, q.id, { data: pdf, as: 'operator' });
		assert.equal(got.document.size, pdf.length);
	});

	it('the JSON body limit still applies to JSON routes', async () => {
		const r = await ctx.srv.req('POST', `/v1/subjects/${s.id}/requests`, {
			as: 'app', json: { type: 'access', details: { note: 'x'.repeat(90_000) } },
		});
		assertProblem(r, 413, 'too-large');
		assertJson(await ctx.srv.req('GET', '/v1/requests?limit=1', { as: 'operator' }), 200);
	});

	ctx.closingTest();
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// The portal's preview of a scan before it is sent, in chromium: a PDF's first page drawn by pdf.js (bundled by make,
// loaded with its worker from privd's own origin under the pages' CSP, no request anywhere else), with the number of
// pages; an image shown as it is; a TIFF (which browsers cannot draw) named with a note; a file over the size limit
// refused before upload; a scan whose image is JPEG 2000 (JPXDecode) drawn by pdf.js's OpenJPEG decoder, WebAssembly
// from privd's origin under the policy's 'wasm-unsafe-eval'. The PDF then goes up as it is. Screenshots of both previews in Russian and English at
// 1280×800 and 390×844 in tests/browser/artifacts/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { assertJson, newPerson } from '../integration/lib/privd.mjs';
import { makeJpxPdf, makePdfPages, makePng, TIFF_LE } from '../integration/lib/documents.mjs';
import { portalLink } from '../integration/lib/portal.mjs';
import { DESKTOP, newPage, PHONE, privdSuite } from './lib/pages.mjs';
import { ARTIFACTS } from './lib/site.mjs';

describe('the portal\'s preview of a scan, in chromium', { concurrency: 1 }, () => {
	const world = privdSuite();
	let srv, me, dir;

	before(async () => {
		({ srv } = world);
		me = await srv.registerOk(newPerson());
		dir = path.join(os.tmpdir(), `privd-preview-${process.pid}`);
		await mkdir(dir, { recursive: true });
		await writeFile(path.join(dir, 'request.pdf'), makePdfPages(3));
		await writeFile(path.join(dir, 'scan.png'), makePng(600, 800));
		await writeFile(path.join(dir, 'scan.tif'), TIFF_LE);
		// a scan in JPEG 2000: a red picture with a blue gradient across, made by OpenJPEG's opj_compress
		const [w, h] = [160, 120];
		const px = Buffer.alloc(w * h * 3);
		for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px.set([210, 20, Math.round((x * 255) / w)], (y * w + x) * 3);
		await writeFile(path.join(dir, 'scan.ppm'), Buffer.concat([Buffer.from(`P6\n${w} ${h}\n255\n`, 'latin1'), px]));
		execFileSync('opj_compress', ['-i', path.join(dir, 'scan.ppm'), '-o', path.join(dir, 'scan.jp2')], { stdio: 'ignore' });
		await writeFile(path.join(dir, 'jpx.pdf'), makeJpxPdf(await readFile(path.join(dir, 'scan.jp2')), w, h));
	});

	async function opened(viewport, lang) {
		const { ctx, page, errors, elsewhere } = await newPage(world, { viewport, lang });
		const link = assertJson(await portalLink(srv, me.id), 201);
		const u = new URL(link.url);
		await page.goto(srv.url + u.pathname + u.search);
		await page.locator('#file-form').waitFor({ timeout: 15_000 });
		await page.locator('#type').selectOption('erase');
		return { ctx, page, errors, elsewhere };
	}

	/** Dark pixels on the preview's canvas: the page's text was drawn. */
	const inked = (page) => page.locator('canvas#doc-preview').evaluate((c) => {
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let n = 0;
		for (let i = 0; i < d.length; i += 4) if (d[i] < 100 && d[i + 1] < 100 && d[i + 2] < 100) n++;
		return n;
	});

	it('a PDF\'s first page is drawn from this origin with the page count; a TIFF is named; then the PDF is sent as it is', async () => {
		const { ctx, page, errors, elsewhere } = await opened(DESKTOP, 'en');
		const loaded = [];
		page.on('response', (r) => { if (r.url().includes('/common/pdfjs/')) loaded.push([new URL(r.url()).pathname, r.headers()['content-security-policy'] || '']); });
		try {
			await page.locator('#doc').setInputFiles(path.join(dir, 'scan.tif'));
			await page.getByText('No preview for this format').waitFor();
			assert.equal(await page.locator('#doc-preview').count(), 0);

			await page.locator('#doc').setInputFiles(path.join(dir, 'request.pdf'));
			await page.locator('canvas#doc-preview:not([hidden])').waitFor({ timeout: 30_000 });
			await page.getByText('Pages in the document: 3.').waitFor();
			assert.ok(await inked(page) > 50, 'the page\'s text is drawn on the canvas');
			const paths = loaded.map(([p]) => p).sort();
			assert.deepEqual(paths, ['/common/pdfjs/pdf.min.mjs', '/common/pdfjs/pdf.worker.min.mjs'], 'pdf.js and its worker from privd');
			for (const [, csp] of loaded) assert.match(csp, /worker-src 'self'/);
			await page.screenshot({ path: path.join(ARTIFACTS, 'portal-preview-pdf-en-desktop.png'), fullPage: true });

			await page.getByRole('button', { name: 'Send request' }).click();
			await page.getByText('Your request was received').waitFor({ timeout: 15_000 });
			const list = assertJson(await srv.req('GET', `/v1/requests?subject_id=${me.id}`, { as: 'operator' }), 200);
			const q = list.items.find((x) => x.type === 'erase');
			assert.equal(q.document.type, 'application/pdf');
			assert.equal((await srv.req('GET', `/v1/requests/${q.id}/document`, { as: 'operator' })).status, 200);
			assert.deepEqual(elsewhere, [], 'nothing fetched from another origin');
			assert.deepEqual(errors, [], 'no script error and no CSP violation');
		} finally {
			await ctx.close();
		}
	});

	it('a scan in JPEG 2000 (JPXDecode): its first page is drawn by pdf.js\'s OpenJPEG decoder, WebAssembly from this origin', async () => {
		const { ctx, page, errors, elsewhere } = await opened(DESKTOP, 'en');
		const loaded = [];
		ctx.on('response', (r) => { if (r.url().includes('/common/pdfjs/')) loaded.push(new URL(r.url()).pathname); });
		try {
			await page.locator('#doc').setInputFiles(path.join(dir, 'jpx.pdf'));
			await page.locator('canvas#doc-preview:not([hidden])').waitFor({ timeout: 30_000 });
			await page.getByText('Pages in the document: 1.').waitFor();
			const red = await page.locator('canvas#doc-preview').evaluate((c) => {
				const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
				let n = 0;
				for (let i = 0; i < d.length; i += 4) if (d[i] > 150 && d[i + 1] < 90) n++;
				return n / (d.length / 4);
			});
			assert.ok(red > 0.5, `the JPEG 2000 image fills the page (${(red * 100).toFixed(1)}% of it red)`);
			assert.ok(loaded.includes('/common/pdfjs/wasm/openjpeg.wasm'), `OpenJPEG's WebAssembly from privd: ${loaded.join(', ')}`);
			assert.ok(!loaded.includes('/common/pdfjs/wasm/openjpeg_nowasm_fallback.js'), 'not its JavaScript fallback');
			await page.screenshot({ path: path.join(ARTIFACTS, 'portal-preview-jpx-en-desktop.png'), fullPage: true });
			assert.deepEqual(elsewhere, [], 'nothing fetched from another origin');
			assert.deepEqual(errors, [], 'no script error and no CSP violation');
		} finally {
			await ctx.close();
		}
	});

	it('a file over the server\'s size limit is refused before upload', async () => {
		const { ctx, page } = await opened(DESKTOP, 'en');
		const uploads = [];
		page.on('request', (r) => { if (r.method() === 'PUT') uploads.push(r.url()); });
		try {
			const max = await page.evaluate(async () => (await (await fetch('/v1/portal/session')).json()).document.max_bytes);
			const dt = await page.evaluateHandle((n) => {
				const d = new DataTransfer();
				const big = new Uint8Array(n + 1);
				big.set([0x25, 0x50, 0x44, 0x46]);
				d.items.add(new File([big], 'big.pdf', { type: 'application/pdf' }));
				return d;
			}, max);
			await page.dispatchEvent('#drop', 'drop', { dataTransfer: dt });
			await page.getByText('The file is larger than').waitFor();
			assert.equal(await page.locator('#doc-preview').count(), 0);
			assert.equal(uploads.length, 0);
		} finally {
			await ctx.close();
		}
	});

	for (const lang of ['ru', 'en']) {
		for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
			it(`screenshots of both previews in ${lang} at ${name} width`, async () => {
				const { ctx, page, errors } = await opened(viewport, lang);
				try {
					await page.locator('#doc').setInputFiles(path.join(dir, 'request.pdf'));
					await page.locator('canvas#doc-preview:not([hidden])').waitFor({ timeout: 30_000 });
					await page.locator('#h-file').scrollIntoViewIfNeeded();
					await page.screenshot({ path: path.join(ARTIFACTS, `portal-preview-pdf-${lang}-${name}.png`), fullPage: true });
					let overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
					assert.ok(overflow <= 1, `no horizontal scroll with a PDF preview at ${viewport.width}px (${overflow}px over)`);
					await page.locator('#doc').setInputFiles(path.join(dir, 'scan.png'));
					await page.waitForFunction(() => document.querySelector('img#doc-preview')?.naturalWidth === 600);
					await page.screenshot({ path: path.join(ARTIFACTS, `portal-preview-image-${lang}-${name}.png`), fullPage: true });
					overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
					assert.ok(overflow <= 1, `no horizontal scroll with an image preview at ${viewport.width}px (${overflow}px over)`);
					assert.deepEqual(errors, []);
				} finally {
					await ctx.close();
				}
			});
		}
	}
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// The scan inline in the console's request detail, in chromium: a PDF's pages drawn one under another by the bundled
// pdf.js from the bytes the console fetched (each page with its number, the count below), beside the person's data;
// a TIFF, which browsers cannot draw, offered for download. No request to another origin, no CSP violation.
// Screenshots of a PDF request in Russian and English at 1280×800 and 390×844 in tests/browser/artifacts/.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { newPerson } from '../integration/lib/privd.mjs';
import { makePdfPages, TIFF_LE } from '../integration/lib/documents.mjs';
import { attach, fileRequest } from '../integration/lib/requests.mjs';
import { privdSuite, DESKTOP, PHONE, signIn } from './lib/pages.mjs';
import { ARTIFACTS } from './lib/site.mjs';

describe('the scan inline in the console, in chromium', { concurrency: 1 }, () => {
	const world = privdSuite();
	let srv, pdf, tiff;

	before(async () => {
		({ srv } = world);
		const a = await srv.registerOk(newPerson());
		pdf = await fileRequest(srv, a.id, 'erase');
		await attach(srv, pdf.id, { data: makePdfPages(3), type: 'application/pdf' });
		const b = await srv.registerOk(newPerson());
		tiff = await fileRequest(srv, b.id, 'access');
		await attach(srv, tiff.id, { data: TIFF_LE, type: 'image/tiff' });
	});

	const signedIn = (viewport, lang) => signIn(world, { viewport, lang });

	it('a PDF scan\'s pages are drawn inline, each numbered; a TIFF is offered for download', async () => {
		const { ctx, page, errors, elsewhere } = await signedIn(DESKTOP, 'en');
		try {
			await page.locator(`a[href="#/requests/${pdf.id}"]`).click();
			await page.locator('#scan canvas[data-page="3"]').waitFor({ timeout: 30_000 });
			await page.locator('#scan-pages', { hasText: '3 page(s) in all' }).waitFor();
			assert.equal(await page.locator('#scan canvas').count(), 3);
			assert.equal(await page.locator('#scan canvas').first().getAttribute('aria-label'), 'Page 1 of 3');
			const ink = await page.locator('#scan canvas').first().evaluate((c) => {
				const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
				let n = 0;
				for (let i = 0; i < d.length; i += 4) if (d[i] < 100 && d[i + 1] < 100 && d[i + 2] < 100) n++;
				return n;
			});
			assert.ok(ink > 50, 'the page\'s text is drawn');
			assert.match(await page.locator('.pdf-view a').getAttribute('href'), /\/document\?inline=1$/);
			await page.screenshot({ path: path.join(ARTIFACTS, 'console-request-pdf-en-desktop.png'), fullPage: true });

			await page.goto(`${srv.url}/console/#/requests/${tiff.id}`);
			await page.getByText('A browser cannot show this format').waitFor();
			assert.match(await page.getByRole('link', { name: 'Download the scan' }).getAttribute('href'), /\/document$/);
			assert.deepEqual(elsewhere, [], 'nothing from another origin');
			assert.deepEqual(errors, [], 'no script error and no CSP violation');
		} finally {
			await ctx.close();
		}
	});

	for (const lang of ['ru', 'en']) {
		for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
			it(`screenshots of a PDF request in ${lang} at ${name} width`, async () => {
				const { ctx, page } = await signedIn(viewport, lang);
				try {
					await page.goto(`${srv.url}/console/#/requests/${pdf.id}`);
					await page.locator('#scan canvas[data-page="3"]').waitFor({ timeout: 30_000 });
					await page.locator('#scan-pages').waitFor();
					await page.screenshot({ path: path.join(ARTIFACTS, `console-request-pdf-${lang}-${name}.png`), fullPage: true });
					const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
					assert.ok(overflow <= 1, `no horizontal scroll at ${viewport.width}px (${overflow}px over)`);
				} finally {
					await ctx.close();
				}
			});
		}
	}
});

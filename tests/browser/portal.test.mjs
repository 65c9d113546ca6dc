// SPDX-License-Identifier: AGPL-3.0-or-later
// The person's portal in a real browser (Debian's chromium, driven by playwright-core): the app's link opens the
// portal with an HttpOnly session cookie no script can read; the person sees their data, consents and requests;
// files an erasure with a PNG scan chosen in the file picker (a preview of the image before sending), and a file of
// the wrong kind is refused before upload; the request is then listed with its status and due date; another person's
// data stays out of reach; the third party their data was delivered to is listed; an access export is downloaded and a
// consent text agreed to is opened from the history; after signing out the page says the session ended. Screenshots in Russian and English at
// 1280×800 and 390×844 are kept in tests/browser/artifacts/. SQLite only: sessions are tested on both engines in
// tests/integration/portal.test.mjs.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertJson, newPerson } from '../integration/lib/privd.mjs';
import { makePng } from '../integration/lib/documents.mjs';
import { portalLink } from '../integration/lib/portal.mjs';
import { startRecipient } from '../integration/lib/recipient.mjs';
import { carryOut, poll } from '../integration/lib/requests.mjs';
import { DESKTOP, newPage, PHONE, privdSuite } from './lib/pages.mjs';
import { ARTIFACTS } from './lib/site.mjs';

describe('the person\'s portal in chromium', { concurrency: 1 }, () => {
	const world = privdSuite();
	let srv, me, other, dir, rec;

	before(async () => {
		({ srv } = world);
		me = await srv.registerOk(newPerson({ consents: { processing: true, third_party_transfer: true, cookies: [] } }));
		other = await srv.registerOk(newPerson());
		// one transfer of the person's data, delivered to a recipient on loopback: the portal says who received it
		rec = await startRecipient();
		const recipient = assertJson(await srv.req('POST', '/v1/recipients', { as: 'admin', json: { name: 'ООО «Доставка»',
			purpose: 'Доставка заказов покупателям', country: 'RU', endpoint: rec.url, public_key: rec.publicKey,
			confidentiality_ref: 'NDA-2026/17', fields_allowed: ['name', 'phone'] } }), 201);
		const tr = assertJson(await srv.req('POST', '/v1/transfers', { as: 'operator', json: { recipient_id: recipient.id,
			subject_ids: [me.id], fields: ['name', 'phone'], legal_basis: 'consent' } }), 201);
		await poll(async () => assertJson(await srv.req('GET', `/v1/transfers/${tr.id}`, { as: 'operator' }), 200).status === 'completed',
			{ ms: 30_000 });
		dir = path.join(os.tmpdir(), `privd-portal-${process.pid}`);
		await mkdir(dir, { recursive: true });
		await writeFile(path.join(dir, 'scan.png'), makePng(600, 400));
		await writeFile(path.join(dir, 'notes.txt'), 'not a scan');
	});
	after(async () => {
		await rec?.close();
	});

	/** A fresh browser opening a new link of subject; resolves when the portal has rendered. */
	async function opened(subjectId, viewport, lang) {
		const { ctx, page, errors } = await newPage(world, { viewport, lang });
		const link = assertJson(await portalLink(srv, subjectId), 201);
		// the link is built on [server] public_url, which a test instance listening on port 0 does not have
		const u = new URL(link.url);
		link.local = srv.url + u.pathname + u.search;
		await page.goto(link.local);
		await page.locator('#file-form').waitFor({ timeout: 15_000 });
		return { ctx, page, errors, link };
	}

	it('the link opens the portal at /portal/ with an HttpOnly, SameSite=Strict cookie; the page shows the person\'s data', async () => {
		const { ctx, page, errors } = await opened(me.id, DESKTOP, 'en');
		try {
			assert.equal(new URL(page.url()).pathname, '/portal/');
			assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is not readable by scripts');
			const c = (await ctx.cookies()).find((x) => x.name === 'privd_portal');
			assert.ok(c, 'the session cookie is set');
			assert.equal(c.httpOnly, true);
			assert.equal(c.sameSite, 'Strict');
			const text = await page.locator('main').innerText();
			assert.ok(text.includes(me.email), 'the person\'s e-mail is shown');
			assert.ok(text.includes('Processing of personal data'), 'the consents are shown');
			assert.ok(text.includes('You have not filed any requests yet'), 'an empty list says what to do');
			const received = await page.locator('section[aria-labelledby="h-tr"]').innerText();
			assert.match(received, /Who received your data/);
			assert.match(received, /ООО «Доставка»[\s\S]*Доставка заказов покупателям[\s\S]*Name, Phone[\s\S]*Delivered/);
			assert.deepEqual(errors, [], 'no script error and no CSP violation');
		} finally {
			await ctx.close();
		}
	});

	it('a wrong file dropped is refused before upload; a PNG scan chosen by keyboard is previewed, sent with an erasure request, and listed with its due date', async () => {
		const { ctx, page, errors } = await opened(me.id, DESKTOP, 'en');
		const uploads = [];
		page.on('request', (r) => { if (r.method() === 'PUT') uploads.push(r.url()); });
		try {
			await page.locator('#type').selectOption('erase');
			// dragged and dropped: a text file is refused by its first bytes, before any upload
			const dt = await page.evaluateHandle(() => {
				const d = new DataTransfer();
				d.items.add(new File(['not a scan'], 'notes.png', { type: 'image/png' }));
				return d;
			});
			await page.dispatchEvent('#drop', 'drop', { dataTransfer: dt });
			await page.getByText('This file type is not accepted').waitFor();
			assert.equal(uploads.length, 0, 'nothing was uploaded');
			// by keyboard: the drop zone takes the focus and Enter opens the file picker (its click is seen here)
			await page.evaluate(() => {
				document.getElementById('doc').addEventListener('click', (e) => { window.pickerOpened = true; e.preventDefault(); },
					{ once: true });
			});
			await page.locator('#drop').focus();
			await page.keyboard.press('Enter');
			await page.waitForFunction(() => window.pickerOpened === true, null, { timeout: 15_000 });
			await page.locator('#doc').setInputFiles(path.join(dir, 'scan.png'));
			const img = page.locator('[data-role=preview] img');
			await img.waitFor();
			// decoded a moment after it is attached: waited for, as a loaded machine may take a while
			await page.waitForFunction(() => {
				const el = document.querySelector('[data-role=preview] img');
				return el !== null && el.complete && el.naturalWidth === 600;
			}, null, { timeout: 15_000 });
			assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth === 600), 'the image is previewed');
			await page.screenshot({ path: path.join(ARTIFACTS, 'portal-file-en-desktop.png'), fullPage: true });
			await page.getByRole('button', { name: 'Send request' }).click();
			await page.getByText('Your request was received').waitFor({ timeout: 15_000 });
			const row = page.locator('tr[data-request]').first();
			await row.waitFor();
			const rowText = await row.innerText();
			assert.match(rowText, /Delete my data/);
			assert.match(rowText, /Received/);
			assert.match(rowText, /working days left/);
			assert.equal(uploads.length, 1, 'one upload');
			const list = assertJson(await srv.req('GET', `/v1/requests?subject_id=${me.id}`, { as: 'operator' }), 200);
			assert.equal(list.items.length, 1);
			assert.equal(list.items[0].type, 'erase');
			assert.equal(list.items[0].status, 'received');
			assert.equal(list.items[0].document.type, 'image/png');
			assert.deepEqual(errors, []);
		} finally {
			await ctx.close();
		}
	});

	it('a question is asked and its answer read in the portal', async () => {
		const { ctx, page } = await opened(me.id, DESKTOP, 'en');
		try {
			await page.locator('#type').selectOption('inquiry');
			await page.locator('#question').fill('Who received my data?');
			await page.getByRole('button', { name: 'Send question' }).click();
			await page.getByText('Your question was received').waitFor({ timeout: 15_000 });
			const list = assertJson(await srv.req('GET', `/v1/requests?subject_id=${me.id}`, { as: 'operator' }), 200);
			const q = list.items.find((x) => x.type === 'inquiry');
			assertJson(await srv.req('POST', `/v1/requests/${q.id}/answer`, { as: 'operator', json: { text: 'Nobody: no transfers are recorded.' } }), 200);
			await page.reload();
			await page.getByText('Nobody: no transfers are recorded.').waitFor({ timeout: 15_000 });
		} finally {
			await ctx.close();
		}
	});

	it('a cookie category is allowed and withdrawn from the page, at once', async () => {
		const { ctx, page, errors } = await opened(me.id, DESKTOP, 'en');
		try {
			const row = page.locator('tr[data-purpose="cookies.analytics"]');
			await row.getByRole('button', { name: 'Allow' }).click();
			await row.getByRole('button', { name: 'Withdraw' }).waitFor({ timeout: 15_000 });
			let check = assertJson(await srv.req('GET', `/v1/subjects/${me.id}/consents/cookies.analytics`, { as: 'app' }), 200);
			assert.equal(check.granted, true);
			await row.getByRole('button', { name: 'Withdraw' }).click();
			await row.getByRole('button', { name: 'Allow' }).waitFor({ timeout: 15_000 });
			check = assertJson(await srv.req('GET', `/v1/subjects/${me.id}/consents/cookies.analytics`, { as: 'app' }), 200);
			assert.equal(check.granted, false);
			assert.equal(await page.locator('tr[data-purpose="processing"] button').count(), 0, 'processing is withdrawn by a request');
			assert.deepEqual(errors, []);
		} finally {
			await ctx.close();
		}
	});

	it('the page cannot reach another person: their id is 404 even from the portal\'s own origin', async () => {
		const { ctx, page } = await opened(me.id, DESKTOP, 'en');
		try {
			const st = await page.evaluate(async (id) => (await fetch(`/v1/subjects/${id}`)).status, other.id);
			assert.equal(st, 404);
		} finally {
			await ctx.close();
		}
	});

	for (const [lang, vp, name] of [['ru', DESKTOP, 'desktop'], ['en', DESKTOP, 'desktop'], ['ru', PHONE, 'phone'], ['en', PHONE, 'phone']]) {
		it(`screenshot: the portal in ${lang} at ${vp.width}×${vp.height}`, async () => {
			const { ctx, page, errors } = await opened(me.id, vp, lang);
			try {
				await page.locator('tr[data-request]').first().waitFor();
				assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
				const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
				assert.equal(overflow, false, 'nothing overflows the screen\'s width');
				await page.screenshot({ path: path.join(ARTIFACTS, `portal-${lang}-${name}.png`), fullPage: true });
				assert.deepEqual(errors, []);
			} finally {
				await ctx.close();
			}
		});
	}

	it('an access export is downloaded once ready; a consent text agreed to opens from the history', async () => {
		const person = newPerson();
		const p = await srv.registerOk(person);
		const q = await carryOut(srv, p.id, 'access');
		const { ctx, page, errors } = await opened(p.id, DESKTOP, 'en');
		try {
			const link = page.locator(`tr[data-request="${q.id}"] a[href="/v1/requests/${q.id}/export?format=html"]`);
			assert.equal(await link.innerText(), 'Download');
			const fetched = (href) => page.evaluate(async (h) => {
				const r = await fetch(h);
				return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
			}, href);
			const x = await fetched(await link.getAttribute('href'));
			assert.equal(x.status, 200);
			assert.match(x.type, /^text\/html/);
			assert.ok(x.text.includes(person.email.split('@')[0]), 'the export holds the person\'s data');
			await page.locator('summary', { hasText: 'History' }).click();
			const text = page.locator('a[href^="/consent/processing?"]').first();
			await text.waitFor();
			assert.match(await text.getAttribute('href'), /^\/consent\/processing\?lang=(ru|en)&version=1$/);
			assert.equal(await text.innerText(), 'v1');
			const c = await fetched(await text.getAttribute('href'));
			assert.equal(c.status, 200);
			assert.match(c.type, /^text\/html/);
			assert.deepEqual(errors, []);
		} finally {
			await ctx.close();
		}
	});

	it('signing out ends the session; the page says so and the link does not open again', async () => {
		const { ctx, page, link } = await opened(me.id, DESKTOP, 'en');
		try {
			await page.getByRole('button', { name: 'Sign out' }).click();
			await page.getByText('Your session has ended').waitFor();
			const st = await page.evaluate(async () => (await fetch('/v1/portal/session')).status);
			assert.equal(st, 401);
			const again = await page.goto(link.local);
			assert.equal(again.status(), 404);
		} finally {
			await ctx.close();
		}
	});
});

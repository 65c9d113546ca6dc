// SPDX-License-Identifier: AGPL-3.0-or-later
// The operator's console in a real browser (Debian's chromium, driven by playwright-core): an operator signs in with
// their key, which the page does not keep (no storage holds it, the session cookie is HttpOnly); sees a filed erasure
// request in the queue with its due date; opens it, the PNG scan shown beside the person's data; accepts and executes
// it, each confirmed in a dialog; signs out. An inquiry answered; a guardian's request beside the minor; the dashboard
// drawn. Screenshots of the queue, a request and the dashboard in Russian and English, at 1280×800 and 390×844, are
// kept in tests/browser/artifacts/. SQLite only: sessions are tested on both engines in
// tests/integration/console.test.mjs.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { assertJson, birthDateForAge, newPerson } from '../integration/lib/privd.mjs';
import { makePng } from '../integration/lib/documents.mjs';
import { attach, fileRequest, guardianDetails } from '../integration/lib/requests.mjs';
import { privdSuite, DESKTOP, PHONE, signIn } from './lib/pages.mjs';
import { ARTIFACTS } from './lib/site.mjs';

describe('the operator console in chromium', { concurrency: 1 }, () => {
	const world = privdSuite();
	let srv, erase, person, inquiry, guardian;
	const question = 'Кому передавались мои данные в этом году?';

	before(async () => {
		({ srv } = world);
		person = newPerson();
		const subj = await srv.registerOk(person);
		erase = await fileRequest(srv, subj.id, 'erase');
		await attach(srv, erase.id, { data: makePng(480, 320), type: 'image/png' });
		const other = await srv.registerOk(newPerson());
		const access = await fileRequest(srv, other.id, 'access');
		await attach(srv, access.id);
		const asker = await srv.registerOk(newPerson());
		inquiry = assertJson(await srv.req('POST', `/v1/subjects/${asker.id}/requests`,
			{ as: 'app', json: { type: 'inquiry', question } }), 201);
		const minor = assertJson(await srv.register(newPerson({ birth_date: birthDateForAge(15), residence_country: 'DE' })), 202);
		guardian = await fileRequest(srv, minor.id, 'guardian_consent',
			guardianDetails(srv, { consents: { processing: true, third_party_transfer: false, cookies: ['analytics'] } }));
		await attach(srv, guardian.id, { as: 'operator' });
	});

	/** The queue drawn: its status filter and a request's link. */
	const signedIn = (viewport, lang) => signIn(world, { viewport, lang, drawn: ['#f-status', 'a[href^="#/requests/"]'] });

	it('an operator signs in with the key; the page keeps no key, only an HttpOnly session cookie', async () => {
		const { ctx, page, errors } = await signedIn(DESKTOP, 'en');
		try {
			const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
			assert.ok(!stored.includes(srv.keys.operator), 'the key is in no storage and no script-readable cookie');
			assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is not readable by scripts');
			const cookies = await ctx.cookies();
			const c = cookies.find((x) => x.name === 'privd_console');
			assert.ok(c, 'the session cookie is set');
			assert.equal(c.httpOnly, true);
			assert.equal(c.sameSite, 'Strict');
			assert.ok(!c.value.includes(srv.keys.operator));
			assert.deepEqual(errors, [], 'no script error and no CSP violation');
		} finally {
			await ctx.close();
		}
	});

	it('the queue shows the erasure with its due date; the request opens with its scan; accept and execute, each confirmed', async () => {
		const { ctx, page, errors } = await signedIn(DESKTOP, 'en');
		try {
			const row = page.locator('tr', { has: page.locator(`a[href="#/requests/${erase.id}"]`) });
			assert.match(await row.innerText(), /Erasure/);
			const filed = assertJson(await srv.req('GET', `/v1/requests/${erase.id}`, { as: 'operator' }), 200);
			assert.match(filed.due_date, /^\d{4}-\d{2}-\d{2}$/);
			const due = new Date(`${filed.due_date}T00:00:00`).toLocaleDateString('en-GB', { dateStyle: 'medium' });
			assert.ok((await row.innerText()).includes(due), `the due date ${due} is in the row: ${await row.innerText()}`);
			assert.match(await row.innerText(), /\b10\b|\b9\b|\b11\b/, 'working days left are shown');
			await page.screenshot({ path: path.join(ARTIFACTS, 'console-queue-open-en-desktop.png') });

			await row.locator('a').click();
			const img = page.locator('img#scan');
			await img.waitFor();
			await page.waitForFunction(() => document.querySelector('img#scan').naturalWidth === 480);
			assert.match(await page.locator('.side').innerText(), new RegExp(person.name.split(' ')[0]));
			await page.screenshot({ path: path.join(ARTIFACTS, 'console-request-scan-en-desktop.png'), fullPage: true });

			await page.locator('button[data-action="accept"]').click();
			const dlg = page.locator('dialog#confirm');
			await dlg.waitFor();
			await page.locator('#confirm-ok').click();
			await page.locator('button[data-action="execute"]').waitFor();
			await page.locator('button[data-action="execute"]').click();
			await dlg.waitFor();
			await page.locator('#confirm-ok').click();
			await page.locator('h1 .badge', { hasText: 'Completed' }).waitFor({ timeout: 15_000 });
			const q = assertJson(await srv.req('GET', `/v1/requests/${erase.id}`, { as: 'operator' }), 200);
			assert.equal(q.status, 'completed');
			assert.match(await page.locator('.side').innerText(), /erased/i, 'the person\'s data is gone');
			assert.deepEqual(errors, []);

			await page.locator('#signout').click();
			await page.locator('#key').waitFor();
			const r = await page.evaluate(async () => (await fetch('/v1/requests')).status);
			assert.equal(r, 401, 'signed out: the cookie no longer works');
		} finally {
			await ctx.close();
		}
	});

	it('a dialog cancelled changes nothing; the queue is keyboard usable', async () => {
		const { ctx, page } = await signedIn(DESKTOP, 'en');
		try {
			const link = page.locator('a[href^="#/requests/"]').first();
			await link.focus();
			await page.keyboard.press('Enter');
			await page.locator('button[data-action="reject"]').waitFor();
			await page.locator('button[data-action="reject"]').focus();
			await page.keyboard.press('Enter');
			await page.locator('dialog#confirm[open]').waitFor();
			await page.keyboard.press('Escape');
			await page.locator('dialog#confirm:not([open])').waitFor({ state: 'attached' });
			const id = page.url().split('/').pop();
			const q = assertJson(await srv.req('GET', `/v1/requests/${id}`, { as: 'operator' }), 200);
			assert.equal(q.status, 'received');
		} finally {
			await ctx.close();
		}
	});

	it('an inquiry is answered from the console, confirmed, and the answer is recorded', async () => {
		const { ctx, page, errors } = await signedIn(DESKTOP, 'en');
		try {
			await page.locator('#nav a[href="#/inquiries"]').click();
			await page.locator(`a[href="#/requests/${inquiry.id}"]`).click();
			assert.equal(await page.locator('#question').innerText(), question);
			await page.locator('button[data-action="answer"]').click();
			await page.locator('#confirm-reason').fill('Никому, кроме службы доставки.');
			await page.locator('#confirm-ok').click();
			await page.locator('h1 .badge', { hasText: 'Completed' }).waitFor({ timeout: 15_000 });
			const q = assertJson(await srv.req('GET', `/v1/requests/${inquiry.id}`, { as: 'operator' }), 200);
			assert.equal(q.answer, 'Никому, кроме службы доставки.');
			assert.deepEqual(errors, []);
		} finally {
			await ctx.close();
		}
	});

	it('a guardian request shows the guardian and the purposes chosen beside the minor', async () => {
		const { ctx, page } = await signedIn(DESKTOP, 'en');
		try {
			await page.goto(`${srv.url}/console/#/requests/${guardian.id}`);
			const card = page.locator('#guardian');
			await card.waitFor();
			const g = assertJson(await srv.req('GET', `/v1/requests/${guardian.id}`, { as: 'operator' }), 200).details.guardian;
			assert.match(await card.innerText(), new RegExp(g.name));
			assert.match(await card.innerText(), /mother/);
			assert.match(await card.innerText(), /Processing of personal data/, 'the purpose in words');
			const chosen = async (p) => card.locator(`li[data-purpose="${p}"]`).innerText();
			assert.match(await chosen('processing'), /consents/);
			assert.match(await chosen('third_party_transfer'), /refuses/);
			assert.match(await chosen('cookies.analytics'), /consents[\s\S]*Cookies: analytics/, 'each cookie category on a line of its own');
			assert.match(await chosen('cookies.marketing'), /refuses/);
			assert.match(await chosen('cookies.preferences'), /refuses/);
			assert.equal(await card.locator('li[data-purpose="cookies"]').count(), 0, 'no line for the list of categories itself');
			assert.match(await page.locator('.side').innerText(), /awaiting a guardian/);
			await page.locator('#scan canvas[data-page="1"]').waitFor({ timeout: 30_000 }); // the PDF scan drawn
			await page.screenshot({ path: path.join(ARTIFACTS, 'console-guardian-en-desktop.png'), fullPage: true });
		} finally {
			await ctx.close();
		}
	});

	for (const lang of ['ru', 'en']) {
		for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
			it(`screenshots in ${lang} at ${name} width`, async () => {
				const { ctx, page } = await signedIn(viewport, lang);
				try {
					await page.locator('#f-status').selectOption('');
					await page.locator(`a[href="#/requests/${erase.id}"]`).waitFor();
					const done = page.locator(`tr[data-id="${erase.id}"] td`);
					assert.equal((await done.nth(3).innerText()).trim(), '—', 'a completed request has no working days left');
					await page.screenshot({ path: path.join(ARTIFACTS, `console-queue-${lang}-${name}.png`), fullPage: true });
					const open = page.locator('a[href^="#/requests/"]').last();
					await open.click();
					await page.locator('.detail').waitFor();
					// the scan shown before the screenshot: waited for itself, not for the network to fall quiet,
					// which a page that keeps fetching on a loaded machine may never do within the timeout
					await page.waitForFunction(() => {
						const scan = document.getElementById('scan');
						if (scan === null) return true;
						return scan.tagName === 'IMG' ? scan.complete && scan.naturalWidth > 0 : !scan.hasAttribute('aria-busy'); // a PDF drawn
					}, null, { timeout: 30_000 });
					await page.screenshot({ path: path.join(ARTIFACTS, `console-request-${lang}-${name}.png`), fullPage: true });
					let overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
					assert.ok(overflow <= 1, `no horizontal scroll at ${viewport.width}px (${overflow}px over)`);
					await page.locator('#nav a[href="#/dashboard"]').click();
					await page.locator('#chart-weekly svg').waitFor();
					assert.ok(await page.locator('#chart-weekly svg rect').count() > 0, 'weekly bars are drawn');
					assert.ok(await page.locator('#chart-days .limit').count() === 1, 'the 10-day limit is drawn');
					assert.ok(await page.locator('#chart-consents polyline').count() > 0, 'consent rates are drawn per purpose');
					await page.screenshot({ path: path.join(ARTIFACTS, `console-dashboard-${lang}-${name}.png`), fullPage: true });
					overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
					assert.ok(overflow <= 1, `no horizontal scroll on the dashboard at ${viewport.width}px (${overflow}px over)`);
				} finally {
					await ctx.close();
				}
			});
		}
	}
});

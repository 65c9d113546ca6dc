// SPDX-License-Identifier: AGPL-3.0-or-later
// The console's decisions with a reason and its records, in a real browser (Debian's chromium, driven by
// playwright-core): a rejection and an extension each need a reason, confirmed; the queue shows an overdue request in
// red and filters by type and status; destruction records, each with its reason in words and its printable act; notices that failed to
// deliver, named in words with their error; the audit log for auditors, newest first with the chain's verdict and
// older entries on demand, and no link to it for an operator, whose key cannot read it (the page says so); an
// auditor opening a request is told the person's data and the scan are operators' alone. Screenshots in Russian and
// English at 1280×800 and 390×844 are kept in tests/browser/artifacts/.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertJson, newPerson, sqlite } from '../integration/lib/privd.mjs';
import { deliveryEnv, startSmtp, waitFor } from '../integration/lib/mail.mjs';
import { attach, carryOut, fileRequest, getRequest } from '../integration/lib/requests.mjs';
import { privdSuite, DESKTOP, PHONE, signIn } from './lib/pages.mjs';
import { ARTIFACTS } from './lib/site.mjs';

describe('the console\'s reasons and records, in chromium', { concurrency: 1 }, () => {
	let srv, smtp;
	let toReject, toExtend, overdue, unreachable, erased;
	const refused = new Set();

	before(async () => {
		smtp = await startSmtp({ onRcpt: (a) => (refused.has(a) ? { code: 550, message: 'mailbox unavailable' } : null) });
	});
	const world = privdSuite(() => ({ serve: { env: deliveryEnv({ smtp }) } }));
	before(async () => {
		({ srv } = world);
		const filed = async (type, person = newPerson()) => {
			const s = await srv.registerOk(person);
			const q = await fileRequest(srv, s.id, type);
			await attach(srv, q.id);
			return q;
		};
		toReject = await filed('erase');
		toExtend = await filed('access');
		overdue = await filed('access');
		// received on Monday 3 March 2025, due on its tenth working day: long overdue
		await sqlite(path.join(srv.dataDir, 'privd.db'), `PRAGMA busy_timeout = 10000;
			UPDATE requests SET received_at = ${Date.UTC(2025, 2, 3, 9)}, due_date = '2025-03-17', due_working_days = 10,
			due_estimated = 0 WHERE request_id = '${overdue.id}';`);
		const p = newPerson();
		refused.add(`${p.email.split('@')[0]}@example.org`);
		unreachable = await filed('access', p);
		const gone = await srv.registerOk(newPerson());
		erased = await carryOut(srv, gone.id, 'erase');
	});
	after(async () => {
		await smtp?.close();
	});

	// the 403s an operator's key meets on the audit log are the test's; anything else is an error
	const signedIn = (viewport, lang, role = 'operator') => signIn(world, { viewport, lang, role, expected: /status of 403/ });

	const dialog = (page) => page.locator('dialog#confirm[open]');

	it('a rejection and an extension each need a reason, confirmed; the reason is recorded', async () => {
		const { ctx, page, errors } = await signedIn(DESKTOP, 'en');
		try {
			await page.goto(`${srv.url}/console/#/requests/${toReject.id}`);
			await page.locator('button[data-action="reject"]').click();
			await dialog(page).waitFor();
			await page.locator('#confirm-ok').click(); // the reason is required: the dialog stays
			assert.equal(await page.locator('#confirm-reason').evaluate((ta) => ta.validity.valueMissing), true);
			assert.equal(await dialog(page).count(), 1, 'no reason, the dialog stays open');
			assert.equal((await getRequest(srv, toReject.id)).status, 'received', 'no reason, no rejection');
			await page.locator('#confirm-reason').fill('Подпись в заявлении не совпадает с образцом.');
			await page.locator('#confirm-ok').click();
			await page.locator('h1 .badge', { hasText: 'Rejected' }).waitFor({ timeout: 15_000 });
			let q = await getRequest(srv, toReject.id);
			assert.equal(q.status, 'rejected');
			assert.equal(q.reason, 'Подпись в заявлении не совпадает с образцом.');
			assert.match(await page.locator('.side').innerText(), /Подпись в заявлении не совпадает/);

			await page.goto(`${srv.url}/console/#/requests/${toExtend.id}`);
			const due = (await getRequest(srv, toExtend.id)).due_date;
			await page.locator('button[data-action="extend"]').click();
			await dialog(page).waitFor();
			await page.locator('#confirm-reason').fill('Выписка из архива запрошена у филиала.');
			await page.locator('#confirm-ok').click();
			await page.locator('p.badge.ok[role="status"]').waitFor({ timeout: 15_000 });
			q = await getRequest(srv, toExtend.id);
			assert.equal(q.extended, true);
			assert.ok(q.due_date > due, `the due date moved: ${due} → ${q.due_date}`);
			assert.equal(await page.locator('button[data-action="extend"]').count(), 0, 'extended once only');
			assert.deepEqual(errors, []);
		} finally {
			await ctx.close();
		}
	});

	it('the queue shows an overdue request in red and filters by type and status', async () => {
		const { ctx, page, errors } = await signedIn(DESKTOP, 'en');
		try {
			const row = page.locator(`tr[data-id="${overdue.id}"]`);
			await row.waitFor({ timeout: 15_000 });
			const due = row.locator('td').nth(2).locator('span');
			assert.equal(await due.getAttribute('class'), 'overdue');
			const [red, ink] = await page.evaluate((id) => {
				const rgb = (el) => getComputedStyle(el).color.match(/\d+/g).map(Number);
				return [rgb(document.querySelector(`tr[data-id="${id}"] .overdue`)), rgb(document.querySelector('h1'))];
			}, overdue.id);
			assert.ok(red[0] > 150 && red[0] > red[1] * 2 && red[0] > red[2] * 2, `overdue in red: rgb(${red})`);
			assert.notDeepEqual(red, ink);
			assert.match(await row.locator('td').nth(3).innerText(), /overdue by \d+/);
			assert.equal((await page.locator('tbody tr').first().getAttribute('data-id')), overdue.id, 'sorted by due date');
			await page.screenshot({ path: path.join(ARTIFACTS, 'console-queue-overdue-en-desktop.png'), fullPage: true });

			await page.locator('#f-type').selectOption('access');
			await page.locator(`tr[data-id="${toExtend.id}"]`).waitFor({ timeout: 15_000 });
			const types = await page.locator('tbody tr td:first-child').allInnerTexts();
			assert.deepEqual([...new Set(types)], ['Access'], `only access requests: ${types}`);
			await page.locator('#f-type').selectOption('');
			await page.locator('#f-status').selectOption('rejected');
			await page.locator(`tr[data-id="${toReject.id}"]`).waitFor({ timeout: 15_000 });
			assert.equal(await page.locator('tbody tr').count(), 1, 'only the rejected request');
			assert.deepEqual(errors, []);
		} finally {
			await ctx.close();
		}
	});

	it('destruction records, each with its printable act', async () => {
		const { ctx, page, errors } = await signedIn(DESKTOP, 'en');
		try {
			await page.locator('#nav a[href="#/destruction"]').click();
			const id = erased.result.destruction_record;
			const print = page.locator(`a[href="/v1/destruction-records/${id}?format=html"]`);
			await print.waitFor({ timeout: 15_000 });
			assert.equal(await print.innerText(), 'Printable act');
			assert.match(await page.locator('tbody tr').first().innerText(), /The person's erasure request/, 'the reason in words');
			const act = await page.evaluate(async (href) => {
				const r = await fetch(href);
				return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
			}, await print.getAttribute('href'));
			assert.equal(act.status, 200);
			assert.match(act.type, /^text\/html/);
			assert.ok(act.text.includes('Personal data destruction act') && act.text.includes(id), 'the act to print');
			assert.deepEqual(errors, []);
		} finally {
			await ctx.close();
		}
	});

	it('notices that failed to deliver: what each was about, in words, with its error', async () => {
		await waitFor(async () => {
			const list = assertJson(await srv.req('GET', '/v1/notifications?status=failed', { as: 'operator' }), 200);
			return list.items.some((n) => n.request_id === unreachable.id);
		}, 'the notice to the refused address failed');
		const { ctx, page, errors } = await signedIn(DESKTOP, 'en');
		try {
			await page.locator('#nav a[href="#/notices"]').click();
			// the queue's rows stay until the notices screen replaces them: its heading first
			await page.locator('#main h1', { hasText: 'Notices that failed to deliver' }).waitFor({ timeout: 15_000 });
			const row = page.locator('tbody tr').first();
			await row.waitFor({ timeout: 15_000 });
			const text = await row.innerText();
			assert.match(text, /Request received/, 'the kind in words');
			assert.match(text, /E-mail/);
			assert.match(text, /550/, 'the last error');
			assert.deepEqual(errors, []);
		} finally {
			await ctx.close();
		}
	});

	it('the audit log is the auditors\': an operator has no link to it and is told so; an auditor reads it newest first, older on demand', async () => {
		const op = await signedIn(DESKTOP, 'en');
		try {
			assert.equal(await op.page.locator('#nav a[href="#/audit"]').isHidden(), true, 'no link for an operator');
			assert.equal(await op.page.locator('#nav a[href="#/destruction"]').isVisible(), true);
			await op.page.goto(`${srv.url}/console/#/audit`);
			await op.page.locator('#main .empty', { hasText: 'Not open to your role' }).waitFor({ timeout: 15_000 });
			assert.equal(await op.page.locator('#main .error').count(), 0, 'no error: a page closed to the role');
			assert.deepEqual(op.errors, []);
		} finally {
			await op.ctx.close();
		}
		// enough entries for two pages: each registration writes to the log
		for (let i = 0; i < 12; i++) await Promise.all(Array.from({ length: 20 }, () => srv.registerOk(newPerson())));
		const { ctx, page, errors } = await signedIn(DESKTOP, 'en', 'auditor');
		try {
			const verdict = await page.locator('#verify').innerText();
			const m = verdict.match(/The chain verifies: (\d+) entries/);
			assert.ok(m, verdict);
			const n = Number(m[1]);
			assert.ok(n > 200, `more than a page of entries: ${n}`);
			const seqs = async () => (await page.locator('#audit-list tbody tr td:first-child').allInnerTexts()).map(Number);
			let shown = await seqs();
			assert.equal(shown.length, 200);
			assert.equal(shown[0], n, 'the newest entry first');
			assert.equal(shown[199], n - 199);
			await page.locator('#audit-more').click();
			await page.waitForFunction((k) => document.querySelectorAll('#audit-list tbody tr').length > k, 200);
			shown = await seqs();
			assert.equal(shown.length, Math.min(n, 400));
			assert.equal(shown[shown.length - 1], Math.max(1, n - 399));
			if (n <= 400) assert.equal(await page.locator('#audit-more').isHidden(), true, 'the first entry reached');

			// an auditor opens a request: its dates and status, not the person's data nor the scan
			await page.goto(`${srv.url}/console/#/requests/${toExtend.id}`);
			await page.locator('#person-note').waitFor({ timeout: 15_000 });
			assert.equal(await page.locator('#person-note').innerText(), 'A person\'s data is shown to operators only.');
			assert.equal(await page.locator('#scan-role').innerText(), 'The scan is shown to operators only.');
			assert.equal(await page.locator('#main .error').count(), 0);
			assert.equal(await page.locator('button[data-action]').count(), 0, 'nothing to decide');
			assert.deepEqual(errors, []);
		} finally {
			await ctx.close();
		}
	});

	for (const lang of ['ru', 'en']) {
		for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
			it(`screenshots in ${lang} at ${name} width`, async () => {
				const { ctx, page, errors } = await signedIn(viewport, lang, 'auditor');
				try {
					const shots = [['audit', '#audit-list tbody tr'], ['destruction', '#main tbody tr'], ['notices', '#main tbody tr']];
					for (const [screen, ready] of shots) {
						await page.goto(`${srv.url}/console/#/${screen}`);
						await page.locator(ready).first().waitFor({ timeout: 15_000 });
						await page.screenshot({ path: path.join(ARTIFACTS, `console-${screen}-${lang}-${name}.png`), fullPage: name === 'desktop' });
						const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
						assert.ok(overflow <= 1, `${screen}: no horizontal scroll at ${viewport.width}px (${overflow}px over)`);
					}
					assert.deepEqual(errors, []);
				} finally {
					await ctx.close();
				}
			});
		}
	}
});

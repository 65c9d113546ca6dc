// SPDX-License-Identifier: AGPL-3.0-or-later
// The whole way of an erasure, as issue 11's test names it, in one browser (Debian's chromium, driven by
// playwright-core) against one privd: the person opens the portal by the app's link and files an erasure with a PNG
// scan; an operator signs in to the console, sees the request in the queue with its due date, opens it and its scan,
// accepts and executes it, each confirmed; the person's portal then stops working (the page says the session ended,
// a link made before the erasure opens nothing, and no new link is given). Screenshots of the portal, the queue, the
// request, the dashboard and the ended portal are kept in tests/browser/artifacts/ (journey-*.png).
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertJson, assertProblem, newPerson } from '../integration/lib/privd.mjs';
import { makePng } from '../integration/lib/documents.mjs';
import { portalLink } from '../integration/lib/portal.mjs';
import { privdSuite, newPage } from './lib/pages.mjs';
import { ARTIFACTS } from './lib/site.mjs';

describe('an erasure from the portal to the console and back, in chromium', { concurrency: 1 }, () => {
	const world = privdSuite();
	let srv, me, dir;

	before(async () => {
		({ srv } = world);
		me = await srv.registerOk(newPerson());
		dir = path.join(os.tmpdir(), `privd-journey-${process.pid}`);
		await mkdir(dir, { recursive: true });
		await writeFile(path.join(dir, 'signed-request.png'), makePng(640, 420));
	});
	after(async () => {
		if (dir) await rm(dir, { recursive: true, force: true });
	});

	/** A link from the app, on the test instance's own address (it has no [server] public_url). */
	async function link() {
		const l = assertJson(await portalLink(srv, me.id), 201);
		const u = new URL(l.url);
		return srv.url + u.pathname + u.search;
	}

	it('the person files an erasure with a PNG scan; the operator sees it due, opens the scan and executes it; the portal stops working', async () => {
		const person = await newPage(world, { lang: 'en' });
		const operator = await newPage(world, { lang: 'en' });
		try {
			// ---- the person, in the portal ----
			const p = person.page;
			await p.goto(await link());
			await p.locator('#file-form').waitFor({ timeout: 15_000 });
			await p.locator('#type').selectOption('erase');
			await p.locator('#doc').setInputFiles(path.join(dir, 'signed-request.png'));
			await p.waitForFunction(() => {
				const img = document.querySelector('[data-role=preview] img');
				return img !== null && img.complete && img.naturalWidth === 640;
			}, null, { timeout: 15_000 });
			await p.getByRole('button', { name: 'Send request' }).click();
			await p.getByText('Your request was received').waitFor({ timeout: 15_000 });
			const mine = p.locator('tr[data-request]').first();
			const id = await mine.getAttribute('data-request');
			assert.match(await mine.innerText(), /Delete my data[\s\S]*Received/);
			await p.screenshot({ path: path.join(ARTIFACTS, 'journey-portal-filed-en-desktop.png'), fullPage: true });
			// a second link, made now and opened only after the erasure
			const unopened = await link();

			const filed = assertJson(await srv.req('GET', `/v1/requests/${id}`, { as: 'operator' }), 200);
			assert.equal(filed.type, 'erase');
			assert.equal(filed.status, 'received');
			assert.equal(filed.document.type, 'image/png');
			assert.match(filed.due_date, /^\d{4}-\d{2}-\d{2}$/);

			// ---- the operator, in the console ----
			const o = operator.page;
			await o.goto(`${srv.url}/console/`);
			await o.locator('#key').fill(srv.keys.operator);
			await o.keyboard.press('Enter');
			const row = o.locator('tr', { has: o.locator(`a[href="#/requests/${id}"]`) });
			await row.waitFor({ timeout: 15_000 });
			const due = new Date(`${filed.due_date}T00:00:00`).toLocaleDateString('en-GB', { dateStyle: 'medium' });
			const rowText = await row.innerText();
			assert.match(rowText, /Erasure/);
			assert.ok(rowText.includes(due), `the due date ${due} is in the queue's row: ${rowText}`);
			assert.ok(rowText.includes(String(filed.working_days_left)), `the working days left are in the row: ${rowText}`);
			await o.screenshot({ path: path.join(ARTIFACTS, 'journey-console-queue-en-desktop.png'), fullPage: true });

			await row.locator('a').click();
			await o.waitForFunction(() => {
				const img = document.querySelector('img#scan');
				return img !== null && img.complete && img.naturalWidth === 640;
			}, null, { timeout: 15_000 });
			assert.equal(await o.locator('#due').innerText(), due);
			assert.match(await o.locator('.side').innerText(), new RegExp(me.email.split('@')[0]), 'the person\'s data beside the scan');
			await o.screenshot({ path: path.join(ARTIFACTS, 'journey-console-request-en-desktop.png'), fullPage: true });

			const dlg = o.locator('dialog#confirm[open]');
			await o.locator('button[data-action="accept"]').click();
			await dlg.waitFor();
			await o.locator('#confirm-ok').click();
			await o.locator('button[data-action="execute"]').click();
			await dlg.waitFor();
			await o.locator('#confirm-ok').click();
			await o.locator('h1 .badge', { hasText: 'Completed' }).waitFor({ timeout: 15_000 });
			assert.equal(assertJson(await srv.req('GET', `/v1/requests/${id}`, { as: 'operator' }), 200).status, 'completed');

			await o.locator('#nav a[href="#/dashboard"]').click();
			await o.locator('#chart-weekly svg').waitFor({ timeout: 15_000 });
			const thisWeek = await o.evaluate(() => [...document.querySelectorAll('#chart-weekly rect.s1')].pop().getAttribute('height'));
			assert.ok(Number(thisWeek) > 0, 'this week\'s completed bar holds the erasure');
			await o.screenshot({ path: path.join(ARTIFACTS, 'journey-console-dashboard-en-desktop.png'), fullPage: true });

			// ---- the person again: the portal no longer opens ----
			assert.deepEqual(person.errors, [], 'no script error and no CSP violation in the portal');
			await p.reload();
			await p.getByText('Your session has ended').waitFor({ timeout: 15_000 });
			assert.equal(await p.evaluate(async () => (await fetch('/v1/portal/session')).status), 401);
			await p.goto(unopened);
			await p.getByText('Your session has ended').waitFor({ timeout: 15_000 });
			assert.equal(await p.locator('#file-form').count(), 0, 'nothing to file with');
			assert.equal(await p.evaluate(async () => (await fetch('/v1/portal/session')).status), 401,
				'the link made before the erasure opens no session');
			await p.screenshot({ path: path.join(ARTIFACTS, 'journey-portal-ended-en-desktop.png'), fullPage: true });
			assertProblem(await portalLink(srv, me.id), 410, 'gone');

			assert.deepEqual(person.errors.filter((e) => !/status of 401/.test(e)), [], 'the ended portal: only its 401s');
			assert.deepEqual(operator.errors, [], 'no script error and no CSP violation in the console');
		} finally {
			await person.ctx.close();
			await operator.ctx.close();
		}
	});
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// Quick navigation in the console, in chromium: an operator who clicks on before a screen's data has arrived sees the
// screen they went to, not the one whose answer came late. The queue's answer is held back (playwright's route())
// while the operator goes on to the dashboard, the audit log and the incidents; when it is let go, the incidents
// stay on screen, with no error shown. The same for a screen drawn again by its own filters: a slow first answer
// does not replace the later one.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { newPerson } from '../integration/lib/privd.mjs';
import { attach, fileRequest } from '../integration/lib/requests.mjs';
import { privdSuite, signIn } from './lib/pages.mjs';

describe('the console under quick navigation, in chromium', { concurrency: 1 }, () => {
	const world = privdSuite();

	before(async () => {
		const { srv } = world;
		const me = await srv.registerOk(newPerson());
		const q = await fileRequest(srv, me.id, 'access');
		await attach(srv, q.id);
	});

	/** A page signed in with the admin's key (every screen readable), in English, on the queue; the requests the page
	 *  abandons are the test's. */
	const signedIn = () => signIn(world, { role: 'admin', expected: /ERR_ABORTED|aborted/i, drawn: ['#main tr[data-id]'] });

	/**
	 * Holds back the answers to GET requests whose URL matches re until release() is called. held() resolves once one
	 * was caught; settled() once every one caught has ended in the page (answered or abandoned by it).
	 */
	async function holdBack(page, re) {
		let release;
		const gate = new Promise((resolve) => { release = resolve; });
		let caught;
		const first = new Promise((resolve) => { caught = resolve; });
		const ends = [];
		await page.route(re, async (route) => {
			const req = route.request();
			ends.push(new Promise((resolve) => {
				const done = (r) => { if (r === req) resolve(); };
				page.on('requestfinished', done);
				page.on('requestfailed', done);
			}));
			caught();
			await gate;
			try { await route.continue(); } catch { /* the page gave up on it */ }
		});
		return { release, held: () => first, settled: () => Promise.all(ends) };
	}

	/** Lets the event loop and two frames pass: what a late answer would paint is painted by then. */
	const frames = (page) => page.evaluate(() => new Promise((r) => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(r)), 50)));

	it('queue → dashboard → audit → incidents before the queue\'s answer: the incidents stay on screen', async () => {
		const { ctx, page, errors } = await signedIn();
		try {
			await page.locator('#nav a[href="#/incidents"]').click();
			await page.locator('#main h1', { hasText: 'Incidents' }).waitFor({ timeout: 15_000 });
			const slow = await holdBack(page, /\/v1\/requests\?/);
			await page.locator('#nav a[href="#/queue"]').click();
			await slow.held();
			await page.locator('#nav a[href="#/dashboard"]').click();
			await page.locator('#nav a[href="#/audit"]').click();
			await page.locator('#verify').waitFor({ timeout: 15_000 });
			await page.locator('#nav a[href="#/incidents"]').click();
			await page.locator('#main h1', { hasText: 'Incidents' }).waitFor({ timeout: 15_000 });
			slow.release();
			await slow.settled();
			await frames(page);
			assert.equal(await page.locator('#main h1').first().innerText(), 'Incidents', 'the screen gone to is shown');
			assert.equal(await page.locator('#nav a[aria-current="page"]').getAttribute('href'), '#/incidents');
			assert.equal(await page.locator('#main tr[data-id], #main .tiles').count(), 0, 'nothing of the queue or the dashboard');
			assert.equal(await page.locator('#main .error').count(), 0, 'no error for what was abandoned');
			assert.deepEqual(errors, []);

			await page.unroute(/\/v1\/requests\?/);
			await page.locator('#nav a[href="#/queue"]').click();
			await page.locator('#main tr[data-id]').first().waitFor({ timeout: 15_000 });
		} finally {
			await ctx.close();
		}
	});

	it('a screen drawn again by its filters: the first, slower answer does not replace the later one', async () => {
		const { ctx, page, errors } = await signedIn();
		try {
			const all = /\/v1\/requests\?limit=1000$/;
			const slow = await holdBack(page, all);
			await page.locator('#f-status').selectOption('');
			await slow.held();
			await page.locator('#f-status').selectOption('rejected'); // ?status=rejected&limit=1000: not held
			await page.locator('#main .empty').waitFor({ timeout: 15_000 });
			slow.release();
			await slow.settled();
			await frames(page);
			assert.equal(await page.locator('#main .empty').count(), 1, 'the rejected requests (none) stay shown');
			assert.equal(await page.locator('#main tr[data-id]').count(), 0);
			assert.equal(await page.locator('#f-status').inputValue(), 'rejected');
			assert.deepEqual(errors, []);
		} finally {
			await ctx.close();
		}
	});
});

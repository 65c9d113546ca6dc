// SPDX-License-Identifier: AGPL-3.0-or-later
// The cookie banner in a real browser (Debian's chromium, driven by playwright-core), on a shop's page served from
// another origin with two tagged scripts: nothing non-essential before a choice; accept all, reject all and a choice
// per category, each recorded by privd and applied without a reload; Global Privacy Control keeping marketing off;
// the whole dialog operable from the keyboard with focus kept inside; a new policy version and a revocation made
// through the API seen on the next page; screenshots of the banner in Russian and English, desktop and phone, kept in
// tests/browser/artifacts/. SQLite only: the records themselves are tested on both engines in tests/integration.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertJson, newPerson } from '../integration/lib/privd.mjs';
import { ARTIFACTS, newContext, OPERATOR, openShop, settled, startWorld } from './lib/site.mjs';

const ALL = { necessary: true, preferences: true, analytics: true, marketing: true };
const NONE = { necessary: true, preferences: false, analytics: false, marketing: false };

describe('the cookie banner in chromium', { concurrency: 1 }, () => {
	let world;
	before(async () => { world = await startWorld(); });
	after(async () => { if (world) await world.close(); });

	const ran = (page) => page.evaluate(() => window.ran.slice().sort());
	const dialog = (page) => page.locator('[role="dialog"]');
	const action = (page, a) => page.locator(`[data-privd-action="${a}"]`);
	/* The visitor's record once it says cats (the banner posts without waiting): polled for up to 10 s. */
	const recorded = async (visitorId, cats) => {
		let last;
		for (let i = 0; i < 100; i++) {
			const r = await world.srv.req('GET', `/v1/cookie-consents/${visitorId}`);
			if (r.status === 200) {
				last = r.json;
				if (!cats || JSON.stringify(last.categories) === JSON.stringify(cats)) return last;
			}
			await new Promise((res) => setTimeout(res, 100));
		}
		assert.fail(`the record of ${visitorId} does not say ${JSON.stringify(cats)}: ${JSON.stringify(last)}`);
	};
	const cookieNames = (page) => page.evaluate(() => document.cookie.split(/;\s*/).filter(Boolean).map((c) => c.split('=')[0]).sort());
	const waitRan = (page, names) => page.waitForFunction((n) => n.every((x) => window.ran.includes(x)), names, { timeout: 10_000 });

	it('before a choice: the dialog asks, neither script runs and the page holds no cookie', async () => {
		const { ctx, page } = await openShop(world);
		try {
			const d = dialog(page);
			await d.waitFor();
			assert.equal(await d.getAttribute('aria-modal'), 'true');
			const labelledBy = await d.getAttribute('aria-labelledby');
			assert.match(await page.locator(`#${labelledBy}`).innerText(), /cookies/i, 'the dialog is labelled by its title');
			assert.ok(await d.getAttribute('aria-describedby'), 'and described by its text');
			assert.deepEqual(await ran(page), []);
			assert.deepEqual(await cookieNames(page), [], 'no cookie at all before a choice');
			assert.equal(await page.evaluate(() => window.privdConsent.get().policyVersion), null);
			// accept all, reject all and save: equally prominent
			const boxes = [];
			for (const a of ['accept-all', 'reject-all', 'save']) {
				const b = action(page, a);
				assert.ok(await b.isVisible(), `${a} is shown`);
				boxes.push({ a, box: await b.boundingBox(), bg: await b.evaluate((e) => getComputedStyle(e).backgroundColor),
					font: await b.evaluate((e) => `${getComputedStyle(e).fontSize} ${getComputedStyle(e).fontWeight}`) });
			}
			for (const b of boxes.slice(1)) {
				assert.ok(Math.abs(b.box.width - boxes[0].box.width) < 2 && Math.abs(b.box.height - boxes[0].box.height) < 2,
					`${b.a} is the size of accept-all`);
				assert.equal(b.bg, boxes[0].bg, `${b.a} has the colour of accept-all`);
				assert.equal(b.font, boxes[0].font, `${b.a} has the type of accept-all`);
			}
			assert.ok(await page.locator('#privd-cc-necessary').isDisabled(), 'necessary cannot be switched off');
			for (const c of ['preferences', 'analytics', 'marketing']) {
				assert.equal(await page.locator(`#privd-cc-${c}`).isChecked(), false, `${c} is not ticked in advance`);
			}
		} finally {
			await ctx.close();
		}
	});

	it('accept all runs both scripts without a reload, records the choice and keeps it on the next page', async () => {
		const { ctx, page } = await openShop(world);
		try {
			await action(page, 'accept-all').click();
			await waitRan(page, ['analytics', 'marketing']);
			assert.equal(await dialog(page).count(), 0, 'the dialog is gone');
			const got = await page.evaluate(() => window.privdConsent.get());
			assert.match(got.visitorId, /^[0-9a-f]{32}$/);
			assert.deepEqual(got.categories, ALL);
			assert.equal(got.policyVersion, '1');
			assert.equal(got.gpc, false);
			const events = await page.evaluate(() => window.events);
			assert.deepEqual(events.at(-1), got, 'privd:consent carries the choice');
			const gtag = await page.evaluate(() => window.gtagCalls);
			assert.deepEqual(gtag.at(-1).slice(0, 2), ['consent', 'update'], 'Consent Mode v2 is told');
			assert.equal(gtag.at(-1)[2].analytics_storage, 'granted');
			assert.equal(gtag.at(-1)[2].ad_user_data, 'granted');
			assert.ok((await cookieNames(page)).includes('privd_consent'));
			await recorded(got.visitorId, ALL);
			await page.goto(`${world.site.url}/other?lang=en`);
			await settled(page);
			assert.equal(await dialog(page).count(), 0, 'the next page does not ask again');
			await waitRan(page, ['analytics', 'marketing']);
		} finally {
			await ctx.close();
		}
	});

	it('reject all runs neither script, removes the rejected categories\' cookies, and the record says so', async () => {
		const ctx = await newContext(world);
		const host = new URL(world.site.url).hostname;
		await ctx.addCookies([{ name: '_ga', value: 'GA1.1.stale', domain: host, path: '/' },
			{ name: 'session', value: 'keep', domain: host, path: '/' }]);
		const { page } = await openShop(world, { context: ctx });
		try {
			await action(page, 'reject-all').click();
			await page.waitForFunction(() => window.events.length > 0);
			assert.deepEqual(await ran(page), []);
			const names = await cookieNames(page);
			assert.ok(!names.includes('_ga'), `analytics' cookie _ga is removed: ${names}`);
			assert.ok(names.includes('session') && names.includes('privd_consent'), `other cookies stay: ${names}`);
			const got = await page.evaluate(() => window.privdConsent.get());
			assert.deepEqual(got.categories, NONE);
			await recorded(got.visitorId, NONE); // the record says reject all
			await page.reload();
			await settled(page);
			assert.equal(await dialog(page).count(), 0);
			assert.deepEqual(await ran(page), []);
		} finally {
			await ctx.close();
		}
	});

	it('a choice per category runs only that category; the settings link reopens the banner to change it', async () => {
		const { ctx, page } = await openShop(world);
		try {
			await page.locator('label[for="privd-cc-analytics"]').click();
			await action(page, 'save').click();
			await waitRan(page, ['analytics']);
			assert.deepEqual(await ran(page), ['analytics']);
			const v = (await page.evaluate(() => window.privdConsent.get())).visitorId;
			await recorded(v, { ...NONE, analytics: true });
			await page.locator('#settings').click();
			await dialog(page).waitFor();
			assert.equal(await page.locator('#privd-cc-analytics').isChecked(), true, 'the banner shows the choice made');
			assert.equal(await page.locator('#privd-cc-marketing').isChecked(), false);
			await page.locator('#privd-cc-marketing').check();
			await action(page, 'save').click();
			await waitRan(page, ['analytics', 'marketing']);
			assert.deepEqual(await ran(page), ['analytics', 'marketing'], 'marketing starts without a reload, analytics only once');
			await recorded(v, { ...NONE, analytics: true, marketing: true });
			await page.evaluate(() => window.privdConsent.show());
			await dialog(page).waitFor();
		} finally {
			await ctx.close();
		}
	});

	it('with Global Privacy Control, accept all keeps marketing off; only its own toggle turns it on', async () => {
		const { ctx, page } = await openShop(world, { gpc: true });
		try {
			assert.match(await dialog(page).innerText(), /Global Privacy Control/);
			await action(page, 'accept-all').click();
			await waitRan(page, ['analytics']);
			await page.waitForTimeout(200);
			assert.deepEqual(await ran(page), ['analytics'], 'marketing does not run');
			const got = await page.evaluate(() => window.privdConsent.get());
			assert.deepEqual(got.categories, { ...ALL, marketing: false });
			assert.equal(got.gpc, true);
			const rec = await recorded(got.visitorId, { ...ALL, marketing: false });
			assert.equal(rec.gpc, true);
			assert.equal(rec.sec_gpc, true, 'the Sec-GPC header is recorded');
			await page.locator('#settings').click();
			await page.locator('#privd-cc-marketing').check();
			await action(page, 'save').click();
			await waitRan(page, ['marketing']);
			await recorded(got.visitorId, ALL);
		} finally {
			await ctx.close();
		}
	});

	it('keyboard only: Tab reaches every button and box, focus stays inside, Space and Enter choose, Esc closes', async () => {
		const { ctx, page } = await openShop(world);
		try {
			const where = () => page.evaluate(() => {
				const a = document.activeElement;
				return { inside: !!a.closest('#privd-cc'), id: a.id, action: a.getAttribute('data-privd-action'), tag: a.tagName };
			});
			const seen = [];
			for (let i = 0; i < 30; i++) {
				await page.keyboard.press('Tab');
				const w = await where();
				assert.ok(w.inside, `focus left the dialog at Tab ${i + 1}: ${JSON.stringify(w)}`);
				seen.push(w.action || w.id || w.tag);
			}
			for (const x of ['accept-all', 'reject-all', 'save', 'privd-cc-preferences', 'privd-cc-analytics', 'privd-cc-marketing']) {
				assert.ok(seen.includes(x), `Tab reaches ${x}: ${seen}`);
			}
			// Shift+Tab from the first goes round to the last
			await page.locator('#privd-cc-title').focus();
			await page.keyboard.press('Tab');
			await page.keyboard.press('Shift+Tab');
			await page.keyboard.press('Shift+Tab');
			assert.equal((await where()).inside, true);
			// choose with the keyboard: Space ticks analytics, Enter on save
			for (let i = 0; i < 40 && (await where()).id !== 'privd-cc-analytics'; i++) await page.keyboard.press('Tab');
			await page.keyboard.press('Space');
			for (let i = 0; i < 40 && (await where()).action !== 'save'; i++) await page.keyboard.press('Tab');
			await page.keyboard.press('Enter');
			await waitRan(page, ['analytics']);
			assert.deepEqual(await ran(page), ['analytics']);
			// the settings link opens it from the keyboard; Esc closes it and gives focus back
			await page.locator('#settings').focus();
			await page.keyboard.press('Enter');
			await dialog(page).waitFor();
			assert.equal((await where()).inside, true, 'focus moves into the dialog');
			await page.keyboard.press('Escape');
			assert.equal(await dialog(page).count(), 0);
			assert.equal((await where()).id, 'settings', 'focus returns to the link');
		} finally {
			await ctx.close();
		}
	});

	it('the banner speaks the page\'s language; screenshots in Russian and English, desktop and phone', async () => {
		const views = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
		for (const lang of ['ru', 'en']) {
			for (const [name, viewport] of Object.entries(views)) {
				const { ctx, page } = await openShop(world, { lang, viewport });
				try {
					await dialog(page).waitFor();
					const text = await dialog(page).innerText();
					if (lang === 'ru') assert.match(text, /Принять все[\s\S]*|Отклонить все/, 'Russian buttons');
					else assert.match(text, /Accept all/);
					assert.equal(await action(page, 'accept-all').isVisible(), true);
					const box = await action(page, 'accept-all').boundingBox();
					assert.ok(box.x >= 0 && box.x + box.width <= viewport.width, `accept-all fits the ${name} width`);
					await page.screenshot({ path: path.join(ARTIFACTS, `banner-${lang}-${name}.png`) });
				} finally {
					await ctx.close();
				}
			}
		}
		// the details of a category, opened
		const { ctx, page } = await openShop(world, { lang: 'ru' });
		try {
			await page.locator('#privd-cc-analytics').locator('xpath=ancestor::li').locator('summary').click();
			await page.screenshot({ path: path.join(ARTIFACTS, 'banner-ru-desktop-details.png') });
			assert.match(await dialog(page).innerText(), /Google Analytics/, 'the services of a category are named');
		} finally {
			await ctx.close();
		}
	});

	it('a revocation through the API is seen on the next page: the script no longer runs', async () => {
		const srv = world.srv;
		const { ctx, page } = await openShop(world);
		try {
			await action(page, 'accept-all').click();
			await waitRan(page, ['analytics', 'marketing']);
			const v = (await page.evaluate(() => window.privdConsent.get())).visitorId;
			await recorded(v, ALL);
			const subj = await srv.registerOk(newPerson({ visitor_id: v }));
			assertJson(await srv.req('POST', `/v1/subjects/${subj.id}/consents`, {
				as: 'app', json: { purpose: 'cookies.analytics', granted: false },
			}), 201);
			await page.reload();
			await settled(page);
			await waitRan(page, ['marketing']);
			assert.deepEqual(await ran(page), ['marketing'], 'analytics is revoked, marketing still granted');
			assert.equal((await page.evaluate(() => window.privdConsent.get())).categories.analytics, false);
			assert.match(await page.evaluate(() => document.cookie), /privd_consent=[^;]*\.101\./, 'the cookie follows');
		} finally {
			await ctx.close();
		}
	});

	it('/privacy: the policy to read, with headings, lists, the operator, its version and date, and the cookie settings', async () => {
		const views = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };
		for (const lang of ['ru', 'en']) {
			for (const [name, viewport] of Object.entries(views)) {
				const ctx = await newContext(world, { viewport });
				try {
					const page = await ctx.newPage();
					await page.goto(`${world.srv.url}/privacy?lang=${lang}`);
					assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
					assert.ok(await page.locator('h1').count() >= 1, 'a heading');
					assert.ok(await page.locator('main h2').count() >= 2, 'sections with headings');
					assert.ok(await page.locator('main li').count() >= 3, 'lists');
					const text = await page.locator('body').innerText();
					if (lang === 'ru') assert.ok(text.includes(OPERATOR), 'the operator\'s name is filled in');
					assert.match(text, /(Policy version|Версия политики) 1, (published|опубликована) \d{4}-\d{2}-\d{2}/);
					await page.waitForFunction(() => !!window.privdConsent);
					assert.equal(await dialog(page).count(), 0, 'the policy page does not ask by itself');
					await page.screenshot({ path: path.join(ARTIFACTS, `privacy-${lang}-${name}.png`), fullPage: name === 'phone' });
					await page.locator('[data-privd-open]').click();
					await dialog(page).waitFor();
					await action(page, 'reject-all').click();
					await page.waitForFunction(() => window.privdConsent.get().policyVersion !== null);
				} finally {
					await ctx.close();
				}
			}
		}
	});

	it('a new policy version asks again, and nothing runs until the visitor chooses', async () => {
		const { ctx, page } = await openShop(world);
		try {
			await action(page, 'accept-all').click();
			await waitRan(page, ['analytics', 'marketing']);
			await recorded((await page.evaluate(() => window.privdConsent.get())).visitorId, ALL);
			assertJson(await world.srv.req('POST', '/v1/policies', { as: 'admin', json: { version: '2', text: '# Policy 2\n\nNew.' } }), 201);
			await page.reload();
			await settled(page);
			await dialog(page).waitFor();
			assert.deepEqual(await ran(page), []);
			await action(page, 'accept-all').click();
			await waitRan(page, ['analytics', 'marketing']);
			assert.equal((await page.evaluate(() => window.privdConsent.get())).policyVersion, '2');
		} finally {
			await ctx.close();
		}
	});
});

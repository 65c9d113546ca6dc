// SPDX-License-Identifier: AGPL-3.0-or-later
// Incidents in the console, in chromium: an operator records one, the scope picked three ways with the count of the
// persons it would notify shown live before anything is sent (and an unknown id named by its place in the list);
// confirms; watches the notices go out (to a real SMTP server, the view refreshing itself until none is queued);
// records the initial report to the regulator against its 24-hour deadline, adds the presumed causes, and opens
// the draft. An auditor sees the
// list but no way to record. Screenshots of the form and of an incident in Russian and English, at 1280×800 and
// 390×844, in tests/browser/artifacts/.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertJson, newPerson } from '../integration/lib/privd.mjs';
import { deliveryEnv, startSmtp } from '../integration/lib/mail.mjs';
import { privdSuite, DESKTOP, PHONE, signIn } from './lib/pages.mjs';
import { ARTIFACTS } from './lib/site.mjs';

describe('incidents in the console, in chromium', { concurrency: 1 }, () => {
	let srv, smtp;
	const people = [];

	before(async () => {
		smtp = await startSmtp();
	});
	const world = privdSuite(() => ({ serve: { env: deliveryEnv({ smtp }) } }));
	before(async () => {
		({ srv } = world);
		for (const p of [newPerson(), newPerson(), newPerson({ residence_country: 'DE' })]) people.push(await srv.registerOk(p));
	});
	after(async () => {
		await smtp?.close();
	});

	/** The 422s the scope's count meets while its list holds an unknown id are the test's; anything else is an error. */
	const signedIn = (viewport, lang, key = 'operator') => signIn(world, { viewport, lang, role: key, expected: /status of 422/ });

	const countIs = (page, n) => page.locator('#affected-count', { hasText: new RegExp(`^${n}$`) }).waitFor({ timeout: 15_000 });

	it('records an incident with a live count, watches the notices go out, and records the 24-hour report', async () => {
		const { ctx, page, errors } = await signedIn(DESKTOP, 'en');
		try {
			await page.locator('#nav a[href="#/incidents"]').click();
			await page.locator('.empty', { hasText: 'No incidents recorded' }).waitFor();
			await page.locator('#inc-new').click();
			await page.locator('#inc-form').waitFor();
			await countIs(page, 3); // everyone, the default
			assert.match(await page.locator('#scope-count').innerText(), /1 residing in the EU/);

			await page.locator('label.choice', { hasText: 'A list of persons' }).click();
			await page.locator('#scope-ids').fill(`${people[0].id}\n${people[1].id}`);
			await countIs(page, 2);
			await page.locator('#scope-ids').fill(`${people[0].id}\n${people[1].id}\n${'0'.repeat(32)}`);
			await page.locator('#scope-count.error', { hasText: 'Item 3' }).waitFor({ timeout: 15_000 });
			await page.locator('#scope-ids').fill(`${people[0].id}, ${people[2].id}`);
			await countIs(page, 2);

			await page.locator('label.choice', { hasText: 'Who registered between' }).click();
			const today = new Date();
			const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
			await page.locator('#scope-from').fill(day);
			await page.locator('#scope-to').fill(day);
			await countIs(page, 3);
			await page.locator('label.choice', { hasText: 'A list of persons' }).click();
			await countIs(page, 2);

			await page.locator('#inc-submit').click();
			await page.locator('#inc-msg li', { hasText: 'Describe what happened' }).waitFor();
			assert.equal(assertJson(await srv.req('GET', '/v1/incidents', { as: 'auditor' }), 200).items.length, 0, 'nothing recorded yet');
			await page.locator('#inc-description').fill('A backup of the customer database was readable in a public bucket for three hours.');
			await page.locator('label.choice', { hasText: 'e-mail' }).click();
			await page.locator('label.choice', { hasText: /^name$/ }).click();
			await page.screenshot({ path: path.join(ARTIFACTS, 'console-incident-new-en-desktop.png'), fullPage: true });
			await page.locator('#inc-submit').click();
			await page.locator('dialog#confirm[open]').waitFor();
			assert.match(await page.locator('#confirm-text').innerText(), /notify 2 persons/);
			await page.locator('#confirm-ok').click();

			await page.waitForURL(/#\/incidents\/[0-9a-f]{32}$/);
			const id = page.url().split('/').pop();
			await page.locator('#inc-affected', { hasText: '2' }).waitFor();
			await page.locator('tr[data-state="sent"] td[data-channel="email"]', { hasText: /^2$/ }).waitFor({ timeout: 30_000 });
			assert.equal(await page.locator('tr[data-state="queued"] td[data-channel="email"]').innerText(), '0');
			assert.match(await page.locator('#progress').innerText(), /Every notice has been handled/);

			assert.match(await page.locator('#rep-initial-state').innerText(), /h \d+ min left/);
			await page.locator('#rep-initial-reference').fill('RKN-2026-0042');
			await page.locator('#rep-initial-submit').click();
			await page.locator('dialog#confirm[open]').waitFor();
			await page.locator('#confirm-ok').click();
			await page.locator('#rep-initial-state', { hasText: 'sent on time' }).waitFor({ timeout: 15_000 });
			assert.equal(await page.locator('#rep-initial-ref').innerText(), 'RKN-2026-0042');
			const x = assertJson(await srv.req('GET', `/v1/incidents/${id}`, { as: 'auditor' }), 200);
			assert.equal(x.affected, 2);
			assert.deepEqual(x.data_categories.sort(), ['email', 'name']);
			assert.equal(x.regulator.initial.reference, 'RKN-2026-0042');
			assert.equal(x.regulator.initial.met, true);
			assert.equal(x.regulator.followup.sent_at, null);

			await page.locator('#texts-edit').click();
			await page.locator('#edit-causes').fill('A storage bucket\'s access policy was changed by mistake.');
			await page.locator('#texts button[type=submit]').click();
			await page.locator('#texts dd', { hasText: 'changed by mistake' }).waitFor({ timeout: 15_000 });
			assert.match(assertJson(await srv.req('GET', `/v1/incidents/${id}`, { as: 'auditor' }), 200).causes, /changed by mistake/);

			await page.locator('#rep-followup details.draft summary').click();
			await page.locator('#draft-followup', { hasText: /RKN-2026-0042/ }).waitFor({ timeout: 15_000 });
			await page.screenshot({ path: path.join(ARTIFACTS, 'console-incident-en-desktop.png'), fullPage: true });

			await page.locator('#nav a[href="#/incidents"]').click();
			await page.locator(`tr[data-id="${id}"]`, { hasText: 'sent on time' }).waitFor();
			assert.deepEqual(errors, [], 'no script error and no CSP violation');
		} finally {
			await ctx.close();
		}
	});

	it('an auditor sees the incidents, with no way to record one or a report', async () => {
		const { ctx, page } = await signedIn(DESKTOP, 'en', 'auditor');
		try {
			await page.goto(`${srv.url}/console/#/incidents`);
			await page.locator('tr[data-id]').first().waitFor();
			assert.equal(await page.locator('#inc-new').count(), 0);
			await page.locator('tr[data-id] a').first().click();
			await page.locator('#progress').waitFor();
			assert.equal(await page.locator('#rep-followup-submit').count(), 0);
			assert.equal(await page.locator('#texts-edit').count(), 0);
		} finally {
			await ctx.close();
		}
	});

	for (const lang of ['ru', 'en']) {
		for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
			it(`screenshots in ${lang} at ${name} width`, async () => {
				const { ctx, page } = await signedIn(viewport, lang);
				try {
					await page.goto(`${srv.url}/console/#/incidents/new`);
					await page.locator('#inc-form').waitFor();
					await page.locator('#scope-kind-registered').check();
					await page.locator('#scope-from').fill('2020-01-01');
					await page.locator('#scope-to').fill('2030-12-31');
					await countIs(page, 3);
					await page.screenshot({ path: path.join(ARTIFACTS, `console-incident-new-${lang}-${name}.png`), fullPage: true });
					let overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
					assert.ok(overflow <= 1, `no horizontal scroll on the form at ${viewport.width}px (${overflow}px over)`);
					await page.goto(`${srv.url}/console/#/incidents`);
					await page.locator('tr[data-id] a').first().waitFor();
					await page.screenshot({ path: path.join(ARTIFACTS, `console-incidents-${lang}-${name}.png`), fullPage: true });
					await page.locator('tr[data-id] a').first().click();
					await page.locator('#progress').waitFor();
					await page.screenshot({ path: path.join(ARTIFACTS, `console-incident-${lang}-${name}.png`), fullPage: true });
					overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
					assert.ok(overflow <= 1, `no horizontal scroll on an incident at ${viewport.width}px (${overflow}px over)`);
				} finally {
					await ctx.close();
				}
			});
		}
	}
});

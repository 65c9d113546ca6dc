// SPDX-License-Identifier: AGPL-3.0-or-later
// Recipients and transfers in the console, in chromium: the registered third parties (a cross-border one marked so,
// with the day transfers may start), one recipient with every version it has had; every transfer, filtered by
// recipient and legal basis, a row opening its transfer; a person's disclosure log, reached from their request or by
// pasting their id, listing a delivery to a real recipient on loopback and a refusal with its reason; one transfer
// with its counts and deliveries. Screenshots in Russian and English at 1280×800 and 390×844 in
// tests/browser/artifacts/.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertJson, newPerson } from '../integration/lib/privd.mjs';
import { startRecipient } from '../integration/lib/recipient.mjs';
import { attach, fileRequest, poll } from '../integration/lib/requests.mjs';
import { privdSuite, DESKTOP, PHONE, signIn } from './lib/pages.mjs';
import { ARTIFACTS } from './lib/site.mjs';

describe('recipients and the transfer log in the console, in chromium', { concurrency: 1 }, () => {
	const world = privdSuite();
	let srv, rec, local, abroad, transfer, second, yes, no, request;

	before(async () => {
		({ srv } = world);
		rec = await startRecipient();
		const consent = (v) => ({ consents: { processing: true, third_party_transfer: v, cookies: [] } });
		yes = await srv.registerOk(newPerson(consent(true)));
		no = await srv.registerOk(newPerson(consent(false)));
		request = await fileRequest(srv, yes.id, 'transfer_info');
		await attach(srv, request.id);
		const base = { endpoint: rec.url, public_key: rec.publicKey };
		local = assertJson(await srv.req('POST', '/v1/recipients', { as: 'admin', json: { ...base, name: 'ООО «Доставка»',
			purpose: 'Доставка заказов покупателям', country: 'RU', confidentiality_ref: 'NDA-2026/17 от 01.02.2026',
			fields_allowed: ['name', 'email', 'phone'] } }), 201);
		assertJson(await srv.req('PATCH', `/v1/recipients/${local.id}`, { as: 'admin', json: { fields_allowed: ['name', 'phone'] } }), 200);
		abroad = assertJson(await srv.req('POST', '/v1/recipients', { as: 'admin', json: { ...base, name: 'Parcel GmbH',
			purpose: 'Cross-border delivery', country: 'DE', confidentiality_ref: 'DPA-7', fields_allowed: ['name'],
			cross_border_notice_ref: 'RKN-TB-1', cross_border_notice_filed_on: '2026-11-02', adequate_protection: true } }), 201);
		transfer = assertJson(await srv.req('POST', '/v1/transfers', { as: 'operator', json: { recipient_id: local.id,
			subject_ids: [yes.id, no.id], fields: ['name', 'email', 'phone'], legal_basis: 'consent' } }), 201);
		second = assertJson(await srv.req('POST', '/v1/transfers', { as: 'operator', json: { recipient_id: abroad.id,
			subject_ids: [yes.id], fields: ['name'], legal_basis: 'law', reference: '152-FZ Art. 6 p.1(2)' } }), 201);
		for (const x of [transfer, second]) {
			await poll(async () => assertJson(await srv.req('GET', `/v1/transfers/${x.id}`, { as: 'auditor' }), 200).status === 'completed',
				{ ms: 30_000 });
		}
	});
	after(async () => {
		await rec?.close();
	});

	const signedIn = (viewport, lang) => signIn(world, { viewport, lang });

	it('lists the recipients, the cross-border one marked; a recipient shows every version', async () => {
		const { ctx, page, errors } = await signedIn(DESKTOP, 'en');
		try {
			await page.locator('#nav a[href="#/recipients"]').click();
			const rowAbroad = page.locator(`tr[data-id="${abroad.id}"]`);
			await rowAbroad.waitFor();
			assert.match(await rowAbroad.innerText(), /DE\s+cross-border/);
			assert.match(await rowAbroad.innerText(), /2 Nov 2026/, 'transfers may start on the filing day (adequate protection)');
			const rowLocal = page.locator(`tr[data-id="${local.id}"]`);
			assert.match(await rowLocal.innerText(), /name, phone/);
			assert.match(await rowLocal.innerText(), /active/);
			await rowLocal.locator('a').click();
			await page.locator('h2', { hasText: 'As it stands (version 2)' }).waitFor();
			assert.match(await page.locator('main').innerText(), /NDA-2026\/17/);
			assert.equal(await page.locator('.table-wrap tbody tr').count(), 2, 'both versions');
			assert.match(await page.locator('.table-wrap tbody tr').last().innerText(), /name, e-mail, phone/);
			assert.deepEqual(errors, []);
		} finally {
			await ctx.close();
		}
	});

	it('every transfer: the operator sees them newest first, filters by recipient and basis, and a row opens one', async () => {
		const { ctx, page, errors } = await signedIn(DESKTOP, 'en');
		try {
			await page.locator('#nav a[href="#/transfers"]').click();
			const row = page.locator(`#tf-list tr[data-id="${transfer.id}"]`);
			await row.waitFor();
			assert.deepEqual(await page.locator('#tf-list tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.id)),
				[second.id, transfer.id], 'newest first');
			const text = await row.innerText();
			assert.match(text, /ООО «Доставка»/);
			assert.match(text, /consent/);
			assert.match(text, /\b2\b/, 'two people asked for');
			assert.match(text, /1 \/ 0 \/ 0/, 'delivered / waiting / failed');
			assert.match(text, /completed/);
			assert.match(await page.locator('#tf-shown').innerText(), /2 shown: all of them/);

			await page.locator('#tf-recipient').selectOption(abroad.id);
			// the filtered list is a redraw: the old rows go, then the new ones come
			await page.waitForFunction((want) => [...document.querySelectorAll('#tf-list tbody tr')]
				.map((tr) => tr.dataset.id).join() === want, second.id);
			assert.deepEqual(await page.locator('#tf-list tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.id)), [second.id]);
			assert.match(await page.locator(`#tf-list tr[data-id="${second.id}"]`).innerText(), /Parcel GmbH[\s\S]*required by law/);
			await page.locator('#tf-basis').selectOption('consent');
			await page.locator('.empty', { hasText: 'No transfer matches these filters' }).waitFor();
			await page.locator('#tf-clear').click();
			await row.waitFor();
			assert.equal(await page.locator('#tf-recipient').inputValue(), '');

			await row.locator('td').nth(1).click();
			await page.locator('#tf-counts').waitFor();
			assert.equal(page.url().split('#')[1], `/transfers/${transfer.id}`);
			const n = async (k) => page.locator(`#tf-counts [data-count="${k}"]`).innerText();
			assert.deepEqual([await n('delivered'), await n('failed'), await n('pending')], ['1', '0', '0']);
			assert.match(await page.locator('main').innerText(), /ООО «Доставка» \(v2\)/, 'the recipient as it was');
			await page.locator('.crumbs a').click();
			await row.waitFor();
			assert.deepEqual(errors, [], 'no script error and no CSP violation');
		} finally {
			await ctx.close();
		}
	});

	it('a person\'s disclosure log, from their request or by id: a delivery, a refusal with its reason; one transfer', async () => {
		const { ctx, page, errors } = await signedIn(DESKTOP, 'en');
		try {
			await page.goto(`${srv.url}/console/#/requests/${request.id}`);
			await page.locator('#disclosures').click();
			await page.locator('tr[data-id]').first().waitFor();
			const log = await page.locator('.table-wrap').innerText();
			assert.match(log, /ООО «Доставка»/);
			assert.match(log, /delivered/);
			assert.match(log, /queued/);
			assert.match(log, /consent/);

			await page.locator('#nav a[href="#/transfers"]').click();
			await page.locator('#tfl-person').click();
			await page.locator('#tl-subject').fill('not an id');
			await page.keyboard.press('Enter');
			await page.locator('p.error:not([hidden])', { hasText: '32 characters' }).waitFor();
			await page.locator('#tl-subject').fill(no.id);
			await page.keyboard.press('Enter');
			await page.locator('.table-wrap', { hasText: 'refused' }).waitFor();
			assert.match(await page.locator('.table-wrap').innerText(), /no consent to transfer/);

			await page.locator(`a[href="#/transfers/${transfer.id}"]`).first().click();
			await page.locator('#tf-counts').waitFor();
			const n = async (k) => page.locator(`#tf-counts [data-count="${k}"]`).innerText();
			assert.deepEqual([await n('requested'), await n('accepted'), await n('refused'), await n('delivered')], ['2', '1', '1', '1']);
			assert.match(await page.locator('#tf-status').innerText(), /completed/);
			assert.match(await page.locator('main').innerText(), /Data\s+name, phone/);
			assert.deepEqual(errors, [], 'no script error and no CSP violation');
		} finally {
			await ctx.close();
		}
	});

	for (const lang of ['ru', 'en']) {
		for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
			it(`screenshots in ${lang} at ${name} width`, async () => {
				const { ctx, page } = await signedIn(viewport, lang);
				try {
					const shots = [['recipients', '#/recipients', `tr[data-id="${local.id}"]`],
						['transfers', '#/transfers', `tr[data-id="${transfer.id}"]`],
						['transfer-log', `#/transfers/subject/${yes.id}`, 'tr[data-id]'],
						['transfer', `#/transfers/${transfer.id}`, '#tf-counts']];
					for (const [file, hash, ready] of shots) {
						await page.goto(`${srv.url}/console/${hash}`);
						await page.locator(ready).first().waitFor();
						await page.screenshot({ path: path.join(ARTIFACTS, `console-${file}-${lang}-${name}.png`), fullPage: true });
						const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
						assert.ok(overflow <= 1, `no horizontal scroll on ${hash} at ${viewport.width}px (${overflow}px over)`);
					}
				} finally {
					await ctx.close();
				}
			});
		}
	}
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// privd's own pages in chromium, for the console's and the portal's suites: one privd on SQLite and one browser for a
// describe(), and pages that report their script errors, CSP violations and requests to other origins, the console's
// signed in with a role's key. A suite keeps what is its own (the data it files, another role, another viewport, the
// console errors it expects) as parameters.
import { mkdir } from 'node:fs/promises';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { removeInstance, startPrivd } from '../../integration/lib/privd.mjs';
import { ARGS, ARTIFACTS, CHROMIUM } from './site.mjs';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** What a signed-in console has drawn first: the navigation, then a list or its "nothing here". */
const DRAWN = ['#nav:not([hidden])', '#main .empty, #main .table-wrap'];

/**
 * Registers the enclosing describe()'s hooks: before, a privd on SQLite (startPrivd's options, or a function
 * returning them, called in the hook so that it can use what an earlier before() started) and chromium; after,
 * both stopped and the instance removed. Returns the world, whose srv and browser are set once the hook has run.
 */
export function privdSuite(options = {}) {
	const world = { srv: null, browser: null };
	before(async () => {
		world.srv = await startPrivd('sqlite', typeof options === 'function' ? options() : options);
		world.browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
		await mkdir(ARTIFACTS, { recursive: true });
	});
	after(async () => {
		if (world.browser) await world.browser.close();
		if (world.srv) {
			await world.srv.stop();
			await removeInstance(world.srv.inst);
		}
	});
	return world;
}

/**
 * A page in a fresh context at viewport, its privd pages in lang unless they chose another. errors collects script
 * errors and console errors (CSP violations among them) but those matching expected; elsewhere, every request
 * that is not to privd (nor a blob: or data: URL). Resolves to { ctx, page, errors, elsewhere }; close ctx.
 */
export async function newPage(world, { viewport = DESKTOP, lang = 'en', expected = null } = {}) {
	const { srv, browser } = world;
	const ctx = await browser.newContext({ viewport });
	await ctx.addInitScript((l) => { if (!localStorage.getItem('privd.lang')) localStorage.setItem('privd.lang', l); }, lang);
	const page = await ctx.newPage();
	const errors = [];
	const elsewhere = [];
	page.on('pageerror', (e) => errors.push(String(e)));
	page.on('console', (m) => { if (m.type() === 'error' && !(expected && expected.test(m.text()))) errors.push(m.text()); });
	page.on('request', (r) => { if (!r.url().startsWith(srv.url) && !/^(blob|data):/.test(r.url())) elsewhere.push(r.url()); });
	return { ctx, page, errors, elsewhere };
}

/**
 * newPage, then the console signed in with role's key (srv.keys[role]); resolves once every selector of drawn is
 * on the page (by default the navigation and the first screen's list).
 */
export async function signIn(world, { role = 'operator', drawn = DRAWN, ...pageOptions } = {}) {
	const p = await newPage(world, pageOptions);
	await p.page.goto(`${world.srv.url}/console/`);
	await p.page.locator('#key').fill(world.srv.keys[role]);
	await p.page.keyboard.press('Enter');
	for (const selector of drawn) await p.page.locator(selector).first().waitFor({ timeout: 15_000 });
	return p;
}

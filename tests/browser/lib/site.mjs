// SPDX-License-Identifier: AGPL-3.0-or-later
// The browser suites' world: a privd on SQLite, a shop's test page served on another loopback port (so the banner
// talks to privd across origins, as on a real site) with two tagged scripts, and Debian's chromium driven by
// playwright-core. Traffic stays on 127.0.0.1.
import http from 'node:http';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { removeInstance, ROOT, startPrivd } from '../../integration/lib/privd.mjs';

export const ARTIFACTS = path.join(ROOT, 'tests/browser/artifacts');
export const CHROMIUM = process.env.PRIVD_CHROMIUM || '/usr/bin/chromium';
export const OPERATOR = 'ООО «Чайный дом»';
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** The shop's page: lang from ?lang=, the banner from privd, an analytics script inline and a marketing one by src,
 *  both held as text/plain until their category is accepted, and a "cookie settings" link. */
function page(privdUrl, lang, { gtag = true } = {}) {
	return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${lang === 'ru' ? 'Магазин' : 'Shop'}</title>
<script>window.ran = []; window.events = [];
document.addEventListener('privd:consent', function (e) { window.events.push(e.detail); });
${gtag ? "window.gtagCalls = []; window.gtag = function () { window.gtagCalls.push(Array.prototype.slice.call(arguments)); };" : ''}
</script>
<script src="${privdUrl}/consent.js" data-privd="${privdUrl}" defer></script>
<style>body{font-family:system-ui,sans-serif;margin:0;padding:2rem;background:#f4f1ea}main{max-width:50rem;margin:auto}
.card{background:#fff;border-radius:8px;padding:1rem 1.5rem;margin:1rem 0}</style>
</head>
<body>
<main>
<h1>${lang === 'ru' ? 'Магазин чая' : 'The tea shop'}</h1>
<div class="card"><p>${lang === 'ru' ? 'Зелёный, чёрный и белый чай с доставкой.' : 'Green, black and white tea, delivered.'}</p>
<button id="buy">${lang === 'ru' ? 'Купить' : 'Buy'}</button></div>
<div class="card"><p>Lorem ipsum dolor sit amet, consectetur adipiscing elit. Sed do eiusmod tempor incididunt ut labore.</p></div>
<footer><a href="#" id="settings" data-privd-open>${lang === 'ru' ? 'Настройки cookie' : 'Cookie settings'}</a></footer>
</main>
<script type="text/plain" data-category="analytics">window.ran.push('analytics'); document.cookie = '_ga=GA1.1.42; path=/';</script>
<script type="text/plain" data-category="marketing" src="/marketing.js"></script>
</body>
</html>`;
}

const MARKETING = "window.ran.push('marketing'); document.cookie = '_gcl_au=1.1.42; path=/';";

/** Serves the shop on a free loopback port; the page loads the banner from holder.privdUrl (set once privd runs).
 *  Resolves to { url, close }. */
function startSite(holder) {
	const server = http.createServer((req, res) => {
		const u = new URL(req.url, 'http://127.0.0.1');
		if (u.pathname === '/marketing.js') {
			res.writeHead(200, { 'content-type': 'text/javascript' });
			res.end(MARKETING);
			return;
		}
		if (u.pathname === '/' || u.pathname === '/other') {
			res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
			res.end(page(holder.privdUrl, u.searchParams.get('lang') === 'ru' ? 'ru' : 'en',
				{ gtag: u.searchParams.get('gtag') !== '0' }));
			return;
		}
		res.writeHead(404);
		res.end();
	});
	return new Promise((resolve, reject) => {
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			resolve({
				url: `http://127.0.0.1:${server.address().port}`,
				close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
			});
		});
	});
}

/** The shop, a privd whose [cookies] origins is the shop's, and a browser. Call close() when done. */
export async function startWorld() {
	const holder = { privdUrl: '' };
	const site = await startSite(holder);
	let srv, browser;
	try {
		srv = await startPrivd('sqlite', {
			operatorName: OPERATOR,
			serve: { env: { PRIVD_COOKIES_ORIGINS: site.url, PRIVD_COOKIES_RATE_LIMIT: '0' } },
		});
		holder.privdUrl = srv.url;
		browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
		await mkdir(ARTIFACTS, { recursive: true });
	} catch (e) {
		await site.close();
		if (srv) {
			await srv.stop();
			await removeInstance(srv.inst);
		}
		throw e;
	}
	return {
		srv, site, browser,
		async close() {
			await browser.close();
			await site.close();
			await srv.stop();
			await removeInstance(srv.inst);
		},
	};
}

/** Opens the shop's page in a fresh context (no cookies) and waits for the banner to have decided what to do:
 *  the dialog shown, or a choice applied (the privd:consent event). */
export async function openShop(world, { lang = 'en', context = null, gpc = false, viewport, path: p = '/' } = {}) {
	const ctx = context || await newContext(world, { gpc, viewport });
	const page = await ctx.newPage();
	await page.goto(`${world.site.url}${p}?lang=${lang}`);
	await settled(page);
	return { ctx, page };
}

/** A browser context; with gpc, the browser signals Global Privacy Control (navigator and Sec-GPC). */
export async function newContext(world, { gpc = false, viewport } = {}) {
	const ctx = await world.browser.newContext({
		viewport: viewport || { width: 1280, height: 800 },
		extraHTTPHeaders: gpc ? { 'Sec-GPC': '1' } : {},
	});
	if (gpc) {
		await ctx.addInitScript(() => {
			Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });
		});
	}
	return ctx;
}

/** Waits until the banner's dialog is shown or a choice was applied. */
export async function settled(page) {
	await page.waitForFunction(() => document.querySelector('[role="dialog"]') !== null || (window.events && window.events.length > 0),
		null, { timeout: 15_000 });
}

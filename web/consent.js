/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * consent.js - privd's cookie banner. One tag on a site:
 *   <script src="https://privd.example/consent.js" data-privd="https://privd.example" defer></script>
 * and every non-essential script marked <script type="text/plain" data-category="analytics" src="...">.
 *
 * Until the visitor chooses, nothing but necessary cookies is set and no marked script runs. The choice is kept in
 * a first-party cookie (privd_consent: the visitor's random id, the categories, the policy version, GPC) and
 * recorded by privd (POST /v1/cookie-consents); on every page privd is asked for it again, so a revocation made
 * elsewhere is applied, and a new policy version asks again. Accepted categories' scripts start without a reload;
 * a rejected category's cookies named in the configuration are removed. Global Privacy Control keeps marketing off
 * under "accept all". No framework, no dependency: docs/website.md describes the API, the events and the styling.
 */
(function () {
	'use strict';
	if (window.privdConsent) return;

	var CATS = ['necessary', 'preferences', 'analytics', 'marketing'];
	var COOKIE = 'privd_consent';
	var MAX_AGE = 180 * 24 * 3600; /* ask again after six months */
	var T = {
		ru: {
			title: 'Мы используем файлы cookie',
			intro: 'Необходимые cookie нужны для работы сайта. Остальные — для настроек, аналитики и маркетинга — мы используем, только если вы это разрешите. Изменить выбор можно в любой момент по ссылке «Настройки cookie».',
			policy: 'Политика конфиденциальности',
			accept: 'Принять все',
			reject: 'Отклонить все',
			save: 'Сохранить выбор',
			always: 'всегда включены',
			services: 'Сервисы',
			details: 'Подробнее',
			gpc: 'Ваш браузер передаёт сигнал Global Privacy Control: маркетинговые cookie останутся выключены, если вы не включите их сами.',
			names: ['Необходимые', 'Настройки', 'Аналитика', 'Маркетинг']
		},
		en: {
			title: 'We use cookies',
			intro: 'Necessary cookies make the site work. The others — for preferences, analytics and marketing — we use only if you allow them. You can change your choice at any time with the “Cookie settings” link.',
			policy: 'Privacy policy',
			accept: 'Accept all',
			reject: 'Reject all',
			save: 'Save my choice',
			always: 'always on',
			services: 'Services',
			details: 'Details',
			gpc: 'Your browser sends Global Privacy Control: marketing cookies stay off unless you switch them on yourself.',
			names: ['Necessary', 'Preferences', 'Analytics', 'Marketing']
		}
	};

	var me = document.currentScript || document.querySelector('script[data-privd]');
	var base = ((me && me.getAttribute('data-privd')) || (me && me.src ? new URL(me.src, location.href).origin : ''))
		.replace(/\/+$/, '');
	var langAttr = (me && me.getAttribute('data-lang')) || document.documentElement.lang || navigator.language || 'en';
	var lang = /^ru\b/i.test(langAttr) ? 'ru' : 'en';
	var t = T[lang];
	var policyUrl = (me && me.getAttribute('data-policy-url')) || base + '/privacy?lang=' + lang;
	var gpc = navigator.globalPrivacyControl === true;
	var manual = !!(me && me.hasAttribute('data-manual')); /* opened only by data-privd-open or show() */

	var config = null;
	var state = { visitorId: null, categories: null, policyVersion: null, gpc: gpc };
	var root = null, lastFocus = null;

	/* ---- the first-party cookie ---- */

	function readCookie() {
		var m = document.cookie.match(/(?:^|;\s*)privd_consent=([^;]*)/);
		if (!m) return null;
		var p = decodeURIComponent(m[1]).split('.');
		if (p[0] !== '1' || !/^[0-9a-f]{32}$/.test(p[1]) || !/^[01]{3}$/.test(p[2])) return null;
		return {
			visitorId: p[1],
			categories: cats(p[2].charAt(0) === '1', p[2].charAt(1) === '1', p[2].charAt(2) === '1'),
			gpc: p[3] === '1',
			policyVersion: p.slice(4).join('.') || null
		};
	}

	function writeCookie() {
		var c = state.categories;
		var v = ['1', state.visitorId, (c.preferences ? 1 : 0) + '' + (c.analytics ? 1 : 0) + (c.marketing ? 1 : 0),
			state.gpc ? 1 : 0, state.policyVersion || ''].join('.');
		document.cookie = COOKIE + '=' + encodeURIComponent(v) + '; Path=/; Max-Age=' + MAX_AGE + '; SameSite=Lax' +
			(location.protocol === 'https:' ? '; Secure' : '');
	}

	function cats(p, a, m) {
		return { necessary: true, preferences: !!p, analytics: !!a, marketing: !!m };
	}

	function newId() {
		var b = new Uint8Array(16), s = '';
		crypto.getRandomValues(b);
		for (var i = 0; i < 16; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
		return s;
	}

	/* ---- talking to privd ---- */

	function api(path, opts) {
		opts = opts || {};
		opts.credentials = 'omit';
		opts.mode = 'cors';
		return fetch(base + path, opts).then(function (r) {
			return r.ok ? r.json() : Promise.reject(r.status);
		});
	}

	function record() {
		return api('/v1/cookie-consents', {
			method: 'POST',
			keepalive: true,
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({
				visitor_id: state.visitorId,
				categories: state.categories,
				policy_version: state.policyVersion,
				gpc: state.gpc
			})
		}).catch(function () { /* the cookie holds the choice; it is recorded again on the next change */ });
	}

	/* ---- applying a choice ---- */

	function activateScripts() {
		var list = document.querySelectorAll('script[type="text/plain"][data-category]');
		for (var i = 0; i < list.length; i++) {
			var old = list[i], cat = old.getAttribute('data-category');
			if (!state.categories[cat] || old.hasAttribute('data-privd-activated')) continue;
			var s = document.createElement('script');
			for (var j = 0; j < old.attributes.length; j++) {
				var a = old.attributes[j];
				if (a.name !== 'type' && a.name !== 'data-type') s.setAttribute(a.name, a.value);
			}
			if (old.getAttribute('data-type')) s.type = old.getAttribute('data-type');
			s.async = false; /* in document order, like the scripts they stand for */
			if (!old.src) s.text = old.text;
			old.setAttribute('data-privd-activated', '');
			old.parentNode.insertBefore(s, old.nextSibling);
		}
	}

	/* Expires every cookie of a rejected category's names, on this host and the domains above it. */
	function removeCookies() {
		if (!config) return;
		var names = document.cookie.split(/;\s*/).map(function (c) { return c.split('=')[0]; });
		var host = location.hostname.split('.'), domains = [''];
		for (var i = 0; i < host.length - 1; i++) domains.push('; Domain=.' + host.slice(i).join('.'));
		CATS.forEach(function (cat) {
			if (cat === 'necessary' || state.categories[cat]) return;
			var pats = (config.categories[cat] && config.categories[cat].cookies) || [];
			names.forEach(function (n) {
				if (!n || n === COOKIE || !pats.some(function (p) {
					return p.slice(-1) === '*' ? n.indexOf(p.slice(0, -1)) === 0 : n === p;
				})) return;
				domains.forEach(function (d) {
					document.cookie = n + '=; Path=/; Max-Age=0' + d;
				});
			});
		});
	}

	function consentMode() {
		if (typeof window.gtag !== 'function') return;
		var c = state.categories, g = function (on) { return on ? 'granted' : 'denied'; };
		window.gtag('consent', 'update', {
			ad_storage: g(c.marketing),
			ad_user_data: g(c.marketing),
			ad_personalization: g(c.marketing),
			analytics_storage: g(c.analytics),
			functionality_storage: g(c.preferences),
			personalization_storage: g(c.preferences),
			security_storage: 'granted'
		});
	}

	function apply() {
		removeCookies();
		consentMode();
		activateScripts();
		document.dispatchEvent(new CustomEvent('privd:consent', { bubbles: true, detail: get() }));
	}

	function choose(c) {
		state.categories = c;
		state.policyVersion = config ? config.policy_version : null;
		state.gpc = gpc;
		writeCookie();
		record();
		close();
		apply();
	}

	/* ---- the dialog ---- */

	function el(tag, attrs, text) {
		var e = document.createElement(tag);
		for (var k in attrs) e.setAttribute(k, attrs[k]);
		if (text) e.textContent = text;
		return e;
	}

	function style() {
		if (document.getElementById('privd-cc-style')) return;
		var s = el('style', { id: 'privd-cc-style' });
		s.textContent =
			'.privd-cc{--privd-cc-bg:#fff;--privd-cc-fg:#1b1b1b;--privd-cc-muted:#555;--privd-cc-accent:#1f5fbf;' +
			'--privd-cc-accent-fg:#fff;--privd-cc-radius:10px;--privd-cc-font:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;' +
			'position:fixed;inset:0;z-index:2147483000;display:flex;align-items:flex-end;justify-content:center;' +
			'background:rgba(0,0,0,.35);font:15px/1.5 var(--privd-cc-font);color:var(--privd-cc-fg)}' +
			'.privd-cc *{box-sizing:border-box}' +
			'.privd-cc__dialog{background:var(--privd-cc-bg);width:100%;max-width:44rem;max-height:92vh;overflow:auto;' +
			'margin:0 auto;padding:1.25rem 1.25rem 1rem;border-radius:var(--privd-cc-radius) var(--privd-cc-radius) 0 0;' +
			'box-shadow:0 -4px 24px rgba(0,0,0,.2)}' +
			'@media (min-width:48rem){.privd-cc{align-items:center}.privd-cc__dialog{border-radius:var(--privd-cc-radius)}}' +
			'.privd-cc__title{font-size:1.2rem;font-weight:650;margin:0 0 .5rem}' +
			'.privd-cc .privd-cc__title:focus,.privd-cc .privd-cc__title:focus-visible{outline:none}' +
			'.privd-cc p{margin:0 0 .75rem}.privd-cc a{color:var(--privd-cc-accent)}' +
			'.privd-cc__gpc{font-size:.9rem;color:var(--privd-cc-muted)}' +
			'.privd-cc__cats{list-style:none;margin:0 0 1rem;padding:0;border-top:1px solid #ddd}' +
			'.privd-cc__cat{padding:.6rem 0;border-bottom:1px solid #ddd}' +
			'.privd-cc__cat label{display:flex;gap:.6rem;align-items:center;font-weight:600;cursor:pointer}' +
			'.privd-cc__cat input{width:1.15rem;height:1.15rem;margin:0;accent-color:var(--privd-cc-accent)}' +
			'.privd-cc__always{font-weight:400;color:var(--privd-cc-muted);font-size:.9rem}' +
			'.privd-cc details{margin:.3rem 0 0 1.75rem;font-size:.92rem;color:var(--privd-cc-muted)}' +
			'.privd-cc summary{cursor:pointer;color:var(--privd-cc-accent)}' +
			'.privd-cc details p,.privd-cc details ul{margin:.35rem 0}' +
			'.privd-cc__buttons{display:grid;grid-template-columns:repeat(3,1fr);gap:.6rem}' +
			'@media (max-width:30rem){.privd-cc__buttons{grid-template-columns:1fr}}' +
			'.privd-cc__btn{font:inherit;font-weight:600;padding:.65rem .75rem;border:2px solid var(--privd-cc-accent);' +
			'border-radius:calc(var(--privd-cc-radius) * .6);background:var(--privd-cc-accent);' +
			'color:var(--privd-cc-accent-fg);cursor:pointer;min-height:2.75rem}' +
			'.privd-cc__btn:hover{filter:brightness(1.1)}' +
			'.privd-cc :focus-visible{outline:3px solid #f0a500;outline-offset:2px}';
		document.head.appendChild(s);
	}

	function categoryItem(cat, i) {
		var info = (config && config.categories[cat]) || {};
		var title = (info.title && info.title[lang]) || t.names[i];
		var li = el('li', { class: 'privd-cc__cat' });
		var label = el('label', { for: 'privd-cc-' + cat });
		var box = el('input', { type: 'checkbox', id: 'privd-cc-' + cat, 'data-category': cat });
		if (cat === 'necessary') {
			box.checked = true;
			box.disabled = true;
		} else {
			box.checked = !!(state.categories && state.categories[cat]);
		}
		label.appendChild(box);
		label.appendChild(document.createTextNode(title));
		if (cat === 'necessary') label.appendChild(el('span', { class: 'privd-cc__always' }, '(' + t.always + ')'));
		li.appendChild(label);
		var desc = info.description && info.description[lang];
		var services = info.services || [];
		if (desc || services.length) {
			var d = el('details'), ul = el('ul');
			d.appendChild(el('summary', {}, t.details));
			if (desc) d.appendChild(el('p', { id: 'privd-cc-' + cat + '-desc' }, desc));
			services.forEach(function (s) {
				var item = el('li');
				if (s.url && /^https?:\/\//.test(s.url)) {
					var a = el('a', { href: s.url, target: '_blank', rel: 'noopener noreferrer' }, s.name);
					item.appendChild(a);
				} else {
					item.textContent = s.name;
				}
				ul.appendChild(item);
			});
			if (services.length) {
				d.appendChild(el('p', {}, t.services + ':'));
				d.appendChild(ul);
			}
			if (desc) box.setAttribute('aria-describedby', 'privd-cc-' + cat + '-desc');
			li.appendChild(d);
		}
		return li;
	}

	function button(action, text) {
		return el('button', { type: 'button', class: 'privd-cc__btn', 'data-privd-action': action }, text);
	}

	function build() {
		style();
		root = el('div', { class: 'privd-cc', id: 'privd-cc' });
		var dlg = el('div', {
			class: 'privd-cc__dialog', role: 'dialog', 'aria-modal': 'true',
			'aria-labelledby': 'privd-cc-title', 'aria-describedby': 'privd-cc-intro', lang: lang
		});
		dlg.appendChild(el('h2', { class: 'privd-cc__title', id: 'privd-cc-title', tabindex: '-1' }, t.title));
		var intro = el('p', { id: 'privd-cc-intro' }, t.intro + ' ');
		intro.appendChild(el('a', { href: policyUrl, target: '_blank', rel: 'noopener' }, t.policy));
		dlg.appendChild(intro);
		if (gpc) dlg.appendChild(el('p', { class: 'privd-cc__gpc' }, t.gpc));
		var list = el('ul', { class: 'privd-cc__cats' });
		CATS.forEach(function (cat, i) { list.appendChild(categoryItem(cat, i)); });
		dlg.appendChild(list);
		var buttons = el('div', { class: 'privd-cc__buttons' });
		buttons.appendChild(button('reject-all', t.reject));
		buttons.appendChild(button('save', t.save));
		buttons.appendChild(button('accept-all', t.accept));
		dlg.appendChild(buttons);
		root.appendChild(dlg);
		root.addEventListener('click', onClick);
		root.addEventListener('keydown', onKey);
	}

	function onClick(e) {
		var b = e.target.closest && e.target.closest('[data-privd-action]');
		if (!b) return;
		var a = b.getAttribute('data-privd-action');
		if (a === 'accept-all') choose(cats(true, true, !gpc || checked('marketing')));
		else if (a === 'reject-all') choose(cats(false, false, false));
		else if (a === 'save') choose(cats(checked('preferences'), checked('analytics'), checked('marketing')));
	}

	function checked(cat) {
		var box = root && root.querySelector('#privd-cc-' + cat);
		return !!(box && box.checked);
	}

	function focusables() {
		return Array.prototype.filter.call(
			root.querySelectorAll('a[href],button,input:not([disabled]),summary,[tabindex="0"]'),
			function (x) { return x.offsetParent !== null || x === document.activeElement; });
	}

	function onKey(e) {
		if (e.key === 'Escape') {
			e.preventDefault();
			close();
			return;
		}
		if (e.key !== 'Tab') return;
		var f = focusables();
		if (!f.length) return;
		var first = f[0], last = f[f.length - 1], at = f.indexOf(document.activeElement);
		if (e.shiftKey && (at <= 0)) {
			e.preventDefault();
			last.focus();
		} else if (!e.shiftKey && (at === -1 || at === f.length - 1)) {
			e.preventDefault();
			first.focus();
		}
	}

	/* Keeps focus inside the dialog while it is open. */
	function onFocusIn(e) {
		if (root && root.parentNode && !root.contains(e.target)) root.querySelector('#privd-cc-title').focus();
	}

	function show() {
		if (root && root.parentNode) return;
		build();
		lastFocus = document.activeElement;
		document.body.appendChild(root);
		document.addEventListener('focusin', onFocusIn);
		root.querySelector('#privd-cc-title').focus();
	}

	/* Closes the dialog; without a choice nothing but necessary cookies is used, and it asks on the next page. */
	function close() {
		if (!root || !root.parentNode) return;
		document.removeEventListener('focusin', onFocusIn);
		root.parentNode.removeChild(root);
		if (lastFocus && lastFocus.focus && document.contains(lastFocus)) lastFocus.focus();
	}

	function get() {
		var c = state.categories || cats(false, false, false);
		return {
			visitorId: state.visitorId,
			categories: { necessary: true, preferences: c.preferences, analytics: c.analytics, marketing: c.marketing },
			policyVersion: state.categories ? state.policyVersion : null,
			gpc: state.gpc
		};
	}

	/* ---- start ---- */

	window.privdConsent = { get: get, show: function () { if (document.body) show(); else ready(show); } };

	document.addEventListener('click', function (e) {
		var o = e.target.closest && e.target.closest('[data-privd-open]');
		if (!o) return;
		e.preventDefault();
		show();
	});

	function ready(fn) {
		if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn);
		else fn();
	}

	function start(saved, server) {
		if (server) {
			saved = {
				visitorId: server.visitor_id,
				categories: cats(server.categories.preferences, server.categories.analytics,
					server.categories.marketing),
				gpc: server.gpc,
				policyVersion: server.policy_version
			};
		}
		var current = config ? config.policy_version : null;
		if (saved && (!current || saved.policyVersion === current)) {
			state.categories = saved.categories;
			state.policyVersion = saved.policyVersion;
			state.gpc = gpc || saved.gpc;
			if (server) writeCookie();
			ready(apply);
		} else if (!manual) {
			ready(show);
		}
	}

	var saved = readCookie();
	state.visitorId = saved ? saved.visitorId : newId();
	/* revalidated on every page (a 304 from memory): a new policy version must ask at once */
	api('/v1/cookie-config', { cache: 'no-cache' })
		.then(function (c) { config = c; }, function () { /* texts fall back to the built-in titles */ })
		.then(function () {
			if (!saved) return start(null, null);
			return api('/v1/cookie-consents/' + saved.visitorId, { cache: 'no-store' }).then(function (s) { start(saved, s); },
				function (status) { start(status === 404 ? null : saved, null); });
		});
})();

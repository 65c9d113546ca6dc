// SPDX-License-Identifier: AGPL-3.0-or-later
// What every screen of the console shares: the language and its texts, the signed-in role, building elements with
// the DOM API (never innerHTML of data), dates, sortable tables, key-value lists, the confirming dialog and the
// places errors and empty states are shown.
const LANGS = ['ru', 'en'];

/** The console's state: lang ('ru' or 'en'), texts (the catalogue), role (of the session, '' when signed out). */
export const ui = {
	lang: localStorage.getItem('privd.lang') || (navigator.language || 'ru').slice(0, 2),
	texts: {},
	role: sessionStorage.getItem('privd.role') || '',
};
if (!LANGS.includes(ui.lang)) ui.lang = 'ru';
export const main = document.getElementById('main');

export function t(key, ...args) {
	let s = ui.texts[key] ?? key;
	args.forEach((a, i) => { s = s.replace(`{${i}}`, String(a)); });
	return s;
}

/** el('tag.class', {attrs}, children...) */
export function el(spec, attrs = {}, ...kids) {
	const [tag, ...cls] = spec.split('.');
	const e = document.createElement(tag);
	if (cls.length) e.className = cls.join(' ');
	for (const [k, v] of Object.entries(attrs)) {
		if (v === undefined || v === null || v === false) continue;
		if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
		else if (k === 'text') e.textContent = v;
		else e.setAttribute(k, v === true ? '' : v);
	}
	for (const k of kids.flat(Infinity)) if (k !== null && k !== undefined) e.append(k);
	return e;
}

const locale = () => (ui.lang === 'ru' ? 'ru-RU' : 'en-GB');
export const fmtDate = (s) => (s ? new Date(s).toLocaleString(locale(), { dateStyle: 'medium', timeStyle: 'short' }) : '—');
export const fmtDay = (s) => (s ? new Date(`${s}T00:00:00`).toLocaleDateString(locale(), { dateStyle: 'medium' }) : '—');
export const fmtNum = (n) => Number(n).toLocaleString(locale());

export function empty(title, hint) {
	return el('div.empty.card', {}, el('strong', { text: title }), el('span', { text: hint }));
}

// ---- one screen at a time ----
// Each navigation, and each time a screen draws itself again (its filters changed), starts a new screen. What the
// screen before still awaits is abandoned: api() aborts its fetches and never hands on an answer that arrives after
// the screen changed, so a late answer cannot paint over the screen shown now, whichever screen it was for.
let screen = new AbortController();

/** Starts a new screen, abandoning the one before; returns the new screen's signal (aborted when it is left). */
export function newScreen() {
	screen.abort();
	screen = new AbortController();
	return screen.signal;
}

/** The signal of the screen shown now: api() ties each call to it. */
export const screenSignal = () => screen.signal;

/** Draws the current screen again with render (a filter changed), as a new screen. */
export function redraw(render) {
	const signal = newScreen();
	render().catch((e) => { if (!signal.aborted) showError(e); });
}

export function showError(e) {
	if (e?.name === 'AbortError') return; // its screen was left: nothing to say on this one
	main.querySelector('.error')?.remove();
	main.prepend(el('p.error', { role: 'alert', text: t('error.generic', e.detail || e.message) }));
}

// ---- sortable tables ----
export function table(cols, rows, { sortKey, dir = 1, onRow } = {}) {
	let key = sortKey;
	let d = dir;
	const tbody = el('tbody');
	const cls = (c) => [c.narrow ? 'hide-narrow' : '', c.num ? 'num' : ''].join(' ').trim() || null;
	const heads = cols.map((c) => el('th', { scope: 'col', class: cls(c) },
		c.sort ? el('button', { type: 'button', text: c.label, onclick: () => { d = key === c.key ? -d : 1; key = c.key; draw(); } }) : c.label));
	function draw() {
		const col = cols.find((c) => c.key === key);
		const sorted = col ? [...rows].sort((a, b) => {
			const x = col.sort(a); const y = col.sort(b);
			return (x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1) * d;
		}) : rows;
		cols.forEach((c, i) => heads[i].setAttribute('aria-sort', c.key === key ? (d > 0 ? 'ascending' : 'descending') : 'none'));
		tbody.replaceChildren(...sorted.map((r) => {
			const tr = el('tr', {}, cols.map((c) => el('td', { class: cls(c) }, c.cell(r))));
			if (onRow) tr.dataset.id = r.id;
			return tr;
		}));
	}
	draw();
	return el('div.table-wrap', {}, el('table', {}, el('thead', {}, el('tr', {}, heads)), tbody));
}

/** Asks to confirm; resolves to {reason} (the text typed, when reason is asked for) or null when cancelled. */
export function confirmDialog(message, { reason = false, danger = false, label = t('reason') } = {}) {
	const dlg = document.getElementById('confirm');
	const ta = document.getElementById('confirm-reason');
	document.querySelector('#confirm-reason-label span').textContent = label;
	document.getElementById('confirm-title').textContent = t('confirm');
	document.getElementById('confirm-text').textContent = message;
	document.getElementById('confirm-reason-label').hidden = !reason;
	ta.value = '';
	ta.required = reason;
	document.getElementById('confirm-ok').className = danger ? 'danger' : 'primary';
	return new Promise((resolve) => {
		dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok' ? { reason: ta.value.trim() } : null), { once: true });
		dlg.returnValue = '';
		dlg.showModal();
		(reason ? ta : document.getElementById('confirm-ok')).focus();
	});
}

export function kv(pairs) {
	return el('dl.kv', {}, pairs.filter(([, v]) => v !== undefined).map(([k, v]) => [el('dt', { text: t(k) }), el('dd', {}, v ?? '—')]));
}


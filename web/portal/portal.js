// SPDX-License-Identifier: AGPL-3.0-or-later
// The person's portal: one page that reads the person's own data through privd's API with the session cookie the
// link set, and files their requests with the signed scan. Every text comes from /i18n/<lang>.json; every change
// carries X-Privd-Portal: 1 (privd refuses a change without it). No inline script, no third party: the page runs
// under a Content-Security-Policy that allows only this origin. A scan is shown before it is sent: an image as it
// is, a PDF's first page drawn by pdf.js (common/pdf.js).
const TYPES = ['erase', 'rectify', 'access', 'transfer_info', 'revoke_processing', 'revoke_cookies', 'inquiry'];
const STATUS_CLASS = { awaiting_document: 'warn', received: 'info', accepted: 'info', rejected: 'bad', completed: 'ok' };
const NOTICE_CLASS = { queued: 'info', sent: 'ok', failed: 'bad', cancelled: 'off' };
const MAGIC = [
	['application/pdf', [0x25, 0x50, 0x44, 0x46]],
	['image/jpeg', [0xff, 0xd8, 0xff]],
	['image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
	['image/tiff', [0x49, 0x49, 0x2a, 0x00]],
	['image/tiff', [0x4d, 0x4d, 0x00, 0x2a]],
];

const state = { lang: 'ru', dict: {}, session: null, subject: null, consents: null, requests: [], notices: [], transfers: [],
	inquiries: new Map(), file: null, fileType: null, previewUrl: null, message: null };
const app = document.getElementById('app');

function t(key, vars = {}) {
	const s = state.dict[key] ?? key;
	return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

/** An element: h('p', {class: 'x'}, 'text', child...). */
function h(tag, attrs = {}, ...kids) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v === false || v === null || v === undefined) continue;
		if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
		else if (k === 'class') el.className = v;
		else el.setAttribute(k, v === true ? '' : v);
	}
	for (const kid of kids.flat(Infinity)) {
		if (kid === null || kid === undefined || kid === false) continue;
		el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
	}
	return el;
}

class Ended extends Error {}

async function api(method, path, { json, body, type } = {}) {
	const headers = {};
	if (method !== 'GET') headers['X-Privd-Portal'] = '1';
	let b = body;
	if (json !== undefined) { b = JSON.stringify(json); headers['Content-Type'] = 'application/json'; }
	if (type) headers['Content-Type'] = type;
	const res = await fetch(path, { method, headers, body: b, credentials: 'same-origin', cache: 'no-store' });
	if (res.status === 401) throw new Ended();
	const text = await res.text();
	const data = text && /json/.test(res.headers.get('content-type') || '') ? JSON.parse(text) : null;
	if (!res.ok) {
		const e = new Error(data?.detail || `HTTP ${res.status}`);
		e.problem = data;
		throw e;
	}
	return data;
}

function fmtDate(v) {
	if (!v) return t('portal.none');
	const d = /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T12:00:00Z`) : new Date(v);
	return d.toLocaleDateString(state.lang === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
}
function fmtTime(v) {
	if (!v) return t('portal.none');
	return new Date(v).toLocaleString(state.lang === 'ru' ? 'ru-RU' : 'en-GB',
		{ day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}
function fmtSize(n) {
	return n >= 1048576 ? `${(n / 1048576).toFixed(n % 1048576 ? 1 : 0)} MB` : `${Math.ceil(n / 1024)} KB`;
}
function badge(text, cls) { return h('span', { class: `badge ${cls || ''}` }, text); }

async function loadLang(lang) {
	const res = await fetch(`/i18n/${lang}.json`, { credentials: 'same-origin' });
	state.dict = await res.json();
	state.lang = lang;
	document.documentElement.lang = lang;
	document.title = t('portal.title');
	document.getElementById('brand').textContent = t('portal.brand');
	document.getElementById('signout').textContent = t('portal.signout');
	for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
	try { localStorage.setItem('privd.lang', lang); } catch { /* private mode */ }
}

async function loadAll() {
	state.session = await api('GET', '/v1/portal/session');
	const id = state.session.subject_id;
	const [subject, consents, requests, notices, transfers] = await Promise.all([
		api('GET', `/v1/subjects/${id}`),
		api('GET', `/v1/subjects/${id}/consents`),
		api('GET', '/v1/requests?limit=1000'),
		api('GET', `/v1/subjects/${id}/notifications`),
		api('GET', `/v1/subjects/${id}/transfers?limit=1000`),
	]);
	Object.assign(state, { subject, consents, requests: requests.items.reverse(), notices: notices.items.reverse(),
		transfers: received(transfers.items) });
	const inq = state.requests.filter((q) => q.type === 'inquiry');
	const full = await Promise.all(inq.map((q) => api('GET', `/v1/requests/${q.id}`)));
	state.inquiries = new Map(full.map((q) => [q.id, q]));
}

/** The third parties the person's data went to, or is queued to go to, from their disclosure log: one row per
 *  transfer, its latest entry (refusals and failures sent nothing and are left out), newest first. */
function received(log) {
	const last = new Map();
	for (const d of log) last.set(d.transfer_id, d);
	return [...last.values()].filter((d) => d.outcome === 'delivered' || d.outcome === 'queued').reverse();
}

function transfersCard() {
	const list = state.transfers;
	const body = list.length === 0 ? h('p', { class: 'empty' }, t('portal.transfers.empty')) :
		h('div', { class: 'table-wrap' }, h('table', { class: 'stack' },
			h('thead', {}, h('tr', {}, ['when', 'recipient', 'purpose', 'data', 'status'].map((k) => h('th', { scope: 'col' }, t(`portal.transfers.${k}`))))),
			h('tbody', {}, list.map((d) => h('tr', { 'data-transfer': d.transfer_id },
				h('td', { 'data-label': t('portal.transfers.when') }, fmtDate(d.at)),
				h('td', { 'data-label': t('portal.transfers.recipient') }, h('span', {}, d.recipient.name,
					h('div', { class: 'hint' }, d.recipient.cross_border ? t('portal.transfers.abroad', { country: d.recipient.country }) : d.recipient.country))),
				h('td', { 'data-label': t('portal.transfers.purpose') }, d.recipient.purpose),
				h('td', { 'data-label': t('portal.transfers.data') }, d.fields.map((f) => t(`portal.data.${f}`)).join(', ')),
				h('td', { 'data-label': t('portal.transfers.status') }, badge(t(`portal.transfers.${d.outcome}`), d.outcome === 'delivered' ? 'ok' : 'info')))))));
	return h('section', { class: 'card', 'aria-labelledby': 'h-tr' }, h('h2', { id: 'h-tr' }, t('portal.transfers.title')), body,
		h('p', { class: 'hint' }, t('portal.transfers.hint')));
}

function dataCard() {
	const s = state.subject;
	const rows = [['name', s.name], ['email', s.email], ['phone', s.phone], ['birth_date', s.birth_date && fmtDate(s.birth_date)],
		['residence_country', s.residence_country], ['created_at', fmtTime(s.created_at)]];
	return h('section', { class: 'card', 'aria-labelledby': 'h-data' },
		h('h2', { id: 'h-data' }, t('portal.data.title')),
		h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', {}, t(`portal.data.${k}`)), h('dd', {}, v || t('portal.none'))])),
		h('p', { class: 'hint' }, t('portal.data.hint')));
}

function dueCell(q) {
	if (!q.due_date) return t('portal.none');
	const bits = [fmtDate(q.due_date)];
	if (q.overdue) bits.push(' ', badge(t('portal.requests.overdue'), 'bad'));
	else if (q.status !== 'completed' && q.status !== 'rejected' && q.working_days_left !== null && q.working_days_left !== undefined)
		bits.push(h('div', { class: 'hint' }, t('portal.requests.days_left', { n: q.working_days_left })));
	if (q.due_estimated) bits.push(' ', badge(t('portal.requests.estimated'), 'off'));
	return h('span', {}, bits);
}

function requestsCard() {
	const list = state.requests;
	const body = list.length === 0 ? h('p', { class: 'empty' }, t('portal.requests.empty')) :
		h('div', { class: 'table-wrap' }, h('table', { class: 'stack' },
			h('thead', {}, h('tr', {}, ['type', 'status', 'filed', 'due'].map((k) => h('th', { scope: 'col' }, t(`portal.requests.${k}`))))),
			h('tbody', {}, list.map((q) => h('tr', { 'data-request': q.id },
				h('td', { 'data-label': t('portal.requests.type') }, t(`portal.type.${q.type}`)),
				h('td', { 'data-label': t('portal.requests.status') }, h('span', {}, badge(t(`status.${q.status}`), STATUS_CLASS[q.status]),
					q.status === 'awaiting_document' ? h('div', { class: 'hint' }, t('portal.requests.needs_document')) : null,
					q.type === 'access' && q.status === 'completed' ?
						h('div', {}, h('a', { href: `/v1/requests/${q.id}/export?format=html`, target: '_blank', rel: 'noopener' }, t('portal.requests.export'))) : null)),
				h('td', { 'data-label': t('portal.requests.filed') }, fmtDate(q.created_at)),
				h('td', { 'data-label': t('portal.requests.due') }, dueCell(q)))))));
	return h('section', { class: 'card', 'aria-labelledby': 'h-req' }, h('h2', { id: 'h-req' }, t('portal.requests.title')), body);
}

function inquiriesCard() {
	const list = state.requests.filter((q) => q.type === 'inquiry').map((q) => state.inquiries.get(q.id) || q);
	const body = list.length === 0 ? h('p', { class: 'empty' }, t('portal.inquiries.empty')) :
		list.map((q) => h('div', { class: 'qa-pair' },
			h('div', { class: 'qa' }, h('small', {}, fmtTime(q.created_at)), h('p', {}, q.details?.question || '')),
			q.answer ? h('div', { class: 'qa a' }, h('p', {}, q.answer)) :
				h('p', { class: 'hint' }, t('portal.inquiries.waiting', { date: fmtDate(q.due_date) }))));
	return h('section', { class: 'card', 'aria-labelledby': 'h-inq' }, h('h2', { id: 'h-inq' }, t('portal.inquiries.title')), body);
}

function consentsCard() {
	const c = state.consents;
	const cur = Object.entries(c.current || {});
	return h('section', { class: 'card', 'aria-labelledby': 'h-con' },
		h('h2', { id: 'h-con' }, t('portal.consents.title')),
		h('div', { class: 'table-wrap' }, h('table', { class: 'stack' },
			h('thead', {}, h('tr', {}, ['purpose', 'state', 'since', 'change'].map((k) => h('th', { scope: 'col' }, t(`portal.consents.${k}`))))),
			h('tbody', {}, cur.map(([p, v]) => h('tr', { 'data-purpose': p },
				h('td', { 'data-label': t('portal.consents.purpose') }, t(`portal.purpose.${p}`)),
				h('td', { 'data-label': t('portal.consents.state') }, v.granted ? badge(t('portal.consents.granted'), 'ok') : badge(t('portal.consents.refused'), 'off')),
				h('td', { 'data-label': t('portal.consents.since') }, fmtDate(v.since)),
				h('td', { 'data-label': t('portal.consents.change') }, p.startsWith('cookies.') ?
					h('button', { type: 'button', onclick: (e) => setCookie(p, !v.granted, e.currentTarget) },
						t(v.granted ? 'portal.consents.withdraw' : 'portal.consents.give')) : null)))))),
		h('p', { class: 'hint' }, t('portal.consents.cookies_hint')),
		h('details', {}, h('summary', {}, t('portal.consents.history')),
			h('div', { class: 'table-wrap' }, h('table', { class: 'stack' },
				h('thead', {}, h('tr', {}, ['when', 'purpose', 'event', 'text'].map((k) => h('th', { scope: 'col' }, t(`portal.consents.${k}`))))),
				h('tbody', {}, [...(c.history || [])].reverse().map((r) => h('tr', {},
					h('td', { 'data-label': t('portal.consents.when') }, fmtTime(r.created_at)),
					h('td', { 'data-label': t('portal.consents.purpose') }, t(`portal.purpose.${r.purpose}`)),
					h('td', { 'data-label': t('portal.consents.event') }, r.granted ? t('portal.consents.granted') : t('portal.consents.refused')),
					h('td', { 'data-label': t('portal.consents.text') },
						r.text_version ? h('a', { href: `/consent/${r.purpose}?lang=${r.text_language || state.lang}&version=${encodeURIComponent(r.text_version)}`, target: '_blank', rel: 'noopener' }, `v${r.text_version}`) : t('portal.none')))))))));
}

/** Records the person's own choice for a cookie category (privd takes the address and source itself). */
async function setCookie(purpose, granted, button) {
	button.disabled = true;
	try {
		await api('POST', `/v1/subjects/${state.session.subject_id}/consents`, { json: { purpose, granted } });
		await refresh();
	} catch (e) {
		if (e instanceof Ended) return ended();
		button.disabled = false;
		button.after(h('p', { class: 'notice bad', role: 'alert' }, e.problem?.detail || t('portal.error')));
	}
}

function noticesCard() {
	const list = state.notices;
	const body = list.length === 0 ? h('p', { class: 'empty' }, t('portal.notices.empty')) :
		h('div', { class: 'table-wrap' }, h('table', { class: 'stack' },
			h('thead', {}, h('tr', {}, ['when', 'what', 'channel', 'status'].map((k) => h('th', { scope: 'col' }, t(`portal.notices.${k}`))))),
			h('tbody', {}, list.map((n) => h('tr', {},
				h('td', { 'data-label': t('portal.notices.when') }, fmtTime(n.sent_at || n.created_at)),
				h('td', { 'data-label': t('portal.notices.what') }, state.dict[`portal.kind.${n.kind}`] || n.kind),
				h('td', { 'data-label': t('portal.notices.channel') }, t(`portal.channel.${n.channel}`)),
				h('td', { 'data-label': t('portal.notices.status') }, badge(t(`portal.notice.${n.status}`), NOTICE_CLASS[n.status])))))));
	return h('section', { class: 'card', 'aria-labelledby': 'h-not' }, h('h2', { id: 'h-not' }, t('portal.notices.title')), body);
}

/** The file's media type by its first bytes, as privd checks it; null when it is none of the four. */
async function sniff(file) {
	const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
	for (const [type, sig] of MAGIC) if (sig.every((b, i) => head[i] === b)) return type;
	return null;
}

async function takeFile(file, form) {
	const limit = state.session.document?.max_bytes ?? 10485760;
	const err = form.querySelector('[data-role=file-error]');
	err.textContent = '';
	let problem = null;
	let type = null;
	if (file.size === 0) problem = t('portal.file.empty');
	else if (file.size > limit) problem = t('portal.file.too_large', { size: fmtSize(limit) });
	else if (!(type = await sniff(file))) problem = t('portal.file.bad_type');
	if (problem) {
		err.textContent = problem;
		setFile(null, null, form);
		return;
	}
	setFile(file, type, form);
}

/** Draws the PDF's first page into canvas (pdf.js, bundled and loaded from this origin only when needed); says how
 *  many pages it has, or that it cannot be shown (it may still be sent: privd checks the type, not the drawing). */
async function previewPdf(file, canvas, note) {
	const mine = file;
	try {
		const { openPdf, drawPage } = await import('/common/pdf.js');
		const doc = await openPdf(new Uint8Array(await file.arrayBuffer()));
		if (state.file !== mine) { doc.destroy(); return; }
		await drawPage(doc, 1, canvas, Math.min(canvas.parentElement.clientWidth || 320, 352));
		note.textContent = t('portal.file.pdf_pages', { pages: doc.numPages });
		canvas.hidden = false;
		doc.destroy();
	} catch {
		if (state.file === mine) note.textContent = t('portal.file.pdf_unreadable');
	}
}

function setFile(file, type, form) {
	if (state.previewUrl) URL.revokeObjectURL(state.previewUrl);
	state.file = file;
	state.fileType = type;
	state.previewUrl = null;
	const box = form.querySelector('[data-role=preview]');
	box.replaceChildren();
	if (!file) return;
	let shown = null;
	let note = null;
	if (type === 'image/png' || type === 'image/jpeg') {
		state.previewUrl = URL.createObjectURL(file);
		shown = h('img', { src: state.previewUrl, alt: t('portal.file.preview_of', { name: file.name }), id: 'doc-preview' });
	} else if (type === 'application/pdf') {
		const canvas = h('canvas', { id: 'doc-preview', role: 'img', 'aria-label': t('portal.file.preview_pdf', { name: file.name }), hidden: true });
		note = h('div', { class: 'hint', 'data-role': 'pages' }, t('portal.file.pdf_drawing'));
		shown = h('figure', { class: 'page' }, canvas);
		previewPdf(file, canvas, note);
	}
	if (shown) box.append(shown);
	box.append(h('div', { class: 'file' }, h('strong', {}, file.name), h('div', { class: 'hint' }, `${type} · ${fmtSize(file.size)}`),
		note || (state.previewUrl ? null : h('div', { class: 'hint' }, t('portal.file.no_preview'))),
		h('button', { type: 'button', onclick: () => setFile(null, null, form) }, t('portal.file.remove'))));
}

function fileCard() {
	const limit = state.session.document?.max_bytes ?? 10485760;
	const input = h('input', { type: 'file', id: 'doc', class: 'sr-only', accept: '.pdf,.jpg,.jpeg,.png,.tif,.tiff,application/pdf,image/jpeg,image/png,image/tiff' });
	const drop = h('div', { class: 'drop', tabindex: '0', role: 'button', 'aria-describedby': 'doc-rules', id: 'drop' },
		h('span', {}, t('portal.file.drop')), h('small', { id: 'doc-rules' }, t('portal.file.rules', { size: fmtSize(limit) })));
	const select = h('select', { id: 'type', name: 'type' }, TYPES.map((k) => h('option', { value: k }, t(`portal.type.${k}`))));
	const question = h('textarea', { id: 'question', maxlength: '4000' });
	const docPart = h('div', { 'data-role': 'doc' }, h('label', { for: 'doc' }, t('portal.file.document')), drop, input,
		h('div', { class: 'notice bad', 'data-role': 'file-error', role: 'alert' }), h('div', { class: 'preview', 'data-role': 'preview', 'aria-live': 'polite' }));
	const qPart = h('div', { 'data-role': 'question', hidden: true }, h('label', { for: 'question' }, t('portal.file.question')), question,
		h('p', { class: 'hint' }, t('portal.file.question_hint')));
	const submit = h('button', { type: 'submit', class: 'primary' }, t('portal.file.submit'));
	const status = h('div', { 'aria-live': 'polite', 'data-role': 'status' },
		state.message ? h('p', { class: `notice ${state.message.ok ? 'ok' : 'bad'}` }, state.message.text) : null);
	const form = h('form', { id: 'file-form', novalidate: true },
		h('label', { for: 'type' }, t('portal.file.type')), select, docPart, qPart, h('div', { class: 'actions' }, submit), status);
	const sync = () => {
		const inquiry = select.value === 'inquiry';
		qPart.hidden = !inquiry;
		docPart.hidden = inquiry;
		submit.textContent = t(inquiry ? 'portal.file.ask' : 'portal.file.submit');
	};
	select.addEventListener('change', sync);
	const pick = () => input.click();
	drop.addEventListener('click', pick);
	drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); pick(); } });
	input.addEventListener('change', () => { if (input.files[0]) takeFile(input.files[0], form); input.value = ''; });
	drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
	drop.addEventListener('dragleave', () => drop.classList.remove('over'));
	drop.addEventListener('drop', (e) => {
		e.preventDefault();
		drop.classList.remove('over');
		if (e.dataTransfer.files[0]) takeFile(e.dataTransfer.files[0], form);
	});
	form.addEventListener('submit', (e) => { e.preventDefault(); send(form, select.value, question.value.trim(), submit); });
	sync();
	return h('section', { class: 'card', 'aria-labelledby': 'h-file' }, h('h2', { id: 'h-file' }, t('portal.file.title')),
		h('p', { class: 'muted' }, t('portal.file.intro')), form);
}

async function send(form, type, question, submit) {
	const say = (text, ok) => {
		form.querySelector('[data-role=status]').replaceChildren(h('p', { class: `notice ${ok ? 'ok' : 'bad'}` }, text));
	};
	if (type === 'inquiry' && !question) return say(t('portal.file.need_question'), false);
	if (type !== 'inquiry' && !state.file) return say(t('portal.file.need_file'), false);
	submit.disabled = true;
	submit.textContent = t('portal.file.sending');
	try {
		const id = state.session.subject_id;
		if (type === 'inquiry') {
			await api('POST', `/v1/subjects/${id}/requests`, { json: { type, question } });
		} else {
			const q = await api('POST', `/v1/subjects/${id}/requests`, { json: { type } });
			await api('PUT', `/v1/requests/${q.id}/document`, { body: state.file, type: state.fileType });
		}
		state.message = { ok: true, text: t(type === 'inquiry' ? 'portal.file.asked' : 'portal.file.sent') };
		setFile(null, null, form);
		await refresh();
	} catch (e) {
		if (e instanceof Ended) return ended();
		submit.disabled = false;
		say(e.problem?.detail || t('portal.error'), false);
	}
}

function render() {
	const exp = state.session?.expires_at ? Math.max(1, Math.round((Date.parse(state.session.expires_at) - Date.now()) / 60000)) : 30;
	app.replaceChildren(
		h('div', { class: 'intro' }, h('h1', {}, t('portal.title')), h('p', { class: 'muted' }, t('portal.intro')),
			h('p', { class: 'hint' }, t('portal.session_ends', { minutes: exp }))),
		requestsCard(),
		h('div', { class: 'grid' }, fileCard(), inquiriesCard()),
		h('div', { class: 'grid' }, dataCard(), consentsCard()),
		transfersCard(),
		noticesCard());
	document.getElementById('signout').hidden = false;
}

function ended() {
	document.getElementById('signout').hidden = true;
	app.replaceChildren(h('section', { class: 'card state' }, h('h1', {}, t('portal.ended.title')), h('p', { class: 'muted' }, t('portal.ended.text'))));
	state.session = null;
}

async function refresh() {
	try {
		await loadAll();
		render();
	} catch (e) {
		if (e instanceof Ended) return ended();
		app.replaceChildren(h('p', { class: 'notice bad', role: 'alert' }, t('portal.error')));
	}
}

async function start() {
	let lang = 'ru';
	try { lang = localStorage.getItem('privd.lang') || ''; } catch { lang = ''; }
	if (lang !== 'ru' && lang !== 'en') lang = (navigator.language || 'ru').toLowerCase().startsWith('ru') ? 'ru' : 'en';
	await loadLang(lang);
	for (const b of document.querySelectorAll('[data-lang]')) {
		b.addEventListener('click', async () => {
			await loadLang(b.dataset.lang);
			if (state.session) render(); else ended();
		});
	}
	document.getElementById('signout').addEventListener('click', async () => {
		try { await api('DELETE', '/v1/portal/session'); } catch { /* ended either way */ }
		ended();
	});
	await refresh();
}

start();

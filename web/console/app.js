// SPDX-License-Identifier: AGPL-3.0-or-later
// The operator's console: signs in by exchanging an API key for a session (an HttpOnly cookie the page never
// sees, and a CSRF token kept in this tab's sessionStorage — never the key), then shows the request queue, a
// request beside its scan and the person's data, incidents (incidents.js), recipients and the transfer log
// (transfers.js), destruction records, failed notices and the audit log.
// Every text comes from /i18n/<lang>.json; every element is built with the DOM API (no innerHTML of data).
import { api, ApiError, setCsrf, getCsrf } from './api.js';
import { renderIncident, renderIncidentNew, renderIncidents, stopIncidentRefresh } from './incidents.js';
import { renderRecipient, renderRecipients, renderTransfer, renderTransferLog, renderTransfers } from './transfers.js';
import { confirmDialog, el, empty, fmtDate, fmtDay, kv, main, newScreen, redraw, showError, t, table, ui } from './ui.js';

async function loadTexts() {
	const r = await fetch(`/i18n/${ui.lang}.json`);
	ui.texts = await r.json();
	document.documentElement.lang = ui.lang;
	for (const n of document.querySelectorAll('[data-i18n]')) n.textContent = t(n.dataset.i18n);
	document.getElementById('lang').value = ui.lang;
}

const STATUS_CLASS = { awaiting_document: 'warn', received: '', accepted: '', rejected: 'bad', completed: 'ok' };
const statusBadge = (s) => el(`span.badge${STATUS_CLASS[s] ? '.' + STATUS_CLASS[s] : ''}`, { text: t(`status.${s}`) });

/** The working days left, for a request still running; a dash once it is decided for good (completed or rejected). */
function leftCell(q) {
	if (q.working_days_left === null || q.working_days_left === undefined || q.status === 'completed' || q.status === 'rejected') {
		return el('span.muted', { text: '—' });
	}
	if (q.overdue) return el('span.overdue', { text: t('left.overdue', Math.abs(q.working_days_left)) });
	return el('span', { text: t('left.days', q.working_days_left) });
}

/** The catalogue's text for key, or fallback (a name privd added since) when the catalogue has none. */
const label = (key, fallback) => (ui.texts[key] ? t(key) : fallback);

// ---- sign-in ----
function renderSignIn(message) {
	document.getElementById('nav').hidden = true;
	document.getElementById('signout').hidden = true;
	document.getElementById('who').textContent = '';
	const input = el('input', { id: 'key', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
	const msg = el('p.error', { role: 'alert', hidden: !message, text: message || '' });
	const form = el('form', {
		onsubmit: async (ev) => {
			ev.preventDefault();
			const key = input.value.trim();
			input.value = '';
			try {
				const s = await api('POST', '/v1/console/sessions', { key });
				setCsrf(s.csrf);
				ui.role = s.role;
				sessionStorage.setItem('privd.role', ui.role);
				const first = ui.role === 'auditor' ? '#/audit' : '#/queue';
				// one render: a changed hash renders by its hashchange, an unchanged one here
				if (location.hash !== first) location.hash = first;
				else route();
			} catch (e) {
				msg.hidden = false;
				msg.textContent = e.status === 403 ? t('signin.forbidden') : e.status === 401 ? t('signin.bad') : t('error.generic', e.message);
				input.focus();
			}
		},
	},
	el('h1', { text: t('signin.title') }),
	el('p.muted', { text: t('signin.hint') }),
	el('label', { for: 'key' }, t('signin.key'), input),
	msg,
	el('button.primary', { type: 'submit', text: t('signin.submit') }));
	main.replaceChildren(el('section.card.signin', {}, form));
	input.focus();
}

async function signOut() {
	try { await api('DELETE', '/v1/console/sessions/current'); } catch { /* the session may be over already */ }
	setCsrf('');
	sessionStorage.removeItem('privd.role');
	ui.role = '';
	location.hash = '';
	renderSignIn();
}

// ---- the queue ----
const TYPES = ['erase', 'rectify', 'access', 'transfer_info', 'revoke_processing', 'revoke_cookies', 'guardian_consent', 'inquiry'];
const STATUSES = ['awaiting_document', 'received', 'accepted', 'rejected', 'completed'];
const filters = { type: '', status: 'open' };

async function renderQueue() {
	const typeSel = el('select', { id: 'f-type', onchange: () => { filters.type = typeSel.value; redraw(renderQueue); } },
		el('option', { value: '', text: t('queue.all') }), TYPES.map((x) => el('option', { value: x, text: t(`type.${x}`) })));
	typeSel.value = filters.type;
	const statusSel = el('select', { id: 'f-status', onchange: () => { filters.status = statusSel.value; redraw(renderQueue); } },
		el('option', { value: 'open', text: t('queue.open') }), el('option', { value: '', text: t('queue.all') }),
		STATUSES.map((x) => el('option', { value: x, text: t(`status.${x}`) })));
	statusSel.value = filters.status;
	const head = [el('h1', { text: t('queue.title') }),
		el('div.row.filters', {}, el('label', {}, t('queue.type'), typeSel), el('label', {}, t('queue.status'), statusSel))];
	main.replaceChildren(...head, el('p.muted', { text: '…' }));
	let items = [];
	const statuses = filters.status === 'open' ? ['received', 'accepted'] : [filters.status];
	for (const s of statuses) {
		const q = s ? `?status=${s}&limit=1000` : '?limit=1000';
		items = items.concat((await api('GET', `/v1/requests${q}`)).items);
	}
	if (filters.type) items = items.filter((q) => q.type === filters.type);
	if (!items.length) {
		main.replaceChildren(...head, empty(t('queue.empty'), t('queue.empty.hint')));
		return;
	}
	const cols = [
		{ key: 'type', label: t('col.type'), sort: (q) => t(`type.${q.type}`), cell: (q) => el('a', { href: `#/requests/${q.id}`, text: t(`type.${q.type}`) }) },
		{ key: 'status', label: t('col.status'), sort: (q) => STATUSES.indexOf(q.status), cell: (q) => statusBadge(q.status) },
		{ key: 'due', label: t('col.due'), sort: (q) => q.due_date, cell: (q) => el(q.overdue ? 'span.overdue' : 'span', { text: fmtDay(q.due_date) }) },
		{ key: 'left', label: t('col.left'), sort: (q) => q.working_days_left ?? null, cell: leftCell },
		{ key: 'filed', label: t('col.filed'), narrow: true, sort: (q) => q.created_at, cell: (q) => fmtDate(q.created_at) },
		{ key: 'subject', label: t('col.subject'), narrow: true, cell: (q) => el('code', { title: q.subject_id, text: `…${q.subject_id.slice(-8)}` }) },
	];
	main.replaceChildren(...head, table(cols, items, { sortKey: 'due', onRow: true }));
}

// ---- a request ----
const PDF_PAGES_SHOWN = 10;

/** Draws the PDF's pages (the first PDF_PAGES_SHOWN) into box with the bundled pdf.js, from the bytes fetched here. */
async function drawPdf(url, box) {
	try {
		const r = await fetch(url, { credentials: 'same-origin' });
		if (!r.ok) throw new ApiError(r.status, null);
		const bytes = new Uint8Array(await r.arrayBuffer());
		const { openPdf, drawPage } = await import('/common/pdf.js');
		const doc = await openPdf(bytes);
		const n = Math.min(doc.numPages, PDF_PAGES_SHOWN);
		const width = Math.max(240, Math.min(box.clientWidth || 640, 900));
		box.replaceChildren();
		for (let i = 1; i <= n; i++) {
			const canvas = el('canvas', { role: 'img', 'aria-label': t('detail.pdf.page', i, doc.numPages), 'data-page': i });
			box.append(canvas);
			await drawPage(doc, i, canvas, width);
		}
		box.append(el('p.muted', { id: 'scan-pages', text: doc.numPages > n ? t('detail.pdf.more', n, doc.numPages) : t('detail.pdf.pages', doc.numPages) }));
		doc.destroy();
	} catch {
		box.replaceChildren(el('p.muted', { text: t('detail.pdf.unreadable') }));
	}
}

function docView(q) {
	if (ui.role !== 'operator') return el('p.muted', { id: 'scan-role', text: t('detail.doc.role') }); // operators' alone
	if (!q.document) return el('p.muted', { text: t('detail.nodoc') });
	const url = `/v1/requests/${q.id}/document`;
	const pdf = q.document.type === 'application/pdf';
	const open = el('a', { href: pdf ? `${url}?inline=1` : url, target: '_blank', rel: 'noopener', text: t(pdf ? 'detail.pdf.fallback' : 'detail.download') });
	if (q.document.type === 'image/png' || q.document.type === 'image/jpeg') return el('img', { src: url, alt: t('detail.document'), id: 'scan' });
	if (!pdf) return el('p.muted', {}, t('detail.noview'), ' ', open);
	const box = el('div.pdf', { id: 'scan', 'aria-busy': 'true' }, el('p.muted', { text: t('detail.pdf.drawing') }));
	requestAnimationFrame(() => drawPdf(url, box).finally(() => box.removeAttribute('aria-busy')));
	return el('div.pdf-view', {}, box, open);
}

async function act(q, action) {
	const needsReason = action === 'reject' || action === 'extend' || action === 'answer';
	const ok = await confirmDialog(t(`confirm.${action}`), { reason: needsReason, danger: action === 'execute' || action === 'reject',
		label: action === 'answer' ? t('f.answer') : t('reason') });
	if (!ok) return;
	if (needsReason && !ok.reason) { showError(new Error(t(action === 'answer' ? 'answer.required' : 'reason.required'))); return; }
	try {
		if (action === 'execute') await api('POST', `/v1/requests/${q.id}/execute`, {});
		else if (action === 'answer') await api('POST', `/v1/requests/${q.id}/answer`, { text: ok.reason });
		else await api('POST', `/v1/requests/${q.id}/decision`, needsReason ? { action, reason: ok.reason } : { action });
		await renderRequest(q.id, t('done'));
	} catch (e) { showError(e); }
}

const COOKIE_CATEGORIES = ['preferences', 'analytics', 'marketing'];

/** The guardian's details and the purposes they chose, beside the minor's registration: each purpose granted or
 *  refused, the cookies member (the categories granted) as one line per category. */
function guardianCard(q) {
	const g = q.details?.guardian || {};
	const consents = q.details?.consents || {};
	const chosen = Object.entries(consents).flatMap(([p, v]) => (p === 'cookies'
		? COOKIE_CATEGORIES.map((c) => [`cookies.${c}`, Array.isArray(v) && v.includes(c)])
		: [[p, v === true]]));
	return el('section.card', { id: 'guardian' }, el('h2', { text: t('detail.guardian') }),
		kv([['f.name', g.name], ['g.relation', g.relation], ['f.email', g.email || undefined], ['f.phone', g.phone || undefined],
			['g.purposes', el('ul.purposes', {}, chosen.map(([p, v]) =>
				el('li', { 'data-purpose': p }, el(`span.badge${v ? '.ok' : '.bad'}`, { text: t(v ? 'g.granted' : 'g.refused') }), ' ',
					label(`portal.purpose.${p}`, p))))]]));
}

async function renderRequest(id, note) {
	const q = await api('GET', `/v1/requests/${id}`);
	let person = null;
	const erased = q.type === 'erase' && q.status === 'completed';
	let personNote = 'detail.erased';
	if (!erased) {
		try {
			person = await api('GET', `/v1/subjects/${q.subject_id}`);
		} catch (e) {
			if (!(e instanceof ApiError) || (e.status !== 410 && e.status !== 403)) throw e;
			if (e.status === 403) personNote = 'detail.person.role'; // an auditor's key reads no person's data
		}
	}
	const actions = [];
	const EXTENDABLE = ['access', 'transfer_info', 'inquiry'];
	const open = q.status === 'received' || q.status === 'accepted';
	if (ui.role === 'operator' && q.type === 'inquiry') {
		if (open) actions.push('answer');
	} else if (ui.role === 'operator') {
		if (q.status === 'received') actions.push('accept', 'reject');
		if (q.status === 'accepted') actions.push('execute');
	}
	if (ui.role === 'operator' && open && EXTENDABLE.includes(q.type) && !q.extended && !q.overdue) actions.push('extend');
	const special = q.type === 'inquiry' || q.type === 'guardian_consent';
	const details = !special && q.details && Object.keys(q.details).length ? el('pre', { text: JSON.stringify(q.details, null, 2) }) : undefined;
	main.replaceChildren(
		el('p.crumbs', {}, el('a', { href: '#/queue', text: t('detail.back') })),
		el('h1', {}, `${t(`type.${q.type}`)} `, statusBadge(q.status)),
		note ? el('p.badge.ok', { role: 'status', text: note }) : '',
		el('div.detail', {},
			q.type === 'inquiry'
				? el('section.card.doc', { 'aria-labelledby': 'doc-h' }, el('h2', { id: 'doc-h', text: t('detail.question') }),
					el('p.question', { id: 'question', text: q.details?.question ?? '—' }),
					q.answer ? [el('h2', { text: t('f.answer') }), el('p.question', { text: q.answer })] : '')
				: el('section.card.doc', { 'aria-labelledby': 'doc-h' }, el('h2', { id: 'doc-h', text: t('detail.document') }), docView(q)),
			el('div.side', {},
				q.type === 'guardian_consent' ? guardianCard(q) : '',
				el('section.card', {}, el('h2', { text: t('detail.person') }),
					person ? kv([['f.name', person.name], ['f.email', person.email], ['f.phone', person.phone],
						['f.birth_date', person.birth_date], ['f.residence_country', person.residence_country], ['f.status', t(`subject.${person.status}`)]])
						: el('p.muted', { id: 'person-note', text: t(personNote) }),
					el('p', {}, el('a', { href: `#/transfers/subject/${q.subject_id}`, id: 'disclosures', text: t('detail.disclosures') }))),
				el('section.card', {}, el('h2', { text: t('detail.request') }),
					kv([['f.id', el('code', { text: q.id })], ['f.filed', fmtDate(q.created_at)],
						['f.due', el(q.overdue ? 'span.overdue' : 'span', { text: fmtDay(q.due_date), id: 'due' })],
						['f.left', leftCell(q)], ['f.extended', t(q.extended ? 'yes' : 'no')],
						['f.reason', q.reason || undefined], ['f.answer', q.answer || undefined], ['f.details', details]]),
					actions.length ? el('div.actions', {}, actions.map((a) => el(`button.${a === 'execute' ? 'primary' : 'ghost'}`,
						{ type: 'button', 'data-action': a, text: t(`act.${a}`), onclick: () => act(q, a) }))) : ''))));
}

// ---- destruction records, failed notices, audit ----
async function renderDestruction() {
	const { items } = await api('GET', '/v1/destruction-records?limit=200');
	const head = el('h1', { text: t('dr.title') });
	if (!items.length) { main.replaceChildren(head, empty(t('dr.empty'), t('dr.empty.hint'))); return; }
	main.replaceChildren(head, table([
		{ key: 'when', label: t('dr.when'), sort: (d) => d.destroyed_at, cell: (d) => fmtDate(d.destroyed_at) },
		{ key: 'subject', label: t('dr.subject'), narrow: true, cell: (d) => el('code', { title: d.subject_id, text: `…${d.subject_id.slice(-8)}` }) },
		{ key: 'reason', label: t('dr.reason'), sort: (d) => d.reason, cell: (d) => label(`dr.reason.${d.reason}`, d.reason) },
		{ key: 'print', label: '', cell: (d) => el('a', { href: `/v1/destruction-records/${d.id}?format=html`, target: '_blank', rel: 'noopener', text: t('dr.print') }) },
	], items, { sortKey: 'when', dir: -1 }));
}

async function renderNotices() {
	const { items } = await api('GET', '/v1/notifications?status=failed&limit=200');
	const head = el('h1', { text: t('notices.title') });
	if (!items.length) { main.replaceChildren(head, empty(t('notices.empty'), t('notices.empty.hint'))); return; }
	main.replaceChildren(head, table([
		{ key: 'created', label: t('n.created'), sort: (n) => n.created_at, cell: (n) => fmtDate(n.created_at) },
		{ key: 'kind', label: t('n.kind'), sort: (n) => n.kind, cell: (n) => label(`portal.kind.${n.kind}`, n.kind) },
		{ key: 'channel', label: t('n.channel'), sort: (n) => n.channel, cell: (n) => label(`portal.channel.${n.channel}`, n.channel) },
		{ key: 'attempts', label: t('n.attempts'), sort: (n) => n.attempts, cell: (n) => String(n.attempts) },
		{ key: 'error', label: t('n.error'), cell: (n) => n.last_error || '—' },
	], items, { sortKey: 'created', dir: -1 }));
}

const AUDIT_PAGE = 200;

/** The audit log, newest first: the newest AUDIT_PAGE entries (the chain's seq runs from 1 without a gap, so the
 *  verdict's count says where they start), or those up to the first entry that does not verify; "Older entries"
 *  reads the page before. */
async function renderAudit() {
	const v = await api('GET', '/v1/audit/verify');
	const verdict = v.ok ? el('p.badge.ok', { id: 'verify', text: t('audit.verify.ok', v.entries) })
		: el('p.badge.bad', { id: 'verify', text: t('audit.verify.bad', v.first_bad) });
	const head = [el('h1', { text: t('audit.title') }), verdict];
	const end = v.ok ? v.entries : Math.max(v.first_bad ?? 0, 1);
	let from = Math.max(0, end - AUDIT_PAGE);
	const first = await api('GET', `/v1/audit?after=${from}&limit=${AUDIT_PAGE}`);
	if (!first.items.length) { main.replaceChildren(...head, empty(t('audit.empty'), '')); return; }
	const items = [...first.items];
	const box = el('div', { id: 'audit-list' });
	const more = el('button.ghost', { type: 'button', id: 'audit-more', text: t('audit.more'), onclick: async () => {
		more.disabled = true;
		const after = Math.max(0, from - AUDIT_PAGE);
		try {
			const page = await api('GET', `/v1/audit?after=${after}&limit=${from - after}`);
			items.push(...page.items);
			from = after;
			draw();
		} catch (e) {
			more.disabled = false;
			showError(e);
		}
	} });
	function draw() {
		box.replaceChildren(table([
			{ key: 'seq', label: '#', sort: (e) => e.seq, cell: (e) => String(e.seq) },
			{ key: 'ts', label: t('a.ts'), sort: (e) => e.ts, cell: (e) => fmtDate(e.ts) },
			{ key: 'actor', label: t('a.actor'), narrow: true, sort: (e) => e.actor, cell: (e) => el('code', { text: e.actor }) },
			{ key: 'action', label: t('a.action'), sort: (e) => e.action, cell: (e) => e.action },
			{ key: 'object', label: t('a.object'), narrow: true, cell: (e) => `${e.object_type} ${e.object_id.slice(0, 8)}` },
		], items, { sortKey: 'seq', dir: -1, onRow: true }));
		more.hidden = from === 0;
		more.disabled = false;
	}
	draw();
	main.replaceChildren(...head, box, el('div.row', {}, more));
}

// ---- the dashboard: charts drawn as SVG ----
const SVG = 'http://www.w3.org/2000/svg';
const fmtWeek = (w) => new Date(`${w}T00:00:00`).toLocaleDateString(ui.lang === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'short' });
function svg(tag, attrs = {}, ...kids) {
	const e = document.createElementNS(SVG, tag);
	for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, v);
	for (const k of kids.flat(Infinity)) if (k !== null && k !== undefined) e.append(typeof k === 'string' ? document.createTextNode(k) : k);
	return e;
}

/** A chart of series over weeks: bars (kind 'bar', side by side) or lines, with a dashed limit line if given. */
function chart({ id, title, weeks, series, kind = 'bar', limit, max, unit = '' }) {
	const W = 640, H = 240, L = 40, R = 12, T = 12, B = 36;
	const top = Math.max(max ?? 0, limit ?? 0, ...series.flatMap((x) => x.values.filter((v) => v !== null)), 1);
	const y = (v) => T + (H - T - B) * (1 - v / top);
	const step = (W - L - R) / weeks.length;
	const x = (i) => L + step * i + step / 2;
	const grid = [0, 0.5, 1].map((f) => [svg('line', { x1: L, x2: W - R, y1: y(top * f), y2: y(top * f), class: 'grid' }),
		svg('text', { x: L - 6, y: y(top * f) + 4, 'text-anchor': 'end', class: 'tick' }, `${Math.round(top * f)}${unit}`)]);
	const labels = weeks.map((w, i) => (i % Math.ceil(weeks.length / 6) === 0
		? svg('text', { x: x(i), y: H - B + 16, 'text-anchor': 'middle', class: 'tick' }, fmtWeek(w)) : null));
	const marks = series.map((ser, k) => {
		if (kind === 'bar') {
			const bw = (step * 0.7) / series.length;
			return ser.values.map((v, i) => svg('rect', { x: x(i) - step * 0.35 + bw * k, y: y(v || 0), width: bw, height: Math.max(0, y(0) - y(v || 0)),
				class: `s${k}` }, svg('title', {}, `${fmtDay(weeks[i])}: ${ser.label} ${v || 0}`)));
		}
		const pts = ser.values.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`)).filter(Boolean);
		return [svg('polyline', { points: pts.join(' '), class: `line s${k}` }),
			ser.values.map((v, i) => (v === null ? null : svg('circle', { cx: x(i), cy: y(v), r: 3, class: `s${k}` }, svg('title', {}, `${fmtDay(weeks[i])}: ${v}${unit}`))))];
	});
	const lim = limit === undefined ? null : [svg('line', { x1: L, x2: W - R, y1: y(limit), y2: y(limit), class: 'limit' }),
		svg('text', { x: W - R, y: y(limit) - 4, 'text-anchor': 'end', class: 'tick limit-label' }, t('dash.limit', limit))];
	const legend = el('p.legend', {}, series.map((ser, k) => el('span', {}, el(`i.key.s${k}`), ser.label)));
	return el('figure.card.chart', { id },
		el('figcaption', {}, el('h2', { text: title })),
		svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title }, grid, labels, marks, lim),
		legend);
}

/** Consent rates per purpose and week (grants among the decisions recorded that week, %), from /v1/consent-stats. */
async function consentRates() {
	const stats = await api('GET', '/v1/consent-stats?weeks=12');
	const purposes = [...new Set(stats.items.map((i) => i.purpose))].sort();
	return {
		weeks: stats.weeks,
		series: purposes.map((p) => ({
			label: label(`portal.purpose.${p}`, p),
			values: stats.weeks.map((w) => {
				const i = stats.items.find((x) => x.purpose === p && x.week === w);
				return i && i.granted + i.refused > 0 ? Math.round((100 * i.granted) / (i.granted + i.refused)) : null;
			}),
		})),
	};
}

async function renderDashboard() {
	const [received, accepted, stats, rates] = await Promise.all([api('GET', '/v1/requests?status=received&limit=1000'),
		api('GET', '/v1/requests?status=accepted&limit=1000'), api('GET', '/v1/request-stats?weeks=12'), consentRates()]);
	const weeks = stats.weeks;
	const count = (field) => stats.items.map((i) => i[field]);
	const days = stats.items.map((i) => i.median_working_days);
	const open = received.items.concat(accepted.items);
	const overdue = open.filter((q) => q.overdue).length;
	const soon = open.filter((q) => !q.overdue && q.working_days_left !== null && q.working_days_left <= 2).length;
	main.replaceChildren(
		el('h1', { text: t('nav.dashboard') }),
		el('div.tiles', {},
			el('a.card.tile', { href: '#/queue' }, el('strong', { text: String(open.length) }), t('dash.open')),
			el(`a.card.tile${overdue ? '.bad' : ''}`, { href: '#/queue' }, el('strong', { text: String(overdue) }), t('dash.overdue')),
			el('a.card.tile', { href: '#/queue' }, el('strong', { text: String(soon) }), t('dash.soon'))),
		el('div.charts', {},
			chart({ id: 'chart-weekly', title: t('dash.weekly'), weeks,
				series: [{ label: t('dash.received'), values: count('received') }, { label: t('dash.completed'), values: count('completed') }] }),
			chart({ id: 'chart-days', title: t('dash.days'), weeks, kind: 'line', limit: 10, max: 12,
				series: [{ label: t('dash.median'), values: days }] }),
			rates.series.length
				? chart({ id: 'chart-consents', title: t('dash.consents'), weeks: rates.weeks, kind: 'line', max: 100, unit: '%', series: rates.series })
				: el('figure.card.chart', { id: 'chart-consents' }, el('figcaption', {}, el('h2', { text: t('dash.consents') })),
					empty(t('dash.consents.empty'), t('dash.consents.hint')))),
		el('p.muted', { text: t('dash.note') }));
}

// ---- routing ----
const ROUTES = [
	[/^#\/requests\/([0-9a-f]{32})$/, (m) => renderRequest(m[1]), 'queue'],
	[/^#\/inquiries$/, () => { filters.type = 'inquiry'; return renderQueue(); }, 'inquiries'],
	[/^#\/dashboard$/, renderDashboard, 'dashboard'],
	[/^#\/incidents$/, renderIncidents, 'incidents'],
	[/^#\/incidents\/new$/, renderIncidentNew, 'incidents'],
	[/^#\/incidents\/([0-9a-f]{32})$/, (m) => renderIncident(m[1]), 'incidents'],
	[/^#\/queue$/, () => { if (filters.type === 'inquiry') filters.type = ''; return renderQueue(); }, 'queue'],
	[/^#\/recipients$/, renderRecipients, 'recipients'],
	[/^#\/recipients\/([0-9a-f]{32})$/, (m) => renderRecipient(m[1]), 'recipients'],
	[/^#\/transfers$/, renderTransfers, 'transfers'],
	[/^#\/transfers\/subject$/, () => renderTransferLog(''), 'transfers'],
	[/^#\/transfers\/subject\/([0-9a-f]{32})$/, (m) => renderTransferLog(m[1]), 'transfers'],
	[/^#\/transfers\/([0-9a-f]{32})$/, (m) => renderTransfer(m[1]), 'transfers'],
	[/^#\/destruction$/, renderDestruction, 'destruction'],
	[/^#\/notices$/, renderNotices, 'notices'],
	[/^#\/audit$/, renderAudit, 'audit'],
	[/^/, renderQueue, 'queue'],
];

// Each route is a new screen (newScreen): the one before is abandoned, so an answer it still awaited is never painted
// and never reported, and the focus goes to the screen shown.
async function route() {
	const signal = newScreen();
	stopIncidentRefresh();
	if (!getCsrf() || !ui.role) { renderSignIn(); return; }
	document.getElementById('nav').hidden = false;
	document.getElementById('signout').hidden = false;
	document.getElementById('who').textContent = t(`role.${ui.role}`);
	const [re, fn, nav] = ROUTES.find(([r]) => r.test(location.hash));
	for (const a of document.querySelectorAll('#nav a')) {
		if (a.getAttribute('href') === `#/${nav}`) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
		a.hidden = Boolean(a.dataset.roles) && !a.dataset.roles.split(' ').includes(ui.role); // the pages the role may read
	}
	try {
		await fn(location.hash.match(re));
	} catch (e) {
		if (signal.aborted) return; // another screen is shown
		if (e instanceof ApiError && e.status === 401) { setCsrf(''); renderSignIn(t('signin.expired')); return; }
		if (e instanceof ApiError && e.status === 403) main.replaceChildren(empty(t('forbidden'), t('forbidden.hint', t(`role.${ui.role}`))));
		else showError(e);
	}
	if (!signal.aborted) main.focus({ preventScroll: true });
}

document.getElementById('lang').addEventListener('change', async (ev) => {
	ui.lang = ev.target.value;
	localStorage.setItem('privd.lang', ui.lang);
	await loadTexts();
	route();
});
document.getElementById('signout').addEventListener('click', signOut);
window.addEventListener('hashchange', route);
await loadTexts();
route();

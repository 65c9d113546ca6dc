// SPDX-License-Identifier: AGPL-3.0-or-later
// Trusted third parties and what went to them, in the console: the recipients (each as it now stands, and one with
// every version it has had: a transfer names the version it went to), every transfer (newest first, filtered by
// recipient, status, legal basis and the days filed, read on a page at a time), a person's disclosure log (every
// transfer of their data, queued, delivered, refused with the reason, or failed), and one transfer with its
// deliveries. Read only: recipients are registered and transfers filed through the API.
import { api } from './api.js';
import { el, empty, fmtDate, fmtDay, fmtNum, kv, main, redraw, showError, t, table } from './ui.js';

const OUTCOME_CLASS = { queued: '', delivered: 'ok', refused: 'warn', failed: 'bad' };
const BATCH_CLASS = { queued: '', sent: 'ok', failed: 'bad' };
const ID_RE = /^[0-9a-f]{32}$/;

const fields = (list) => (list || []).map((f) => t(`tf.field.${f}`)).join(', ') || '—';
const badge = (cls, text, id) => el(`span.badge${cls ? '.' + cls : ''}`, { text, id });
const short = (id) => el('code', { title: id, text: `…${id.slice(-8)}` });

async function all(path) {
	const items = [];
	let after = '';
	for (let i = 0; i < 20; i++) {
		const page = await api('GET', `${path}${path.includes('?') ? '&' : '?'}limit=1000${after}`);
		items.push(...page.items);
		if (page.next_after === null || page.next_after === undefined) break;
		after = `&after=${encodeURIComponent(page.next_after)}`;
	}
	return items;
}

function countryCell(r) {
	return el('span', {}, r.country, r.cross_border ? [' ', badge('warn', t('rc.cross_border'))] : '');
}

// ---- recipients ----
export async function renderRecipients() {
	const items = await all('/v1/recipients');
	const head = [el('h1', { text: t('rc.title') }), el('p.muted', { text: t('rc.intro') })];
	if (!items.length) { main.replaceChildren(...head, empty(t('rc.empty'), t('rc.empty.hint'))); return; }
	main.replaceChildren(...head, table([
		{ key: 'name', label: t('rc.name'), sort: (r) => r.name.toLowerCase(), cell: (r) => el('a', { href: `#/recipients/${r.id}`, text: r.name }) },
		{ key: 'country', label: t('rc.country'), sort: (r) => r.country, cell: countryCell },
		{ key: 'purpose', label: t('rc.purpose'), narrow: true, cell: (r) => r.purpose },
		{ key: 'fields', label: t('rc.fields'), narrow: true, cell: (r) => fields(r.fields_allowed) },
		{ key: 'from', label: t('rc.transfers_from'), sort: (r) => r.transfers_from, cell: (r) => (r.cross_border ? fmtDay(r.transfers_from) : '—') },
		{ key: 'active', label: t('rc.state'), sort: (r) => (r.active ? 0 : 1), cell: (r) => badge(r.active ? 'ok' : 'bad', t(r.active ? 'rc.active' : 'rc.inactive')) },
	], items, { sortKey: 'name', onRow: true }));
}

export async function renderRecipient(id) {
	const r = await api('GET', `/v1/recipients/${id}`);
	const history = [...(r.history || [])].sort((a, b) => b.version - a.version);
	main.replaceChildren(
		el('p.crumbs', {}, el('a', { href: '#/recipients', text: t('rc.back') })),
		el('h1', {}, `${r.name} `, badge(r.active ? 'ok' : 'bad', t(r.active ? 'rc.active' : 'rc.inactive'), 'rc-state')),
		el('div.stack', {},
			el('section.card', {}, el('h2', { text: t('rc.current', r.version) }), kv([
				['rc.purpose', r.purpose], ['rc.country', countryCell(r)], ['rc.fields', fields(r.fields_allowed)],
				['rc.confidentiality', r.confidentiality_ref], ['rc.endpoint', el('code', { text: r.endpoint })],
				['rc.notice', r.cross_border ? `${r.cross_border_notice_ref} (${fmtDay(r.cross_border_notice_filed_on)})` : undefined],
				['rc.adequate', r.cross_border ? t(r.adequate_protection ? 'yes' : 'no') : undefined],
				['rc.transfers_from', r.cross_border ? fmtDay(r.transfers_from) : undefined],
				['rc.created', fmtDate(r.created_at)], ['rc.updated', fmtDate(r.updated_at)],
				['f.id', el('code', { text: r.id })]])),
			el('section.card', {}, el('h2', { text: t('rc.history') }), table([
				{ key: 'v', label: t('rc.version'), sort: (h) => h.version, cell: (h) => String(h.version) },
				{ key: 'at', label: t('rc.updated'), sort: (h) => h.updated_at, cell: (h) => fmtDate(h.updated_at) },
				{ key: 'name', label: t('rc.name'), cell: (h) => h.name },
				{ key: 'country', label: t('rc.country'), narrow: true, cell: (h) => h.country },
				{ key: 'fields', label: t('rc.fields'), narrow: true, cell: (h) => fields(h.fields_allowed) },
				{ key: 'active', label: t('rc.state'), cell: (h) => badge(h.active ? 'ok' : 'bad', t(h.active ? 'rc.active' : 'rc.inactive')) },
			], history, { sortKey: 'v', dir: -1 }))));
}

// ---- every transfer ----
const BASES = ['consent', 'court_decision', 'law', 'protection_of_rights'];
const PAGE = 200;
const tfFilters = { recipient: '', status: '', basis: '', since: '', until: '' };

/** The query of the filters: the days are the operator's own, from the first day's start to the end of the last. */
function transferQuery(f) {
	const q = new URLSearchParams();
	if (f.recipient) q.set('recipient_id', f.recipient);
	if (f.status) q.set('status', f.status);
	if (f.basis) q.set('legal_basis', f.basis);
	if (f.since) q.set('since', new Date(`${f.since}T00:00:00`).toISOString());
	if (f.until) {
		const end = new Date(`${f.until}T00:00:00`);
		end.setDate(end.getDate() + 1);
		q.set('until', end.toISOString());
	}
	q.set('limit', String(PAGE));
	return q;
}

const countsCell = (x) => el('span.counts', {},
	el('span', { title: t('tf.n.delivered'), class: x.subjects.delivered ? 'ok' : null, text: fmtNum(x.subjects.delivered) }), ' / ',
	el('span', { title: t('tf.n.pending'), text: fmtNum(x.subjects.pending) }), ' / ',
	el('span', { title: t('tf.n.failed'), class: x.subjects.failed ? 'bad' : null, text: fmtNum(x.subjects.failed) }));

function transferTable(items) {
	return table([
		{ key: 'created', label: t('tfl.created'), sort: (x) => x.created_at, cell: (x) => el('a', { href: `#/transfers/${x.id}`, text: fmtDate(x.created_at) }) },
		{ key: 'recipient', label: t('tl.recipient'), sort: (x) => x.recipient.name.toLowerCase(), cell: (x) => x.recipient.name },
		{ key: 'basis', label: t('tl.basis'), narrow: true, sort: (x) => t(`tl.basis.${x.legal_basis}`), cell: (x) => t(`tl.basis.${x.legal_basis}`) },
		{ key: 'people', label: t('tfl.people'), num: true, sort: (x) => x.subjects.requested, cell: (x) => fmtNum(x.subjects.requested) },
		{ key: 'progress', label: t('tfl.progress'), num: true, narrow: true, sort: (x) => x.subjects.pending, cell: countsCell },
		{ key: 'status', label: t('queue.status'), sort: (x) => x.status, cell: (x) => badge(x.status === 'completed' ? 'ok' : '', t(`tf.status.${x.status}`)) },
	], items, { sortKey: 'created', dir: -1, onRow: true });
}

export async function renderTransfers() {
	const f = tfFilters;
	const again = () => redraw(renderTransfers);
	const select = (id, key, options) => {
		const s = el('select', { id, onchange: () => { f[key] = s.value; again(); } },
			el('option', { value: '', text: t('queue.all') }), options.map(([v, text]) => el('option', { value: v, text })));
		s.value = f[key];
		return s;
	};
	const day = (id, key) => el('input', { id, type: 'date', value: f[key], onchange: (ev) => { f[key] = ev.target.value; again(); } });
	const recipients = await all('/v1/recipients');
	if (f.recipient && !recipients.some((r) => r.id === f.recipient)) f.recipient = '';
	const filtered = Object.values(f).some(Boolean);
	const head = [
		el('div.row.head', {}, el('h1', { text: t('tfl.title') }), el('span.spacer'),
			el('a.button.ghost', { href: '#/transfers/subject', id: 'tfl-person', text: t('tfl.person') })),
		el('p.muted', { text: t('tfl.intro') }),
		el('div.row.filters', { id: 'tf-filters' },
			el('label', { for: 'tf-recipient' }, t('tl.recipient'), select('tf-recipient', 'recipient', recipients.map((r) => [r.id, r.name]))),
			el('label', { for: 'tf-status' }, t('queue.status'), select('tf-status', 'status', ['queued', 'completed'].map((x) => [x, t(`tf.status.${x}`)]))),
			el('label', { for: 'tf-basis' }, t('tl.basis'), select('tf-basis', 'basis', BASES.map((x) => [x, t(`tl.basis.${x}`)]))),
			el('label', { for: 'tf-since' }, t('tfl.since'), day('tf-since', 'since')),
			el('label', { for: 'tf-until' }, t('tfl.until'), day('tf-until', 'until')),
			filtered ? el('button.ghost', { type: 'button', id: 'tf-clear', text: t('tfl.clear'),
				onclick: () => { for (const k of Object.keys(f)) f[k] = ''; again(); } }) : ''),
	];
	main.replaceChildren(...head, el('p.muted', { text: '…' }));
	const q = transferQuery(f);
	const first = await api('GET', `/v1/transfers?${q}`);
	if (!first.items.length) {
		main.replaceChildren(...head, filtered ? empty(t('tfl.none'), t('tfl.none.hint'))
			: empty(t('tfl.empty'), t(recipients.length ? 'tfl.empty.hint' : 'tfl.empty.norecipient')));
		return;
	}
	const items = [...first.items];
	let next = first.next_after;
	// a click anywhere on a row opens its transfer, as its link (the first cell's) does from the keyboard
	const box = el('div', { id: 'tf-list', onclick: (ev) => {
		const tr = ev.target.closest('tbody tr[data-id]');
		if (tr && !ev.target.closest('a, button')) location.hash = `#/transfers/${tr.dataset.id}`;
	} });
	const more = el('button.ghost', { type: 'button', id: 'tf-more', text: t('tfl.more'), onclick: async () => {
		more.disabled = true;
		q.set('after', String(next));
		try {
			const page = await api('GET', `/v1/transfers?${q}`);
			items.push(...page.items);
			next = page.next_after;
			draw();
		} catch (e) {
			more.disabled = false;
			showError(e);
		}
	} });
	const shown = el('p.muted.small', { id: 'tf-shown' });
	function draw() {
		box.replaceChildren(transferTable(items));
		shown.textContent = t(next === null ? 'tfl.shown.all' : 'tfl.shown', items.length);
		more.hidden = next === null;
		more.disabled = false;
	}
	draw();
	main.replaceChildren(...head, box, el('div.row', {}, shown, more));
}

// ---- the transfer log: a person's disclosures ----
export async function renderTransferLog(subjectId) {
	const input = el('input', { id: 'tl-subject', type: 'text', spellcheck: 'false', autocomplete: 'off', value: subjectId || '', pattern: '[0-9a-f]{32}', size: 34 });
	const msg = el('p.error', { hidden: true, role: 'alert', text: t('tl.bad_id') });
	const form = el('form.row.filters', {
		novalidate: true,
		onsubmit: (ev) => {
			ev.preventDefault();
			const v = input.value.trim().toLowerCase();
			if (!ID_RE.test(v)) { msg.hidden = false; input.focus(); return; }
			location.hash = `#/transfers/subject/${v}`;
		},
	}, el('label', { for: 'tl-subject' }, t('tl.subject'), input), el('button.primary', { type: 'submit', text: t('tl.show') }));
	const head = [el('p.crumbs', {}, el('a', { href: '#/transfers', text: t('tfl.back') })),
		el('h1', { text: t('tl.title') }), el('p.muted', { text: t('tl.intro') }), form, msg];
	if (!subjectId) { main.replaceChildren(...head, empty(t('tl.none'), t('tl.none.hint'))); input.focus(); return; }
	const items = await all(`/v1/subjects/${subjectId}/transfers`);
	if (!items.length) { main.replaceChildren(...head, empty(t('tl.empty'), t('tl.empty.hint'))); return; }
	main.replaceChildren(...head, el('h2', {}, t('tl.of'), ' ', el('code', { text: subjectId })), table([
		{ key: 'at', label: t('tl.at'), sort: (d) => d.seq, cell: (d) => fmtDate(d.at) },
		{ key: 'recipient', label: t('tl.recipient'), sort: (d) => d.recipient.name, cell: (d) => el('a', { href: `#/recipients/${d.recipient.id}`, text: d.recipient.name }) },
		{ key: 'country', label: t('rc.country'), narrow: true, cell: (d) => countryCell(d.recipient) },
		{ key: 'basis', label: t('tl.basis'), narrow: true, cell: (d) => (d.reference ? `${t(`tl.basis.${d.legal_basis}`)} (${d.reference})` : t(`tl.basis.${d.legal_basis}`)) },
		{ key: 'fields', label: t('rc.fields'), narrow: true, cell: (d) => fields(d.fields) },
		{ key: 'outcome', label: t('tl.outcome'), sort: (d) => d.outcome, cell: (d) => el('span', {}, badge(OUTCOME_CLASS[d.outcome], t(`tl.outcome.${d.outcome}`)),
			d.reason ? el('div.muted.small', { text: t(`tl.reason.${d.reason}`) }) : '') },
		{ key: 'transfer', label: t('tl.transfer'), cell: (d) => el('a', { href: `#/transfers/${d.transfer_id}`, title: d.transfer_id, text: `…${d.transfer_id.slice(-8)}` }) },
	], items, { sortKey: 'at', dir: -1, onRow: true }));
}

// ---- one transfer ----
export async function renderTransfer(id) {
	const x = await api('GET', `/v1/transfers/${id}`);
	const s = x.subjects;
	const batches = x.batches || [];
	main.replaceChildren(
		el('p.crumbs', {}, el('a', { href: '#/transfers', text: t('tfl.back') })),
		el('h1', {}, `${t('tf.title')} `, badge(x.status === 'completed' ? 'ok' : '', t(`tf.status.${x.status}`), 'tf-status')),
		el('div.detail', {},
			el('section.card', {}, el('h2', { text: t('tf.what') }), kv([
				['tl.recipient', el('a', { href: `#/recipients/${x.recipient.id}`, text: `${x.recipient.name} (v${x.recipient.version})` })],
				['rc.country', countryCell(x.recipient)], ['rc.purpose', x.recipient.purpose],
				['tl.basis', t(`tl.basis.${x.legal_basis}`)], ['tf.reference', x.reference || undefined],
				['rc.fields', fields(x.fields)], ['tf.withheld', x.fields_withheld?.length ? fields(x.fields_withheld) : undefined],
				['tf.filed', fmtDate(x.created_at)], ['tf.actor', el('code', { text: x.actor })], ['f.id', el('code', { text: x.id })]])),
			el('section.card', { id: 'tf-counts' }, el('h2', { text: t('tf.persons') }), el('dl.kv', {},
				['requested', 'accepted', 'refused', 'delivered', 'failed', 'pending'].map((k) => [el('dt', { text: t(`tf.n.${k}`) }),
					el('dd', { 'data-count': k, text: fmtNum(s[k]) })])),
			x.refused?.length ? el('details', {}, el('summary', { text: t('tf.refused.list', x.refused.length) }),
				el('ul.plain', {}, x.refused.map((r) => el('li', {}, short(r.subject_id), ' — ', t(`tl.reason.${r.reason}`))))) : '')),
		el('h2.section', { text: t('tf.batches') }),
		batches.length ? table([
			{ key: 'seq', label: '#', sort: (b) => b.seq, cell: (b) => String(b.seq) },
			{ key: 'status', label: t('tl.outcome'), sort: (b) => b.status, cell: (b) => badge(BATCH_CLASS[b.status], t(`tf.batch.${b.status === 'sent' ? 'delivered' : b.status}`)) },
			{ key: 'n', label: t('tf.batch.persons'), cell: (b) => fmtNum(b.subjects) },
			{ key: 'attempts', label: t('n.attempts'), cell: (b) => String(b.attempts) },
			{ key: 'sent', label: t('tf.batch.sent'), narrow: true, cell: (b) => fmtDate(b.sent_at) },
			{ key: 'error', label: t('n.error'), narrow: true, cell: (b) => b.last_error || '—' },
		], batches, { sortKey: 'seq' }) : el('p.muted', { text: t('tf.batches.none') }));
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// Incidents in the console: the list with where each regulator's report stands; recording one, its scope picked
// (everyone, a list of ids, or who registered between two dates) with a live count of the persons it would notify
// (POST /v1/incident-scope-count, asked again as the scope changes, the stale answers dropped); and one incident:
// the delivery of its notices, refreshed while any is queued, the reports due to the regulator 24 and 72 hours
// after detection, recorded against those deadlines, their drafts, and the investigation's texts.
import { api, ApiError, apiText } from './api.js';
import { confirmDialog, el, empty, fmtDate, fmtNum, main, showError, t, ui } from './ui.js';

const CATEGORIES = ['name', 'email', 'phone', 'ip', 'birth_date', 'residence_country', 'consent_records',
	'request_documents', 'request_details', 'notifications'];
const TEXTS = ['causes', 'harm', 'measures', 'results', 'responsible'];
const HOUR = 3600_000;
const REFRESH_MS = 4000;

/** Where a report stands: [badge class, text]. */
function reportState(rep, now = Date.now()) {
	if (rep.sent_at) return rep.met ? ['ok', t('inc.rep.met')] : ['bad', t('inc.rep.late')];
	const left = Date.parse(rep.due) - now;
	if (left < 0) return ['bad', t('inc.rep.overdue')];
	const h = Math.floor(left / HOUR);
	const m = Math.floor((left % HOUR) / 60000);
	return [left < 6 * HOUR ? 'warn' : '', t('inc.rep.left', h, m)];
}

const stateBadge = (rep, id) => {
	const [cls, text] = reportState(rep);
	return el(`span.badge${cls ? '.' + cls : ''}`, { id, text });
};

const localInput = (ms) => {
	const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
	return d.toISOString().slice(0, 16);
};

// ---- the list ----
export async function renderIncidents() {
	const items = [];
	let after = '';
	for (let i = 0; i < 20; i++) {
		const page = await api('GET', `/v1/incidents?limit=1000${after}`);
		items.push(...page.items);
		if (page.next_after === null) break;
		after = `&after=${page.next_after}`;
	}
	const head = el('div.row.head', {}, el('h1', { text: t('inc.title') }), el('span.spacer'),
		ui.role === 'operator' ? el('a.button.primary', { href: '#/incidents/new', id: 'inc-new', text: t('inc.new') }) : '');
	if (!items.length) { main.replaceChildren(head, empty(t('inc.empty'), t('inc.empty.hint'))); return; }
	items.sort((a, b) => b.created_at.localeCompare(a.created_at));
	const rows = items.map((x) => el('tr', { 'data-id': x.id },
		el('td', {}, el('a', { href: `#/incidents/${x.id}`, text: fmtDate(x.detected_at) })),
		el('td.hide-narrow', { text: x.data_categories.map((c) => t(`cat.${c}`)).join(', ') }),
		el('td.num', { text: fmtNum(x.affected) }),
		el('td', {}, el('div.rep-line', {}, el('span.muted', { text: t('inc.rep.initial.short') }), stateBadge(x.regulator.initial)),
			el('div.rep-line', {}, el('span.muted', { text: t('inc.rep.followup.short') }), stateBadge(x.regulator.followup)))));
	main.replaceChildren(head, el('div.table-wrap', {}, el('table.incidents', {},
		el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('inc.detected') }),
			el('th.hide-narrow', { scope: 'col', text: t('inc.categories') }), el('th.num', { scope: 'col', text: t('inc.persons') }),
			el('th', { scope: 'col', text: t('inc.reports') }))),
		el('tbody', {}, rows))));
}

// ---- recording one ----

/** The scope the picker describes, or null when it is not complete yet (no ids, a date missing). */
function scopeOf(form) {
	const kind = form.querySelector('input[name=scope]:checked').value;
	if (kind === 'all') return { all: true };
	if (kind === 'ids') {
		const ids = form.querySelector('#scope-ids').value.split(/[\s,;]+/).filter(Boolean);
		return ids.length ? { subject_ids: ids } : null;
	}
	const from = form.querySelector('#scope-from').value;
	const to = form.querySelector('#scope-to').value;
	if (!from || !to) return null;
	return { registered_from: new Date(`${from}T00:00:00`).toISOString(), registered_to: new Date(`${to}T23:59:59.999`).toISOString() };
}

/** What a 422 about the scope says, in the console's words. */
function scopeFault(e, scope) {
	const f = e.problem?.errors?.[0]?.field || '';
	const m = f.match(/^scope\.subject_ids\[(\d+)\]$/);
	if (m) return t('inc.scope.bad_id', Number(m[1]) + 1, scope.subject_ids?.[Number(m[1])] ?? '');
	if (f === 'scope.subject_ids') return t('inc.scope.too_many');
	if (f.startsWith('scope.registered')) return t('inc.scope.bad_range');
	return t('inc.scope.invalid');
}

function scopePicker(onChange) {
	const radio = (value, label, checked) => el('label.choice', {},
		el('input', { type: 'radio', name: 'scope', value, id: `scope-kind-${value}`, checked, onchange: onChange }), label);
	const ids = el('textarea', { id: 'scope-ids', rows: 4, spellcheck: 'false', placeholder: t('inc.scope.ids.placeholder'), oninput: onChange });
	const from = el('input', { type: 'date', id: 'scope-from', onchange: onChange, oninput: onChange });
	const to = el('input', { type: 'date', id: 'scope-to', onchange: onChange, oninput: onChange });
	return el('fieldset.scope', {},
		el('legend', { text: t('inc.scope') }),
		radio('all', t('inc.scope.all'), true),
		radio('ids', t('inc.scope.ids'), false),
		el('div.sub', { 'data-for': 'ids', hidden: true }, el('label', { for: 'scope-ids' }, t('inc.scope.ids.label'), ids)),
		radio('registered', t('inc.scope.registered'), false),
		el('div.sub.row', { 'data-for': 'registered', hidden: true },
			el('label', { for: 'scope-from' }, t('inc.scope.from'), from), el('label', { for: 'scope-to' }, t('inc.scope.to'), to)),
		el('p.count', { id: 'scope-count', 'aria-live': 'polite' }));
}

export function renderIncidentNew() {
	if (ui.role !== 'operator') { location.hash = '#/incidents'; return; }
	let seq = 0;
	let timer = null;
	let counted = null; // the last count of the scope as it stands, or null
	const form = el('form.card.incident-form', { id: 'inc-form', novalidate: true });
	const countBox = () => form.querySelector('#scope-count');
	async function recount() {
		const mine = ++seq;
		const kind = form.querySelector('input[name=scope]:checked').value;
		for (const d of form.querySelectorAll('.scope .sub')) d.hidden = d.dataset.for !== kind;
		const scope = scopeOf(form);
		counted = null;
		if (!scope) { countBox().className = 'count muted'; countBox().textContent = t('inc.count.incomplete'); return; }
		countBox().className = 'count muted';
		countBox().textContent = t('inc.count.counting');
		try {
			const c = await api('POST', '/v1/incident-scope-count', { scope });
			if (mine !== seq) return;
			counted = c;
			countBox().className = 'count';
			countBox().replaceChildren(el('strong', { id: 'affected-count', text: fmtNum(c.affected) }), ' ',
				t('inc.count.persons'), c.affected_eu ? ` ${t('inc.count.eu', fmtNum(c.affected_eu))}` : '');
		} catch (e) {
			if (mine !== seq) return;
			countBox().className = 'count error';
			countBox().textContent = e instanceof ApiError && e.status === 422 ? scopeFault(e, scope) : t('error.generic', e.message);
		}
	}
	const onChange = () => { clearTimeout(timer); timer = setTimeout(recount, 250); };
	const detected = el('input', { type: 'datetime-local', id: 'inc-detected', required: true, value: localInput(Date.now()) });
	const description = el('textarea', { id: 'inc-description', rows: 4, required: true, maxlength: 8192 });
	const cats = el('fieldset.cats', {}, el('legend', { text: t('inc.categories') }),
		CATEGORIES.map((c) => el('label.choice', {}, el('input', { type: 'checkbox', name: 'cat', value: c }), t(`cat.${c}`))));
	const texts = el('details.texts', {}, el('summary', { text: t('inc.texts.optional') }),
		TEXTS.map((k) => el('label', { for: `inc-${k}` }, t(`inc.f.${k}`), el('textarea', { id: `inc-${k}`, rows: 2, maxlength: 8192 }))));
	const msg = el('div', { id: 'inc-msg', role: 'alert' });
	form.append(
		el('label', { for: 'inc-detected' }, t('inc.detected'), detected),
		el('label', { for: 'inc-description' }, t('inc.description'), description),
		el('p.muted.hint', { text: t('inc.description.hint') }),
		cats, scopePicker(onChange), texts, msg,
		el('div.row.end', {}, el('a.button.ghost', { href: '#/incidents', text: t('cancel') }),
			el('button.danger', { type: 'submit', id: 'inc-submit', text: t('inc.submit') })));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		msg.replaceChildren();
		const categories = [...form.querySelectorAll('input[name=cat]:checked')].map((c) => c.value);
		const faults = [];
		if (!detected.value) faults.push(t('inc.need.detected'));
		if (!description.value.trim()) faults.push(t('inc.need.description'));
		if (!categories.length) faults.push(t('inc.need.categories'));
		if (!counted) faults.push(t('inc.need.scope'));
		if (faults.length) { msg.replaceChildren(el('ul.error', {}, faults.map((f) => el('li', { text: f })))); return; }
		const ok = await confirmDialog(t('inc.confirm', fmtNum(counted.affected)), { danger: true });
		if (!ok) return;
		const body = { detected_at: new Date(detected.value).toISOString(), description: description.value.trim(), data_categories: categories, scope: scopeOf(form) };
		for (const k of TEXTS) { const v = form.querySelector(`#inc-${k}`).value.trim(); if (v) body[k] = v; }
		try {
			const x = await api('POST', '/v1/incidents', body);
			location.hash = `#/incidents/${x.id}`;
		} catch (e) {
			const fields = e.problem?.errors || [];
			msg.replaceChildren(el('ul.error', {}, fields.length
				? fields.map((f) => el('li', { text: `${fieldLabel(f.field)}: ${f.message}` }))
				: el('li', { text: t('error.generic', e.detail || e.message) })));
		}
	});
	main.replaceChildren(el('p.crumbs', {}, el('a', { href: '#/incidents', text: t('inc.back') })),
		el('h1', { text: t('inc.new') }), el('p.muted', { text: t('inc.new.hint') }), form);
	recount();
	detected.focus();
}

function fieldLabel(f) {
	if (f.startsWith('scope')) return t('inc.scope');
	if (f.startsWith('data_categories')) return t('inc.categories');
	if (f === 'detected_at') return t('inc.detected');
	if (f === 'description') return t('inc.description');
	return TEXTS.includes(f) ? t(`inc.f.${f}`) : f;
}

// ---- one incident ----
let refresh = null;

/** Stops the refreshing of an incident's progress (the route changed). */
export function stopIncidentRefresh() {
	clearTimeout(refresh);
	refresh = null;
}

function progressCard(x) {
	const chans = ['email', 'sms'];
	const STATES = ['queued', 'sent', 'failed', 'cancelled'];
	const total = chans.reduce((n, c) => n + STATES.reduce((m, s) => m + x.progress[c][s], 0), 0);
	const sum = (s) => chans.reduce((n, c) => n + x.progress[c][s], 0);
	const bar = el('div.pbar', { role: 'img', 'aria-label': STATES.map((s) => `${t(`inc.p.${s}`)} ${sum(s)}`).join(', ') },
		STATES.map((s) => {
			const seg = el(`span.seg.${s}`);
			seg.style.width = `${total ? (100 * sum(s)) / total : 0}%`;
			return seg;
		}));
	const queued = sum('queued');
	return el('section.card', { id: 'progress', 'aria-labelledby': 'progress-h' },
		el('div.row', {}, el('h2', { id: 'progress-h', text: t('inc.progress') }), el('span.spacer'),
			el('span.muted.small', { id: 'progress-at', text: t('inc.progress.at', new Date().toLocaleTimeString(ui.lang === 'ru' ? 'ru-RU' : 'en-GB')) })),
		bar,
		el('div.table-wrap', {}, el('table', {},
			el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('inc.p.state') }), chans.map((c) => el('th.num', { scope: 'col', text: t(`inc.ch.${c}`) })))),
			el('tbody', {}, STATES.map((s) => el(`tr.${s}`, { 'data-state': s }, el('th', { scope: 'row' }, el(`i.key.${s}`), t(`inc.p.${s}`)),
				chans.map((c) => el(`td.num${s === 'failed' && x.progress[c][s] ? '.bad' : ''}`, { 'data-channel': c, text: fmtNum(x.progress[c][s]) }))))))),
		el('p.muted', { text: queued ? t('inc.progress.going', fmtNum(queued)) : x.last_sent_at ? t('inc.progress.done', fmtDate(x.last_sent_at)) : t('inc.progress.none') }));
}

function reportCard(x, kind) {
	const rep = x.regulator[kind];
	const body = [el('dl.kv', {},
		el('dt', { text: t('inc.rep.due') }), el('dd', { text: fmtDate(rep.due) }),
		el('dt', { text: t('inc.rep.state') }), el('dd', {}, stateBadge(rep, `rep-${kind}-state`)),
		rep.sent_at ? [el('dt', { text: t('inc.rep.sent_at') }), el('dd', { text: fmtDate(rep.sent_at) }),
			el('dt', { text: t('inc.rep.reference') }), el('dd', { id: `rep-${kind}-ref`, text: rep.reference })] : '')];
	if (!rep.sent_at && ui.role === 'operator') {
		const sent = el('input', { type: 'datetime-local', id: `rep-${kind}-sent`, required: true, value: localInput(Date.now()) });
		const ref = el('input', { type: 'text', id: `rep-${kind}-reference`, required: true, maxlength: 256, autocomplete: 'off' });
		const msg = el('p.error', { hidden: true, role: 'alert' });
		body.push(el('form.report', {
			onsubmit: async (ev) => {
				ev.preventDefault();
				msg.hidden = true;
				if (!sent.value || !ref.value.trim()) { msg.hidden = false; msg.textContent = t('inc.rep.need'); return; }
				const ok = await confirmDialog(t('inc.rep.confirm', t(`inc.rep.${kind}`), ref.value.trim()));
				if (!ok) return;
				try {
					await api('POST', `/v1/incidents/${x.id}/regulator-reports`, { kind, sent_at: new Date(sent.value).toISOString(), reference: ref.value.trim() });
					await renderIncident(x.id, t('inc.rep.recorded'));
				} catch (e) {
					msg.hidden = false;
					msg.textContent = e.problem?.errors?.length ? e.problem.errors.map((f) => `${t(`inc.rep.f.${f.field}`)}: ${f.message}`).join('; ') : t('error.generic', e.detail || e.message);
				}
			},
		}, el('div.row', {}, el('label', { for: `rep-${kind}-sent` }, t('inc.rep.sent_at'), sent),
			el('label.grow', { for: `rep-${kind}-reference` }, t('inc.rep.reference'), ref)),
		msg, el('button.primary', { type: 'submit', id: `rep-${kind}-submit`, text: t('inc.rep.record') })));
	}
	const draft = el('pre.draft', { id: `draft-${kind}` });
	body.push(el('details.draft', {
		ontoggle: async (ev) => {
			if (!ev.target.open || draft.textContent) return;
			try { draft.textContent = await apiText(`/v1/incidents/${x.id}/regulator-notice?kind=${kind}`); } catch (e) { draft.textContent = t('error.generic', e.message); }
		},
	}, el('summary', { text: t('inc.rep.draft') }), draft));
	return el('section.card.report-card', { id: `rep-${kind}`, 'aria-labelledby': `rep-${kind}-h` },
		el('h2', { id: `rep-${kind}-h`, text: t(`inc.rep.${kind}`) }), el('p.muted', { text: t(`inc.rep.${kind}.hint`) }), body);
}

function textsCard(x) {
	const view = el('dl.kv', {}, TEXTS.map((k) => [el('dt', { text: t(`inc.f.${k}`) }), el('dd.pre', { text: x[k] || '—' })]));
	if (ui.role !== 'operator') return el('section.card', {}, el('h2', { text: t('inc.texts') }), view);
	const form = el('form.texts-form', { hidden: true }, TEXTS.map((k) => el('label', { for: `edit-${k}` }, t(`inc.f.${k}`),
		el('textarea', { id: `edit-${k}`, rows: 2, maxlength: 8192 }, x[k] || ''))),
	el('div.row.end', {}, el('button.ghost', { type: 'button', text: t('cancel'), onclick: () => { form.hidden = true; view.hidden = false; } }),
		el('button.primary', { type: 'submit', text: t('inc.texts.save') })));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const body = {};
		for (const k of TEXTS) {
			const v = form.querySelector(`#edit-${k}`).value.trim();
			if (v !== (x[k] || '')) body[k] = v || null;
		}
		if (!Object.keys(body).length) { form.hidden = true; view.hidden = false; return; }
		try {
			await api('PATCH', `/v1/incidents/${x.id}`, body);
			await renderIncident(x.id, t('inc.texts.saved'));
		} catch (e) { showError(e); }
	});
	return el('section.card', { id: 'texts' }, el('div.row', {}, el('h2', { text: t('inc.texts') }), el('span.spacer'),
		el('button.ghost', { type: 'button', id: 'texts-edit', text: t('inc.texts.edit'), onclick: () => { form.hidden = false; view.hidden = true; form.querySelector('textarea').focus(); } })),
	view, form);
}

function scopeText(s) {
	if (s.kind === 'registered') return t('inc.scope.registered.text', fmtDate(s.registered_from), fmtDate(s.registered_to));
	return t(s.kind === 'all' ? 'inc.scope.all' : 'inc.scope.ids');
}

/** One incident; a refresh (again) replaces only the progress, so a form being filled in stays as it is. */
export async function renderIncident(id, note, again = false) {
	stopIncidentRefresh();
	const hash = location.hash;
	const x = await api('GET', `/v1/incidents/${id}`);
	if (location.hash !== hash) return;
	const prev = main.querySelector('#progress');
	if (again && prev && main.dataset.incident === id) {
		prev.replaceWith(progressCard(x));
	} else {
		main.dataset.incident = id;
		main.replaceChildren(
			el('p.crumbs', {}, el('a', { href: '#/incidents', text: t('inc.back') })),
			el('h1', { text: t('inc.one', fmtDate(x.detected_at)) }),
			note ? el('p.badge.ok', { role: 'status', text: note }) : '',
			el('div.incident', {},
				el('section.card.what', {}, el('h2', { text: t('inc.what') }),
					el('p.question', { id: 'inc-desc', text: x.description }),
					el('dl.kv', {},
						el('dt', { text: t('inc.detected') }), el('dd', { text: fmtDate(x.detected_at) }),
						el('dt', { text: t('inc.recorded') }), el('dd', { text: fmtDate(x.created_at) }),
						el('dt', { text: t('inc.categories') }), el('dd', { text: x.data_categories.map((c) => t(`cat.${c}`)).join(', ') }),
						el('dt', { text: t('inc.scope') }), el('dd', { text: scopeText(x.scope) }),
						el('dt', { text: t('inc.affected') }), el('dd', { id: 'inc-affected' }, fmtNum(x.affected),
							x.affected_eu ? ` ${t('inc.count.eu', fmtNum(x.affected_eu))}` : ''))),
				progressCard(x),
				el('div.reports', {}, reportCard(x, 'initial'), reportCard(x, 'followup')),
				textsCard(x)));
	}
	const queued = x.progress.email.queued + x.progress.sms.queued;
	if (queued > 0) refresh = setTimeout(() => renderIncident(id, undefined, true).catch(() => {}), REFRESH_MS);
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// The torture campaigns' client: people registered, consents changed, erasure and rectification requests filed,
// given a scan, accepted and executed, by a few workers at once, every acknowledged write (a 2xx received) appended
// to a log file before anything else happens; and the check at the end that reads the log back and compares it with
// what privd answers.
//
// A write whose answer never came (privd was killed, the connection dropped) has an unknown outcome: it is not in
// the log, and the worker reads the person's state again before its next step. What the check demands:
// - every acknowledged write is there: the person (200, or 410 after an erasure that completed), each consent
//   record by its seq in the history, each request step (a request's status at least the one acknowledged);
// - nothing half-done: an erasure completed leaves nothing readable (the person 410, the consent history 410, every
//   check false), one not completed leaves everything (the person as registered); a rectification completed shows
//   the new name, one not completed the old.
import { appendFileSync, readFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { grant, newPerson, request } from '../integration/lib/privd.mjs';
import { makePdf } from '../integration/lib/documents.mjs';

// how many people the final read-back checks at once (verify)
const VERIFY_PARALLEL = 32;

const RANK = { awaiting_document: 1, received: 2, accepted: 3, completed: 4 };
const COOKIE_PURPOSES = ['cookies.preferences', 'cookies.analytics', 'cookies.marketing', 'third_party_transfer'];
const PDF = makePdf();
const MAX_REQUESTS = 5; // a person's requests, at most: one page of GET /v1/requests?subject_id= holds them all

/** The acknowledged writes: one JSON line each, appended synchronously the moment the 2xx arrived. */
export class AckLog {
	constructor(file) {
		this.file = file;
		this.count = 0;
	}

	add(rec) {
		appendFileSync(this.file, `${JSON.stringify(rec)}\n`);
		this.count += 1;
	}

	read() {
		let text = '';
		try { text = readFileSync(this.file, 'utf8'); } catch { return []; }
		return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
	}
}

/**
 * Workers driving writes against whatever privd currently listens at target.url (set by the caller, null while
 * it is down). stats counts outcomes: acked, unknown (no answer), refused (503), and other statuses by code.
 */
export class Workload {
	constructor({ target, keys, log, workers = 4, maxPeople = 400 }) {
		this.target = target;
		this.keys = keys;
		this.log = log;
		this.workers = workers;
		this.maxPeople = maxPeople;
		this.people = [];
		this.running = false;
		this.onExecute = null; // called just before an execution is sent (the crash campaign aims kills with it)
		this.stats = { sent: 0, acked: 0, unknown: 0, refused: 0, statuses: {} };
	}

	/** One HTTP call; { status, json } or { status: 0 } when no answer came. */
	async call(method, p, { as, json, body, headers } = {}) {
		const url = this.target.url;
		if (!url) return { status: 0 };
		this.stats.sent += 1;
		try {
			const r = await request(url, method, p, { key: this.keys[as], json, body, headers });
			if (r.status === 503) {
				this.stats.refused += 1;
				await new Promise((res) => setTimeout(res, 20)); // the store is away: no busy loop
			}
			else if (r.status >= 300) this.stats.statuses[r.status] = (this.stats.statuses[r.status] || 0) + 1;
			return r;
		} catch {
			this.stats.unknown += 1;
			return { status: 0 };
		}
	}

	ack(rec) {
		this.log.add(rec);
		this.stats.acked += 1;
	}

	start() {
		this.running = true;
		this.loops = Array.from({ length: this.workers }, (_, w) => this.loop(w));
	}

	async stop() {
		this.running = false;
		await Promise.all(this.loops || []);
	}

	async loop(w) {
		const mine = [];
		while (this.running) {
			if (!this.target.url) {
				await new Promise((r) => setTimeout(r, 20));
				continue;
			}
			const live = mine.filter((p) => !p.gone);
			if (live.length < 3 || (this.people.length < this.maxPeople && randomInt(100) < 25)) {
				const p = await this.register();
				if (p) mine.push(p);
				continue;
			}
			const p = live[randomInt(live.length)];
			if (p.doubt) await this.refresh(p);
			else if (randomInt(100) < 50) await this.consent(p);
			else await this.step(p);
		}
	}

	async register() {
		const body = newPerson();
		const r = await this.call('POST', '/v1/subjects', { as: 'app', json: body });
		if (r.status !== 201) return null;
		const p = { id: r.json.id, name: body.name, email: r.json.email, phone: r.json.phone, req: null, done: [],
			doubt: false, gone: false };
		this.ack({ op: 'register', id: p.id, name: p.name, email: p.email, phone: p.phone });
		this.people.push(p);
		return p;
	}

	async consent(p) {
		const purpose = COOKIE_PURPOSES[randomInt(COOKIE_PURPOSES.length)];
		const json = randomInt(2) ? grant(purpose) : { purpose, granted: false };
		const r = await this.call('POST', `/v1/subjects/${p.id}/consents`, { as: 'app', json });
		if (r.status === 201) this.ack({ op: 'consent', id: p.id, seq: r.json.seq, purpose, granted: json.granted });
		else this.judge(p, r);
	}

	/** What an answer other than success says: no answer → read again before the next step; 410 → erased. */
	judge(p, r) {
		if (r.status === 0) p.doubt = true;
		else if (r.status === 410) p.doubt = true;
	}

	/** The next step of the person's request: file one (an erasure or a rectification), attach, accept, execute. */
	async step(p) {
		const q = p.req;
		if (q === null) {
			const type = randomInt(100) < 50 ? 'erase' : 'rectify';
			const newName = `Пётр Исправленный ${randomInt(1e9)}`;
			const json = type === 'rectify' ? { type, details: { fields: { name: newName } } } : { type };
			p.req = { id: null, type, newName: type === 'rectify' ? newName : null, status: null };
			const r = await this.call('POST', `/v1/subjects/${p.id}/requests`, { as: 'app', json });
			if (r.status === 201) {
				p.req.id = r.json.id;
				p.req.status = 'awaiting_document';
				this.ack({ op: 'request', id: p.id, request: p.req.id, type, status: 'awaiting_document',
					new_name: p.req.newName });
			} else if (r.status === 0) p.doubt = true;
			else p.req = null;
			return;
		}
		if (q.status === 'completed') {
			if (q.type === 'erase') p.gone = true;
			else if (p.done.length < MAX_REQUESTS - 1) { // a person may ask again, so executions go on in long runs
				p.done.push(q.id);
				p.req = null;
			}
			return;
		}
		let r;
		let next;
		if (q.status === 'awaiting_document') {
			next = 'received';
			r = await this.call('PUT', `/v1/requests/${q.id}/document`, { as: 'app', body: PDF,
				headers: { 'content-type': 'application/pdf' } });
		} else if (q.status === 'received') {
			next = 'accepted';
			r = await this.call('POST', `/v1/requests/${q.id}/decision`, { as: 'operator', json: { action: 'accept' } });
		} else {
			next = 'completed';
			if (this.onExecute) this.onExecute(q.type);
			r = await this.call('POST', `/v1/requests/${q.id}/execute`, { as: 'operator' });
		}
		if (r.status === 200 && r.json?.status === next) {
			q.status = next;
			this.ack({ op: 'request', id: p.id, request: q.id, type: q.type, status: next, new_name: q.newName });
			if (next === 'completed' && q.type === 'erase') p.gone = true;
		} else if (r.status !== 503) p.doubt = true;
	}

	/** After an unknown outcome: the person's request as privd has it now (one filed without an answer included). */
	async refresh(p) {
		const r = await this.call('GET', `/v1/requests?subject_id=${p.id}&limit=10`, { as: 'operator' });
		if (r.status !== 200) return;
		const items = r.json.items || [];
		if (p.req && p.req.id === null) {
			const found = items.find((q) => q.type === p.req.type && !p.done.includes(q.id));
			if (found) p.req.id = found.id;
			else p.req = null;
		}
		if (p.req) {
			const q = items.find((x) => x.id === p.req.id);
			if (q) p.req.status = q.status;
		}
		if (p.req?.type === 'erase' && p.req.status === 'completed') p.gone = true;
		p.doubt = false;
	}
}

// -----------------------------------------------------------------------------------------------------------------
// the check at the end

async function getJson(base, keys, p, as) {
	for (let i = 0; i < 20; i++) {
		try {
			return await request(base, 'GET', p, { key: keys[as] });
		} catch (e) {
			if (i === 19) throw e;
			await new Promise((r) => setTimeout(r, 250));
		}
	}
	throw new Error('unreachable');
}

async function consentSeqs(base, keys, id) {
	const seqs = new Set();
	let after = '';
	for (let page = 0; page < 1000; page++) {
		const r = await getJson(base, keys, `/v1/subjects/${id}/consents?limit=100${after}`, 'app');
		if (r.status !== 200) return { status: r.status, seqs };
		for (const h of r.json.history) seqs.add(h.seq);
		if (r.json.next_after === null || r.json.next_after === undefined) return { status: 200, seqs };
		after = `&after=${r.json.next_after}`;
	}
	return { status: 200, seqs };
}

/**
 * Reads every acknowledged write of the log back through the API at base. Returns { people, lost: [..],
 * halfDone: [..] } with one line of explanation per problem (ids only: no personal data).
 */
export async function verify(base, keys, log) {
	const recs = log.read();
	const people = new Map();
	for (const rec of recs) {
		if (rec.op === 'register') people.set(rec.id, { reg: rec, consents: [], reqs: new Map() });
	}
	const lost = [];
	const halfDone = [];
	for (const rec of recs) {
		const p = people.get(rec.id);
		if (!p) {
			if (rec.op !== 'register') lost.push(`${rec.op} of ${rec.id}: its registration is not in the log`);
			continue;
		}
		if (rec.op === 'consent') p.consents.push(rec.seq);
		if (rec.op === 'request') {
			const prev = p.reqs.get(rec.request);
			if (!prev || RANK[rec.status] > RANK[prev.status]) p.reqs.set(rec.request, rec);
		}
	}
	// Each read of a person is an audited disclosure, a durable write of its own: read one at a time, a million
	// writes took longer to read back than to make. VERIFY_PARALLEL people at a time share the writer's group commits.
	const checkOne = async (id, p) => {
		const s = await getJson(base, keys, `/v1/subjects/${id}`, 'operator');
		const rl = await getJson(base, keys, `/v1/requests?subject_id=${id}&limit=100`, 'operator');
		if (rl.status !== 200) {
			lost.push(`requests of ${id}: ${rl.status}`);
			return;
		}
		const server = rl.json.items;
		const erased = server.some((q) => q.type === 'erase' && q.status === 'completed');
		// the name is the one of the rectification completed last (the old one when none was)
		const done = server.filter((q) => q.type === 'rectify' && q.status === 'completed');
		const last = done.reduce((a, q) => ((q.completed_at ?? '') > a ? q.completed_at : a), '');
		const rectified = done.length > 0;
		for (const [rid, rec] of p.reqs) {
			const q = server.find((x) => x.id === rid);
			if (!q) lost.push(`request ${rid} of ${id} (acknowledged ${rec.status}) is missing`);
			else if (RANK[q.status] < RANK[rec.status]) {
				lost.push(`request ${rid} of ${id} is ${q.status}, acknowledged ${rec.status}`);
			}
		}
		if (s.status === 410) {
			if (!erased) lost.push(`subject ${id} answers 410 without a completed erasure`);
			const h = await getJson(base, keys, `/v1/subjects/${id}/consents`, 'app');
			if (h.status !== 410) halfDone.push(`subject ${id} erased, its consent history answers ${h.status}`);
			const c = await getJson(base, keys, `/v1/subjects/${id}/consents/processing`, 'app');
			if (c.status !== 200 || c.json.granted !== false) {
				halfDone.push(`subject ${id} erased, its processing check answers ${c.status} granted=${c.json?.granted}`);
			}
			return;
		}
		if (s.status !== 200) {
			lost.push(`subject ${id}: ${s.status}`);
			return;
		}
		if (erased) halfDone.push(`subject ${id}: erasure completed, data still readable`);
		const nameOf = (q) => [...p.reqs.values()].find((r) => r.request === q.id)?.new_name
			?? q.details?.fields?.name ?? null;
		const want = rectified ? done.filter((q) => (q.completed_at ?? '') === last).map(nameOf) : [p.reg.name];
		if (!want.includes(null) && !want.includes(s.json.name)) {
			halfDone.push(`subject ${id}: name does not match the ${rectified ? 'completed' : 'unexecuted'} rectification`);
		}
		if (s.json.email !== p.reg.email || s.json.phone !== p.reg.phone) {
			lost.push(`subject ${id}: e-mail or phone differ from the registration`);
		}
		const h = await consentSeqs(base, keys, id);
		if (h.status !== 200) lost.push(`consents of ${id}: ${h.status}`);
		for (const seq of p.consents) if (!h.seqs.has(seq)) lost.push(`consent record ${seq} of ${id} is missing`);
	};
	const all = [...people];
	let next = 0;
	await Promise.all(Array.from({ length: VERIFY_PARALLEL }, async () => {
		while (next < all.length) {
			const [id, p] = all[next++];
			await checkOne(id, p);
		}
	}));
	return { people: people.size, records: recs.length, lost, halfDone };
}

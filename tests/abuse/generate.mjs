// SPDX-License-Identifier: AGPL-3.0-or-later
// The malformed-request generator of the abuse campaign: given a seed and a request's number, the same bytes
// every time. It knows no route by heart: the routes and their roles come from `privd routes` (the router table),
// the bodies from the request schemas and examples of docs/openapi.yaml, and each request is a valid one taken
// apart in one of the ways an attacker on the internet tries first — bad JSON, wrong types, huge numbers,
// 10,000-deep nesting, duplicate keys, invalid UTF-8, NUL bytes, header floods, bad and conflicting
// Content-Length, chunked bodies, bad methods, odd percent-encoding. Every request carries a marker, a string
// found nowhere else, planted in the value the mutation is about (and in a header): an answer that holds it
// echoed what the client sent.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';

// ---------------------------------------------------------------------------------------------------------------
// a small seeded generator (sfc32 seeded through splitmix32), one stream per request

function splitmix32(a) {
	return () => {
		a = (a + 0x9e3779b9) | 0;
		let z = a;
		z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
		z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
		return (z ^ (z >>> 16)) >>> 0;
	};
}

/** The random stream of request `index` under `seed` (both 32-bit unsigned integers). */
export function stream(seed, index) {
	const sm = splitmix32((seed ^ Math.imul(index + 1, 0x27d4eb2d)) >>> 0);
	let a = sm();
	let b = sm();
	let c = sm();
	let d = sm();
	const next = () => {
		const t = (((a + b) | 0) + d) | 0;
		d = (d + 1) | 0;
		a = b ^ (b >>> 9);
		b = (c + (c << 3)) | 0;
		c = (c << 21) | (c >>> 11);
		c = (c + t) | 0;
		return t >>> 0;
	};
	const r = {
		next,
		int: (n) => next() % n,
		range: (lo, hi) => lo + (next() % (hi - lo + 1)),
		chance: (p) => next() / 4294967296 < p,
		pick: (arr) => arr[next() % arr.length],
		hex: (n) => {
			let s = '';
			while (s.length < n) s += next().toString(16).padStart(8, '0');
			return s.slice(0, n);
		},
		bytes: (n) => {
			const b = Buffer.alloc(n);
			for (let i = 0; i < n; i++) b[i] = next() & 0xff;
			return b;
		},
	};
	return r;
}

/**
 * The markers of request `index`: lower-case letters and digits, so that no case folding or escaping hides them;
 * `value` is the one a valid body stores, `marker` every other.
 */
export function markersOf(seed, index) {
	const r = stream(seed ^ 0x5bd1e995, index);
	const base = `zq${r.hex(6)}${index.toString(36)}`;
	return { marker: `${base}mk`, value: `${base}mv` };
}

// ---------------------------------------------------------------------------------------------------------------
// bodies from docs/openapi.yaml

/** A path with its parameter names erased: /v1/subjects/{id} and /v1/cookie-consents/{visitor_id} both end in {}. */
export const normPath = (p) => p.replace(/\{[^}/]*\}/g, '{}');

/**
 * Reads the OpenAPI document; returns a Map from "METHOD normPath" to { contentTypes, samples (valid bodies),
 * query (names of query parameters) }.
 */
export function loadOperations(file) {
	const doc = YAML.parse(readFileSync(file, 'utf8'));
	const resolve = (s) => {
		let seen = 0;
		while (s && s.$ref && seen++ < 20) {
			s = s.$ref.replace(/^#\//, '').split('/').reduce((o, k) => o?.[k.replace(/~1/g, '/')], doc);
		}
		return s || {};
	};
	const ops = new Map();
	for (const [p, item] of Object.entries(doc.paths || {})) {
		for (const [m, op] of Object.entries(item)) {
			if (!['get', 'post', 'put', 'patch', 'delete', 'options', 'head'].includes(m)) continue;
			const params = [...(item.parameters || []), ...(op.parameters || [])].map(resolve);
			const query = params.filter((x) => x.in === 'query').map((x) => ({ name: x.name, schema: resolve(x.schema) }));
			const content = resolve(op.requestBody).content || {};
			const samples = [];
			for (const media of Object.values(content)) {
				if (media.example !== undefined) samples.push(media.example);
				for (const ex of Object.values(media.examples || {})) if (ex.value !== undefined) samples.push(ex.value);
				if (media.schema && !samples.length) samples.push(sample(resolve, media.schema, 0));
			}
			ops.set(`${m.toUpperCase()} ${normPath(p)}`, { contentTypes: Object.keys(content), samples, query });
		}
	}
	return ops;
}

/** A valid-looking value of a schema: its example, default or first enum member, else built from its type. */
function sample(resolve, s, depth) {
	s = resolve(s);
	if (s.example !== undefined) return s.example;
	if (s.default !== undefined) return s.default;
	if (Array.isArray(s.enum)) return s.enum[0];
	for (const k of ['allOf', 'oneOf', 'anyOf']) if (Array.isArray(s[k]) && s[k].length) return sample(resolve, s[k][0], depth);
	const type = Array.isArray(s.type) ? s.type[0] : s.type;
	if (depth > 4) return null;
	switch (type) {
	case 'object': {
		const o = {};
		const props = s.properties || {};
		for (const k of s.required || Object.keys(props).slice(0, 3)) o[k] = sample(resolve, props[k] || {}, depth + 1);
		return o;
	}
	case 'array': return [sample(resolve, s.items || {}, depth + 1)];
	case 'integer': return s.minimum ?? 1;
	case 'number': return s.minimum ?? 1.5;
	case 'boolean': return true;
	case 'string':
		switch (s.format) {
		case 'date': return '2026-01-15';
		case 'date-time': return '2026-01-15T10:00:00Z';
		case 'email': return 'someone@example.org';
		case 'binary': return '';
		default: return 'x';
		}
	default: return 'x';
	}
}

// ---------------------------------------------------------------------------------------------------------------
// JSON with the faults JSON.stringify cannot write

const RAW = Symbol('raw');
/** A piece of JSON text written as it is (a number no double holds, a string with invalid UTF-8, a NUL). */
const raw = (bytes) => ({ [RAW]: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1') });
const DUP = Symbol('duplicates');

/** Serialises v to bytes; raw() pieces verbatim; an object's [DUP] members written again after its own. */
function encode(v, out = []) {
	if (v && v[RAW]) out.push(v[RAW]);
	else if (Array.isArray(v)) {
		out.push(Buffer.from('['));
		v.forEach((x, i) => {
			if (i) out.push(Buffer.from(','));
			encode(x, out);
		});
		out.push(Buffer.from(']'));
	} else if (v && typeof v === 'object') {
		out.push(Buffer.from('{'));
		const entries = [...Object.entries(v), ...(v[DUP] || [])];
		entries.forEach(([k, x], i) => {
			if (i) out.push(Buffer.from(','));
			out.push(Buffer.from(JSON.stringify(k) + ':'));
			encode(x, out);
		});
		out.push(Buffer.from('}'));
	} else out.push(Buffer.from(JSON.stringify(v) ?? 'null'));
	return out;
}
const toBytes = (v) => Buffer.concat(encode(v));

const HUGE_NUMBERS = ['1e999999', '-1e999999', '123456789012345678901234567890', '1e-400', '-0', '0.0000000000e-999',
	'18446744073709551616', '9223372036854775808', '-9223372036854775809', '4294967296', '1.7976931348623157e309',
	'00012', '1.', '.5', '+1', '0x10', 'NaN', 'Infinity', '-Infinity', '1e', '9'.repeat(400)];
const BAD_UTF8 = [[0xff], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80],
	[0xc3], [0xf0, 0x9f, 0x98], [0xfe, 0xfe, 0xff, 0xff]];
const BAD_ESCAPES = ['\\ud800', '\\udc00\\ud800', '\\u0000', '\\x41', '\\u12', '\\uZZZZ', '\\', '\\U0041', '\\u00'];

/** A value of a type the member does not have (a string among them: a value, so the value marker). */
function wrongType(r, m) {
	return r.pick([
		() => 12345, () => -1, () => 0.5, () => true, () => false, () => null, () => [], () => [m], () => ({}),
		() => ({ [m]: m }), () => m, () => '', () => ' ', () => [[[[m]]]], () => raw(r.pick(HUGE_NUMBERS)),
	])();
}

/** The paths of every member of a JSON value, as arrays of keys/indices. */
function memberPaths(v, prefix = [], out = []) {
	if (v && typeof v === 'object') {
		for (const [k, x] of Object.entries(v)) {
			const p = [...prefix, Array.isArray(v) ? Number(k) : k];
			out.push(p);
			memberPaths(x, p, out);
		}
	}
	return out;
}

function setAt(v, p, x) {
	let o = v;
	for (let i = 0; i < p.length - 1; i++) o = o[p[i]];
	o[p[p.length - 1]] = x;
}

function nested(depth, open, close, inner) {
	return raw(Buffer.concat([Buffer.from(open.repeat(depth)), Buffer.from(inner), Buffer.from(close.repeat(depth))]));
}

/**
 * One body mutation: { body (Buffer), what (a name) }. A valid body carries `mv`, the value marker, in one of its
 * string members (a successful write may return what it stored); every other mutation plants `m`.
 */
function jsonBody(r, template, m, mv) {
	const v = structuredClone(template ?? {});
	const obj = v && typeof v === 'object' && !Array.isArray(v);
	const paths = memberPaths(v);
	const at = paths.length ? r.pick(paths) : null;
	const kinds = {
		valid: () => {
			const strs = paths.filter((p) => typeof p.reduce((o, k) => o?.[k], v) === 'string');
			if (strs.length) setAt(v, r.pick(strs), r.chance(0.5) ? mv : `${mv} Иванов`);
			return { body: toBytes(v) };
		},
		wrong_type: () => {
			if (at) setAt(v, at, wrongType(r, mv));
			else if (obj) v[m] = wrongType(r, mv);
			return { body: toBytes(v) };
		},
		huge_number: () => {
			if (at) setAt(v, at, raw(r.pick(HUGE_NUMBERS)));
			if (obj) v[m] = raw(r.pick(HUGE_NUMBERS));
			return { body: toBytes(v) };
		},
		deep_nesting: () => {
			const depth = r.pick([10_000, 10_000, 2_049, 100_000]);
			const [open, close] = r.pick([['[', ']'], ['{"a":', '}'], ['[{"x":', '}]']]);
			const deep = nested(depth, open, close, JSON.stringify(m));
			if (at && r.chance(0.5)) setAt(v, at, deep);
			else if (obj) v[m] = deep;
			else return { body: deep[RAW] };
			return { body: toBytes(v) };
		},
		duplicate_keys: () => {
			const keys = obj ? Object.keys(v) : [];
			const k = keys.length ? r.pick(keys) : 'name';
			const dups = [[k, r.chance(0.5) ? m : wrongType(r, mv)]];
			for (let i = r.int(50); i > 0; i--) dups.push([k, m]);
			if (obj) v[DUP] = dups;
			else return { body: toBytes({ [DUP]: dups }) };
			return { body: toBytes(v) };
		},
		invalid_utf8: () => {
			const bad = Buffer.from(r.pick(BAD_UTF8));
			const s = raw(Buffer.concat([Buffer.from(`"${m}`), bad, Buffer.from('x"')]));
			if (at && r.chance(0.6)) setAt(v, at, s);
			else if (obj && r.chance(0.5)) {
				// in a member's name
				return { body: Buffer.concat([Buffer.from(`{"${m}`), bad, Buffer.from('":1}')]) };
			} else return { body: Buffer.concat([toBytes(v).subarray(0, -1), Buffer.from(','), bad, Buffer.from('}')]) };
			return { body: toBytes(v) };
		},
		nul: () => {
			const s = r.pick([raw(`"${m}\u0000tail"`), raw(`"${m}\\u0000tail"`), raw(`"\u0000${m}"`)]);
			if (at) setAt(v, at, s);
			else if (obj) v[m] = s;
			const b = toBytes(v);
			if (r.chance(0.3)) return { body: Buffer.concat([b, Buffer.from([0]), Buffer.from(m)]) };
			return { body: b };
		},
		bad_escape: () => {
			const s = raw(`"${m}${r.pick(BAD_ESCAPES)}"`);
			if (at) setAt(v, at, s);
			else if (obj) v[m] = s;
			return { body: toBytes(v) };
		},
		unknown_member: () => {
			if (obj) v[m] = r.pick([m, 1, true, null]);
			else return { body: toBytes({ [m]: m }) };
			if (r.chance(0.3) && at) {
				let o = v;
				for (const k of at.slice(0, -1)) o = o[k];
				if (o && typeof o === 'object' && !Array.isArray(o)) o[`${m}x`] = m;
			}
			return { body: toBytes(v) };
		},
		missing_member: () => {
			if (at) {
				let o = v;
				for (const k of at.slice(0, -1)) o = o[k];
				if (Array.isArray(o)) o.splice(at[at.length - 1], 1);
				else delete o[at[at.length - 1]];
			}
			if (obj) v[`${m}`] = undefined;
			return { body: toBytes(v) };
		},
		syntax: () => {
			const b = toBytes(obj ? { ...v, note: m } : v).toString('latin1');
			const cut = r.int(Math.max(1, b.length));
			const text = r.pick([
				() => b.slice(0, cut),
				() => `${b.slice(0, -1)},}`,
				() => b.replace(/"/g, "'"),
				() => `${b}${m}`,
				() => `${b}${b}`,
				() => `/* ${m} */${b}`,
				() => `{${m}:1}`,
				() => `\ufeff${b}`,
				() => `[${b},]`,
				() => `{"${m}"}`,
				() => `{"a":${m}}`,
				() => ' \t\r\n',
				() => '',
				() => `"${m}"`,
				() => 'null',
				() => `[${b}]`,
				() => '0',
				() => `${b.slice(0, cut)}\u0000${b.slice(cut)}`,
			])();
			return { body: Buffer.from(text, text.includes('\ufeff') ? 'utf8' : 'latin1') };
		},
		oversized: () => {
			const n = r.pick([64 * 1024 + 1, 70_000, 300_000, 1_100_000]);
			const pad = `${m} `.repeat(Math.ceil(n / (m.length + 1))).slice(0, n);
			if (obj) v.note = pad;
			return { body: obj ? toBytes(v) : Buffer.from(JSON.stringify(pad)) };
		},
		many_members: () => {
			const o = obj ? v : {};
			for (let i = r.range(1_000, 20_000); i > 0; i--) o[`${m}${i}`] = i;
			return { body: toBytes(o) };
		},
	};
	const what = r.pick(Object.keys(kinds));
	return { what, ...kinds[what]() };
}

// ---------------------------------------------------------------------------------------------------------------
// the request line, the headers, the framing

const METHODS_ODD = ['get', 'Get', 'FOO', 'TRACE', 'CONNECT', 'PROPFIND', 'PRI', 'G ET', 'GET\u0000', 'POST\t', 'M'.repeat(300),
	'QUERY', 'BREW', 'PATCH ', 'DEL\u00c9TE', '', 'OPTIONS', 'HEAD'];

/** A route's path with its parameters filled from the fixtures (or odd values). */
function fillPath(r, route, fx, m) {
	const segs = route.path.split('/');
	return segs.map((s, i) => {
		if (!/^\{.*\}$/.test(s)) return s;
		const owner = segs[i - 1];
		if (s === '{purpose}') return r.pick(['processing', 'third_party_transfer', 'cookies.analytics', m]);
		const pool = fx.ids[owner] || [];
		if (pool.length && r.chance(0.85)) return r.pick(pool);
		return r.pick([r.hex(32), m, `${r.hex(32)}${m}`, '0', r.hex(31)]);
	}).join('/');
}

/** Odd percent-encodings and targets around a path; the marker planted in the target. */
function oddTarget(r, p, m) {
	const segs = p.split('/');
	const i = r.range(1, Math.max(1, segs.length - 1));
	const withSeg = (x) => [...segs.slice(0, i), x, ...segs.slice(i + 1)].join('/');
	return r.pick([
		() => withSeg(`${segs[i] || ''}%00${m}`),
		() => withSeg(`${segs[i] || ''}%${m.slice(2, 4)}%zz%`),
		() => withSeg(`%2e%2e%2f${m}`),
		() => `${p}/../${m}`,
		() => `${p}%2f${m}`,
		() => `${p}/${m}`,
		() => `${p}//`,
		() => `//${p}`,
		() => `${p}?${m}=%00&${m}=%ff%fe&=&&%=`,
		() => `${p}?${'a=1&'.repeat(r.range(100, 3000))}${m}=1`,
		() => `${p}?after=${m}&limit=${r.pick(['-1', '99999999999999999999', '1e3', 'abc', '%00'])}`,
		() => `${p}?lang=${m}%c0%af&language=%ef%bf%bf${m}`,
		() => `${p}#${m}`,
		() => `http://127.0.0.1${p}?q=${m}`,
		() => `${p.toUpperCase()}${m}`,
		() => withSeg(`%c0%ae%c0%ae${m}`),
		() => withSeg(`%25${m}%2525`),
		() => `${p}?${m}`,
		() => `${p};${m}`,
		() => withSeg(`${m}%u0041`),
		() => `*`,
		() => `${p}?purpose=${m}&format=${m}&kind=${m}&status=${m}&version=${m}`,
		() => `${p}?${'x'.repeat(r.pick([8_000, 40_000, 120_000]))}${m}`,
		() => withSeg(`${'%41'.repeat(r.range(100, 5000))}${m}`),
	])();
}

/** A request's bytes from its parts; headers in order, duplicates allowed. */
function assemble(line, headers, body, eol = '\r\n') {
	const head = `${line}${eol}${headers.map(([k, v]) => `${k}: ${v}`).join(eol)}${headers.length ? eol : ''}${eol}`;
	return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

function chunked(r, body, m) {
	const parts = [];
	let i = 0;
	while (i < body.length) {
		const n = Math.min(body.length - i, r.range(1, 4096));
		const ext = r.chance(0.1) ? `;${m}=1` : '';
		parts.push(Buffer.from(`${n.toString(16)}${ext}\r\n`), body.subarray(i, i + n), Buffer.from('\r\n'));
		i += n;
	}
	parts.push(Buffer.from(r.chance(0.2) ? `0\r\nX-Trailer: ${m}\r\n\r\n` : '0\r\n\r\n'));
	return Buffer.concat(parts);
}

/**
 * A chunked body taken apart: the framing is wrong, but the request is whole (privd has all it will get), or a
 * chunk claims more than any body may have and more than the route's limit follows (`big`: not on a route of
 * documents, whose limit is 10 MiB). A chunk that claims more than is sent is a slow client, not a malformed one.
 */
function badChunked(r, body, m, big) {
	if (big && r.chance(0.3)) {
		const size = r.pick(['ffffffffffffffff', '100000000', '7fffffffffffffff', 'fffffff']);
		// past the largest JSON limit (1 MiB, a batch's): the route's 413 comes at once
		return Buffer.concat([Buffer.from(`${size}\r\n${m}`), Buffer.alloc(1_100_000, 0x61)]);
	}
	return Buffer.from(r.pick([
		() => `fffffffffffffffffffff\r\n${m}\r\n`,
		() => `-1\r\n${m}\r\n0\r\n\r\n`,
		() => `zz\r\n${m}\r\n0\r\n\r\n`,
		() => `${m}\r\n\r\n`,
		() => `5\r\n${m}\r\n0\r\n\r\n`,
		() => `3 \r\n{}\r\n0\r\n\r\n`,
		() => `0x3\r\n{}\r\n0\r\n\r\n`,
		() => `${'0'.repeat(2000)}3\r\n${body.subarray(0, 3).toString('latin1')}\r\n0\r\n\r\n`,
		() => `2\n{}\n0\n\n`,
		() => `2;${'e'.repeat(9000)}${m}\r\n{}\r\n0\r\n\r\n`,
		() => `0\r\n${`X-T: ${m}\r\n`.repeat(500)}\r\n`,
	])(), 'latin1');
}

/**
 * Request `index` under `seed`. ctx: { routes [{method,path,roles}], ops (loadOperations), fx (fixtures: keys by
 * role, portal cookie, ids by the path segment that owns them), documents ([Buffer]) }.
 * Returns { index, marker, value (the marker a valid body stores: a successful write may return it), kind (what was
 * done, for the report), tags (every fault in it: method, version, framing, coding, ...), route, method, bytes, head
 * (a HEAD request: no body) }.
 */
export function generate(seed, index, ctx) {
	const r = stream(seed, index);
	const { marker: m, value: mv } = markersOf(seed, index);
	const route = r.chance(0.03) ? { method: r.pick(['GET', 'POST']), path: `/v1/${m}`, roles: ['public'] } : r.pick(ctx.routes);
	let method = route.method;
	const op = ctx.ops.get(`${method} ${normPath(route.path)}`) || { contentTypes: [], samples: [], query: [] };
	let target = fillPath(r, route, ctx.fx, m);
	const role = r.pick(route.roles);
	const headers = [['Host', '127.0.0.1']];
	const auth = () => {
		if (role === 'subject' && ctx.fx.cookie) {
			headers.push(['Cookie', `privd_portal=${ctx.fx.cookie}`], ['X-Privd-Portal', '1']);
		} else if (ctx.fx.keys[role]) headers.push(['Authorization', `Bearer ${ctx.fx.keys[role]}`]);
	};
	auth();
	if (r.chance(0.5)) headers.push(['User-Agent', `abuse/${m}`]);
	const hasBody = ['POST', 'PUT', 'PATCH'].includes(method);
	const docRoute = op.contentTypes.length > 0 && !op.contentTypes.includes('application/json');
	let ctype = docRoute ? r.pick(op.contentTypes) : 'application/json';
	let body = Buffer.alloc(0);
	let what = 'none';
	if (hasBody || r.chance(0.05)) {
		if (docRoute) {
			const doc = r.pick(ctx.documents);
			const cut = r.chance(0.5) ? doc : doc.subarray(0, r.int(doc.length + 1));
			body = r.chance(0.3) ? Buffer.concat([cut, Buffer.from(m), r.bytes(r.int(2000))]) : cut;
			what = 'document';
		} else {
			const tpl = op.samples.length ? r.pick(op.samples) : {};
			({ body, what } = jsonBody(r, tpl, m, mv));
		}
	}
	let kind = `body.${what}`;
	let eol = '\r\n';
	let version = 'HTTP/1.1';
	let framing = r.pick(['length', 'length', 'length', 'length', 'length', 'length', 'chunked', 'odd']);
	if (!hasBody && body.length === 0 && framing === 'chunked') framing = 'length';
	// the request line and headers, taken apart in one of the usual ways (or left alone)
	const twist = r.pick(['none', 'none', 'none', 'none', 'method', 'target', 'headers', 'flood', 'auth', 'nul',
		'version', 'ctype', 'lines']);
	const tags = [];
	if (twist !== 'none') {
		kind = twist;
		tags.push(twist);
	}
	switch (twist) {
	case 'method': method = r.pick(METHODS_ODD); break;
	case 'target': target = oddTarget(r, target, m); break;
	case 'headers':
		headers.push(...r.pick([
			() => [[`X-${m}`, m]],
			() => [['X-Long', `${m}${'v'.repeat(r.pick([4000, 16_000, 70_000]))}`]],
			() => [[`${m}${'N'.repeat(r.pick([1000, 9000]))}`, '1']],
			() => [['Accept-Language', `${m},${'ru;q=0.5,'.repeat(r.range(10, 2000))}`]],
			() => [['Origin', `https://${m}.example`], ['Sec-GPC', m]],
			() => [['X-Forwarded-Proto', m], ['X-Forwarded-For', `${m}, 10.0.0.1`], ['Forwarded', `for=${m}`]],
			() => [['Expect', `100-${m}`]],
			() => [['Idempotency-Key', `${m}${'k'.repeat(r.int(500))}`]],
			() => [['If-None-Match', `"${m}"`], ['If-Match', m]],
			() => [['Content-Type', `application/json; charset=${m}`]],
			() => [['Connection', `${m}, close`]],
			() => [['X-\u00e9', `\u00ff${m}`]],
			() => [['Bad Header', m]],
			() => [[`:${m}`, '1']],
			() => [['Host', m]],
			() => [['Range', `bytes=${m}`]],
		])());
		break;
	case 'flood': {
		const n = r.pick([100, 1_000, 5_000, 20_000]);
		const name = r.chance(0.5) ? 'X-Flood' : null;
		for (let i = 0; i < n; i++) headers.push([name || `X-F${i}`, `${m}${i}`]);
		break;
	}
	case 'auth':
		if (headers.findIndex((h) => h[0] === 'Authorization') >= 0) {
			headers.splice(headers.findIndex((h) => h[0] === 'Authorization'), 1);
		}
		headers.push(...r.pick([
			() => [['Authorization', `Bearer ${m}`]],
			() => [['Authorization', `Bearer pk_${m}`]],
			() => [['Authorization', `Basic ${Buffer.from(`${m}:${m}`).toString('base64')}`]],
			() => [['Authorization', 'Bearer ']],
			() => [['Authorization', `Bearer ${ctx.fx.keys.admin}`], ['Authorization', `Bearer ${m}`]],
			() => [['Authorization', `Bearer ${ctx.fx.keys.app} ${m}`]],
			() => [['Authorization', `bearer ${ctx.fx.keys.admin}${m}`]],
			() => [['Authorization', `Bearer ${'A'.repeat(r.pick([100, 5000, 60_000]))}${m}`]],
			() => [['Cookie', `privd_portal=${m}; privd_console=${m}`], ['X-Privd-Portal', '1']],
			() => [['Cookie', `${'c=1; '.repeat(r.range(100, 3000))}privd_portal=${m}`]],
		])());
		break;
	case 'nul': {
		const where = r.int(4);
		if (where === 0) headers.push(['Authorization', `Bearer ${ctx.fx.keys[role] || ctx.fx.keys.admin}\u0000${m}`]);
		else if (where === 1) target = `${target}\u0000${m}`;
		else if (where === 2) headers.push([`X-N\u0000${m}`, '1']);
		else headers.push(['User-Agent', `a\u0000${m}`]);
		break;
	}
	case 'version':
		version = r.pick(['HTTP/1.0', 'HTTP/1.2', 'HTTP/2.0', 'HTTP/0.9', 'http/1.1', 'HTTP/1.1 ', `HTTP/${m}`, 'HTTP/11',
			'HTTP/1.01', '']);
		break;
	case 'ctype':
		ctype = r.pick(['text/plain', `application/${m}`, 'application/x-www-form-urlencoded', 'multipart/form-data',
			'application/json; charset=latin1', 'APPLICATION/JSON', 'application/json;', 'application/json , text/html',
			'', '*/*', 'application/merge-patch+json', null]);
		break;
	case 'lines':
		eol = r.pick(['\n', '\r\n', '\r\n']);
		if (eol === '\r\n') headers.push(r.pick([['X-Fold', `a\r\n  ${m}`], ['X-Fold', `a\r\n\t${m}`], ['X-CR', `a\r${m}`]]));
		break;
	default:
		break;
	}
	if (ctype !== null && (body.length || hasBody)) headers.push(['Content-Type', ctype]);
	// the framing of the body: a length, chunks, or something odd
	if (framing === 'length' && (body.length || hasBody)) headers.push(['Content-Length', String(body.length)]);
	else if (framing === 'chunked') {
		headers.push(['Transfer-Encoding', r.pick(['chunked', 'chunked', 'Chunked', ' chunked'])]);
		body = chunked(r, body, m);
		kind = `chunked.${kind}`;
		tags.push('chunked');
	} else if (framing === 'odd') {
		const len = body.length;
		const pick = r.int(12);
		kind = `framing.${pick}`;
		tags.push('framing');
		if (pick === 6 || pick === 7) tags.push('coding');
		switch (pick) {
		case 0: headers.push(['Content-Length', String(len)], ['Content-Length', String(len)]); break;
		case 1: headers.push(['Content-Length', String(len)], ['Content-Length', String(Math.max(0, len - r.range(1, 5)))]); break;
		case 2: headers.push(['Content-Length', `${len}, ${len + 1}`]); break;
		case 3: headers.push(['Content-Length', r.pick([`-${len}`, `+${len}`, `0x${len.toString(16)}`, `${len}${m}`, ' ', `${len} ${len}`])]); break;
		case 4: headers.push(['Content-Length', r.pick(['99999999999999999999999', '18446744073709551616', '9223372036854775807'])]); break;
		case 5: headers.push(['Content-Length', String(len)], ['Transfer-Encoding', 'chunked']); body = chunked(r, body, m); break;
		case 6: headers.push(['Transfer-Encoding', r.pick(['gzip', 'identity', 'chunked, gzip', 'gzip, chunked', m, 'deflate', 'compress'])]); break;
		case 7: headers.push(['Transfer-Encoding', 'chunked'], ['Transfer-Encoding', r.pick(['chunked', 'identity', 'gzip'])]); body = chunked(r, body, m); break;
		case 8: headers.push(['Transfer-Encoding', 'chunked']); body = badChunked(r, body, m, !docRoute); break;
		case 9: headers.push(['Content-Length', String(len + r.range(0, 3))]); body = Buffer.concat([body, Buffer.from(`${m}GET / HTTP/1.1\r\n\r\n`)]); break;
		case 10: headers.push(['Content-Length', '0']); break;
		default: headers.push(['Content-Length', `${len}\u0000${m}`]); break;
		}
	}
	if (r.chance(0.15)) headers.push(['Connection', 'close']);
	const line = version ? `${method} ${target} ${version}` : `${method} ${target}`;
	return {
		index, marker: m, value: mv, kind, tags, route: `${route.method} ${route.path}`, method, head: method === 'HEAD',
		bytes: assemble(line, headers, body, eol),
	};
}

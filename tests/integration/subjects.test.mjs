// SPDX-License-Identifier: AGPL-3.0-or-later
// Registration, normalisation, validation, limits, duplicates, reading, finding and updating subjects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
	assertJson, assertProblem, birthDateForAge, forEngines, ID_RE, newPerson, normEmail, piiOf, TIME_RE,
	uniqueLocal, uniquePhone, withServer,
} from './lib/privd.mjs';

const SUBJECT_KEYS = ['id', 'status', 'name', 'email', 'phone', 'ip', 'birth_date', 'residence_country', 'language',
	'policy_version', 'created_at', 'updated_at'];

function formatPhone(e164) {
	// +79161234567 -> "+7 (916) 123-45-67"
	const d = e164.slice(2);
	return `+7 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8)}`;
}

function assertSubject(b, person, { status = 'active' } = {}) {
	for (const k of SUBJECT_KEYS) assert.ok(k in b, `subject has ${k}: ${JSON.stringify(b)}`);
	assert.match(b.id, ID_RE);
	assert.equal(b.status, status);
	assert.equal(b.name, person.name.trim());
	assert.equal(b.email, person.email == null ? null : normEmail(person.email));
	assert.equal(b.phone, person.phone == null ? null : `+${person.phone.replace(/\D/g, '')}`);
	assert.equal(b.birth_date, person.birth_date);
	assert.equal(b.residence_country, person.residence_country.toUpperCase());
	assert.equal(b.policy_version, person.policy_version);
	assert.match(b.created_at, TIME_RE);
	assert.match(b.updated_at, TIME_RE);
}

async function findBy(srv, what, value, as = 'app') {
	const r = await srv.req('GET', `/v1/subjects?${what}=${encodeURIComponent(value)}`, { as });
	return assertJson(r, 200).items;
}

forEngines('subjects', (engine) => {
	const ctx = withServer(engine);

	describe('registration', () => {
		it('registers a subject: 201 with the stored profile; a Cyrillic name round-trips through GET', async () => {
			const srv = ctx.srv;
			const p = newPerson({ name: 'Иван Петрович Сидоров-Щёкин Ёжиков', consents: {
				processing: true, third_party_transfer: false, cookies: ['preferences', 'analytics'],
			} });
			const r = await srv.register(p);
			const b = assertJson(r, 201);
			assertSubject(b, p);
			assert.equal(b.ip, p.ip);
			for (const as of ['app', 'operator', 'admin']) {
				const g = assertJson(await srv.req('GET', `/v1/subjects/${b.id}`, { as }), 200);
				assert.deepEqual(g, b, `GET as ${as} returns the registered profile`);
			}
		});

		it('any UTF-8 name is kept exactly (trimmed)', async () => {
			for (const name of ['Zoë Ångström-Nuñez', '王小明', 'Ольга «Тест» О\'Нил 🙂', '  Мария   Иванова  ']) {
				const p = newPerson({ name });
				const b = assertJson(await ctx.srv.register(p), 201);
				assert.equal(b.name, name.trim());
				assert.equal(assertJson(await ctx.srv.req('GET', `/v1/subjects/${b.id}`, { as: 'app' }), 200).name, name.trim());
			}
		});

		// The usual body is read by a scanner of its own, any other by jansson: both must register alike.
		it('a body with escapes, spacing and a charset is registered as the plain one; each answer is GET\'s, ETag too', async () => {
			const escaped = (person) => JSON.stringify(person, null, 2)
				.replace(/"name": "(.)/u, (m, c) => `"name": "\\u${c.codePointAt(0).toString(16).padStart(4, '0')}`);
			for (const [p, body, type] of [
				[newPerson(), (q) => JSON.stringify(q), 'application/json'],
				[newPerson(), escaped, 'application/json; charset=utf-8'],
			]) {
				ctx.srv.pii.push(...piiOf(p));
				const r = await ctx.srv.req('POST', '/v1/subjects', { as: 'app', body: body(p),
					headers: { 'content-type': type } });
				const b = assertJson(r, 201);
				assertSubject(b, p);
				const g = await ctx.srv.req('GET', `/v1/subjects/${b.id}`, { as: 'app' });
				assert.equal(g.text, r.text, 'GET answers the registered profile, byte for byte');
				assert.equal(g.headers.get('etag'), r.headers.get('etag'));
				assert.equal(r.headers.get('location'), `/v1/subjects/${b.id}`);
			}
			// and a fault the rules find is answered the same way whichever reader took the body
			const bad = newPerson({ email: 'not-an-e-mail', consents: { processing: true, cookies: ['analytics'] } });
			const plain = await ctx.srv.req('POST', '/v1/subjects', { as: 'app', body: JSON.stringify(bad),
				headers: { 'content-type': 'application/json' } });
			const other = await ctx.srv.req('POST', '/v1/subjects', { as: 'app', body: escaped(bad),
				headers: { 'content-type': 'application/json' } });
			assertProblem(plain, 422, 'validation', { fields: ['email'], path: '/v1/subjects' });
			assert.deepEqual(other.json, plain.json);
		});

		it('normalises the e-mail: trimmed, domain lower-cased, local part kept', async () => {
			const local = `Mixed.Case+${uniqueLocal()}`;
			const p = newPerson({ email: `  ${local}@MAIL.Example.COM \t` });
			const b = assertJson(await ctx.srv.register(p), 201);
			assert.equal(b.email, `${local}@mail.example.com`);
		});

		it('normalises the phone to E.164', async () => {
			const e164 = uniquePhone();
			const p = newPerson({ phone: formatPhone(e164) });
			const b = assertJson(await ctx.srv.register(p), 201);
			assert.equal(b.phone, e164);
		});

		it('accepts IPv6 and stores it in canonical form', async () => {
			const b = assertJson(await ctx.srv.register(newPerson({ ip: '2001:DB8:0:0:0:0:0:1' })), 201);
			assert.equal(b.ip, '2001:db8::1');
			const b2 = assertJson(await ctx.srv.register(newPerson({ ip: '::ffff:192.0.2.33' })), 201);
			assert.match(b2.ip, /^::ffff:(192\.0\.2\.33|c000:221)$/);
		});

		it('e-mail alone or phone alone is enough; the other is null', async () => {
			const a = newPerson({ phone: undefined });
			const ba = assertJson(await ctx.srv.register(a), 201);
			assert.equal(ba.phone, null);
			assert.equal(ba.email, normEmail(a.email));
			const b = newPerson({ email: undefined });
			const bb = assertJson(await ctx.srv.register(b), 201);
			assert.equal(bb.email, null);
			assert.equal(bb.phone, b.phone);
			const c = newPerson({ email: null });
			assert.equal(assertJson(await ctx.srv.register(c), 201).email, null);
		});

		it('lower-case residence country is accepted and upper-cased', async () => {
			const b = assertJson(await ctx.srv.register(newPerson({ residence_country: 'kz' })), 201);
			assert.equal(b.residence_country, 'KZ');
		});

		it('the admin role may register too', async () => {
			const r = await ctx.srv.register(newPerson(), { as: 'admin' });
			assert.equal(r.status, 201, r.text);
		});
	});

	describe('validation', () => {
		const future = (() => {
			const d = new Date();
			d.setUTCFullYear(d.getUTCFullYear() + 1);
			return d.toISOString().slice(0, 10);
		})();
		const cases = [
			['name', { name: undefined }],
			['name', { name: '' }],
			['name', { name: '   ' }],
			['name', { name: 42 }],
			['name', { name: 'Bad\u0001Name' }],
			['name', { name: 'Я'.repeat(300) }], // 600 bytes of UTF-8
			['email', { email: 'no-at-sign.example.org' }],
			['email', { email: 'two@@example.org' }],
			['email', { email: 'a@b@example.org' }],
			['email', { email: 'nodot@localhost' }],
			['email', { email: 'has space@example.org' }],
			['email', { email: '@example.org' }],
			['email', { email: 'x@-bad-.example.org' }],
			['email', { email: 17 }],
			['phone', { phone: '89161234567' }],
			['phone', { phone: '+0123456789' }],
			['phone', { phone: '+1234' }],
			['phone', { phone: '+1234567890123456' }],
			['phone', { phone: '+7916abc4567' }],
			['phone', { phone: 79161234567 }],
			['ip', { ip: undefined }],
			['ip', { ip: '999.1.1.1' }],
			['ip', { ip: '1.2.3' }],
			['ip', { ip: '2001:db8::zz' }],
			['ip', { ip: 'localhost' }],
			['birth_date', { birth_date: undefined }],
			['birth_date', { birth_date: '1990-02-30' }],
			['birth_date', { birth_date: '17.05.1990' }],
			['birth_date', { birth_date: '1990-5-17' }],
			['birth_date', { birth_date: future }],
			['residence_country', { residence_country: undefined }],
			['residence_country', { residence_country: 'RUS' }],
			['residence_country', { residence_country: 'XX' }],
			['residence_country', { residence_country: 'R' }],
			['policy_version', { policy_version: undefined }],
			['policy_version', { policy_version: '99' }],
			['consents.processing', { consents: { processing: false, third_party_transfer: false, cookies: [] } }],
			['consents.processing', { consents: { processing: 'yes', third_party_transfer: false, cookies: [] } }],
			['consents.processing', { consents: { third_party_transfer: false, cookies: [] } }],
			['consents.third_party_transfer', { consents: { processing: true, third_party_transfer: 'no', cookies: [] } }],
			// an unknown member is named by its position (the 9th sent), never by the name the client chose
			['#9', { extra: 1 }],
		];
		for (const [field, over] of cases) {
			it(`422 naming ${field} for ${JSON.stringify(over)}`.slice(0, 140), async () => {
				const p = newPerson(over);
				const r = await ctx.srv.register(p);
				const prob = assertProblem(r, 422, 'validation', { fields: [field], path: '/v1/subjects' });
				for (const v of Object.values(over)) {
					if (typeof v === 'string' && v.trim().length >= 4) {
						assert.ok(!r.text.includes(v), `the problem does not repeat the submitted value ${JSON.stringify(v)}`);
					}
				}
				assert.equal(prob.errors.length >= 1, true);
				if (typeof p.email === 'string' && p.email.includes('@') && field !== 'email') {
					assert.deepEqual(await findBy(ctx.srv, 'email', p.email), [], 'nothing stored after a 422');
				}
			});
		}

		it('422 for unknown cookie categories, naming consents.cookies', async () => {
			const r = await ctx.srv.register(newPerson({ consents: { processing: true, cookies: ['preferences', 'bogus'] } }));
			const prob = assertProblem(r, 422, 'validation');
			assert.ok(prob.errors.some((e) => String(e.field).startsWith('consents.cookies')),
				`errors name consents.cookies: ${JSON.stringify(prob.errors)}`);
		});

		it('422 when neither e-mail nor phone is given, naming them', async () => {
			const r = await ctx.srv.register(newPerson({ email: undefined, phone: undefined }));
			const prob = assertProblem(r, 422, 'validation');
			assert.ok(prob.errors.some((e) => e.field === 'email' || e.field === 'phone'),
				`errors name email or phone: ${JSON.stringify(prob.errors)}`);
		});

		it('422 names every field at fault at once', async () => {
			const p = newPerson({
				email: 'broken-address', ip: '300.300.300.300', residence_country: 'ZZZ', birth_date: '2001-13-01',
				consents: { processing: false, cookies: [] },
			});
			const r = await ctx.srv.register(p);
			const prob = assertProblem(r, 422, 'validation', {
				fields: ['email', 'ip', 'residence_country', 'birth_date', 'consents.processing'],
			});
			assert.equal(prob.errors.length, 5, `exactly the five fields: ${JSON.stringify(prob.errors)}`);
			assert.deepEqual(await findBy(ctx.srv, 'phone', p.phone), [], 'nothing stored');
		});

		it('malformed JSON is a 400 malformed problem', async () => {
			for (const body of ['not json', '{"name":', '{"name":"x",}', '', '{"name":"a"} trailing']) {
				const r = await ctx.srv.req('POST', '/v1/subjects', { as: 'app', body, headers: { 'content-type': 'application/json' } });
				assertProblem(r, 400, 'malformed');
			}
		});

		it('invalid UTF-8 in a body is refused (4xx) and stores nothing', async () => {
			const p = newPerson();
			ctx.srv.pii.push(...piiOf(p));
			const json = Buffer.from(JSON.stringify(p).replace(p.tag, 'BAD_UTF8_HERE'), 'utf8');
			const at = json.indexOf('BAD_UTF8_HERE');
			json[at] = 0xff;
			json[at + 1] = 0xfe;
			const r = await ctx.srv.req('POST', '/v1/subjects', { as: 'app', body: json, headers: { 'content-type': 'application/json' } });
			assert.ok(r.status === 400 || r.status === 422, `expected 400 or 422, got ${r.status} ${r.text}`);
			assert.deepEqual(await findBy(ctx.srv, 'email', p.email), []);
		});

		it('a body over 64 KiB is a 413 too-large problem; one just under is judged on its content', async () => {
			const big = newPerson({ name: 'Б'.repeat(35_000) }); // 70,000 bytes of name
			ctx.srv.pii.push(...piiOf({ ...big, name: '' }));
			const r = await ctx.srv.req('POST', '/v1/subjects', { as: 'app', json: big });
			assertProblem(r, 413, 'too-large');
			assert.deepEqual(await findBy(ctx.srv, 'email', big.email), []);
			const under = newPerson({ name: 'x'.repeat(60_000) });
			ctx.srv.pii.push(...piiOf({ ...under, name: '' }));
			const r2 = await ctx.srv.req('POST', '/v1/subjects', { as: 'app', json: under });
			assertProblem(r2, 422, 'validation', { fields: ['name'] });
		});
	});

	describe('duplicates', () => {
		it('an e-mail already registered (after normalisation) is a 409 naming email; nothing new stored', async () => {
			const srv = ctx.srv;
			const first = newPerson();
			const a = await srv.registerOk(first);
			const local = first.email.split('@')[0];
			const dup = newPerson({ email: `  ${local}@EXAMPLE.org ` });
			const r = await srv.register(dup);
			assertProblem(r, 409, 'conflict', { fields: ['email'] });
			assert.ok(!r.text.includes(local), 'the problem does not repeat the e-mail');
			assert.deepEqual(await findBy(srv, 'phone', dup.phone), [], 'the duplicate was not stored');
			const found = await findBy(srv, 'email', first.email);
			assert.deepEqual(found.map((i) => i.id), [a.id]);
		});

		it('a phone already registered (after normalisation) is a 409 naming phone', async () => {
			const srv = ctx.srv;
			const first = newPerson();
			await srv.registerOk(first);
			const dup = newPerson({ phone: formatPhone(first.phone) });
			const r = await srv.register(dup);
			assertProblem(r, 409, 'conflict', { fields: ['phone'] });
			assert.deepEqual(await findBy(srv, 'email', dup.email), [], 'the duplicate was not stored');
		});

		it('concurrent registrations of one e-mail: exactly one 201, the others 409', async () => {
			const local = uniqueLocal();
			const people = Array.from({ length: 8 }, () => newPerson({ email: `${local}@example.net` }));
			const rs = await Promise.all(people.map((p) => ctx.srv.register(p)));
			const st = rs.map((r) => r.status).sort();
			assert.deepEqual(st, [201, 409, 409, 409, 409, 409, 409, 409]);
			assert.equal((await findBy(ctx.srv, 'email', `${local}@example.net`)).length, 1);
		});
	});

	describe('read and find', () => {
		it('GET an unknown or malformed id is a 404 not-found problem', async () => {
			assertProblem(await ctx.srv.req('GET', `/v1/subjects/${'f'.repeat(32)}`, { as: 'app' }), 404, 'not-found');
			assertProblem(await ctx.srv.req('GET', '/v1/subjects/not-an-id', { as: 'app' }), 404, 'not-found');
		});

		it('finds a subject by e-mail (any case of the domain) and by phone, as {items:[{id,status}]}', async () => {
			const srv = ctx.srv;
			const p = newPerson();
			const s = await srv.registerOk(p);
			const local = p.email.split('@')[0];
			for (const as of ['app', 'operator', 'admin']) {
				assert.deepEqual(await findBy(srv, 'email', p.email, as), [{ id: s.id, status: 'active' }]);
			}
			assert.deepEqual(await findBy(srv, 'email', `${local}@example.org`), [{ id: s.id, status: 'active' }]);
			assert.deepEqual(await findBy(srv, 'email', `${local}@EXAMPLE.ORG`), [{ id: s.id, status: 'active' }]);
			assert.deepEqual(await findBy(srv, 'phone', p.phone), [{ id: s.id, status: 'active' }]);
			assert.deepEqual(await findBy(srv, 'phone', formatPhone(p.phone)), [{ id: s.id, status: 'active' }]);
		});

		it('finding nobody is 200 with no items', async () => {
			assert.deepEqual(await findBy(ctx.srv, 'email', `${uniqueLocal()}@example.org`), []);
			assert.deepEqual(await findBy(ctx.srv, 'phone', uniquePhone()), []);
		});
	});

	describe('update', () => {
		it('PATCH updates fields with normalisation and returns the subject', async () => {
			const srv = ctx.srv;
			const p = newPerson();
			const s = await srv.registerOk(p);
			const newLocal = uniqueLocal();
			const newPhone = uniquePhone();
			const patch = { name: 'Екатерина Обновлённая', email: ` ${newLocal}@New.Example.ORG `, phone: formatPhone(newPhone),
				ip: '2001:db8:0:0::7', birth_date: birthDateForAge(44), residence_country: 'by' };
			srv.pii.push(...piiOf(patch));
			const r = await srv.req('PATCH', `/v1/subjects/${s.id}`, { as: 'app', json: patch });
			const b = assertJson(r, 200);
			assert.equal(b.id, s.id);
			assert.equal(b.name, 'Екатерина Обновлённая');
			assert.equal(b.email, `${newLocal}@new.example.org`);
			assert.equal(b.phone, newPhone);
			assert.equal(b.ip, '2001:db8::7');
			assert.equal(b.birth_date, patch.birth_date);
			assert.equal(b.residence_country, 'BY');
			assert.equal(b.created_at, s.created_at);
			assert.ok(b.updated_at >= s.updated_at);
			assert.deepEqual(assertJson(await srv.req('GET', `/v1/subjects/${s.id}`, { as: 'operator' }), 200), b);
			assert.deepEqual(await findBy(srv, 'email', p.email), [], 'the old e-mail no longer finds it');
			assert.deepEqual(await findBy(srv, 'phone', p.phone), [], 'the old phone no longer finds it');
			assert.deepEqual((await findBy(srv, 'email', b.email)).map((i) => i.id), [s.id]);
			assert.deepEqual((await findBy(srv, 'phone', newPhone)).map((i) => i.id), [s.id]);
			// The old e-mail is free again.
			await srv.registerOk(newPerson({ email: p.email }));
		});

		it('PATCH validates like registration: 422 naming each field', async () => {
			const srv = ctx.srv;
			const s = await srv.registerOk(newPerson());
			assertProblem(await srv.req('PATCH', `/v1/subjects/${s.id}`, { as: 'app', json: { email: 'nope' } }),
				422, 'validation', { fields: ['email'] });
			assertProblem(await srv.req('PATCH', `/v1/subjects/${s.id}`, {
				as: 'app', json: { phone: '12345', ip: '1.2.3.4.5', name: '' },
			}), 422, 'validation', { fields: ['phone', 'ip', 'name'] });
			assertProblem(await srv.req('PATCH', `/v1/subjects/${s.id}`, { as: 'app', json: { status: 'active' } }),
				422, 'validation', { fields: ['#1'] });
			assertProblem(await srv.req('PATCH', `/v1/subjects/${s.id}`, {
				as: 'app', body: '{"name":', headers: { 'content-type': 'application/json' },
			}), 400, 'malformed');
			const after = assertJson(await srv.req('GET', `/v1/subjects/${s.id}`, { as: 'app' }), 200);
			assert.equal(after.name, s.name, 'a refused PATCH changed nothing');
			assert.equal(after.phone, s.phone);
		});

		it('PATCH to an e-mail or phone taken by another subject is a 409 naming the field', async () => {
			const srv = ctx.srv;
			const other = newPerson();
			await srv.registerOk(other);
			const s = await srv.registerOk(newPerson());
			assertProblem(await srv.req('PATCH', `/v1/subjects/${s.id}`, {
				as: 'app', json: { email: other.email.replace('@Example.ORG', '@example.ORG') },
			}), 409, 'conflict', { fields: ['email'] });
			assertProblem(await srv.req('PATCH', `/v1/subjects/${s.id}`, { as: 'app', json: { phone: formatPhone(other.phone) } }),
				409, 'conflict', { fields: ['phone'] });
			const after = assertJson(await srv.req('GET', `/v1/subjects/${s.id}`, { as: 'app' }), 200);
			assert.equal(after.email, s.email);
			assert.equal(after.phone, s.phone);
		});

		it('PATCH null removes e-mail or phone, but one must remain', async () => {
			const srv = ctx.srv;
			const p = newPerson();
			const s = await srv.registerOk(p);
			const b = assertJson(await srv.req('PATCH', `/v1/subjects/${s.id}`, { as: 'app', json: { phone: null } }), 200);
			assert.equal(b.phone, null);
			assert.equal(b.email, s.email);
			assert.deepEqual(await findBy(srv, 'phone', p.phone), []);
			const r = await srv.req('PATCH', `/v1/subjects/${s.id}`, { as: 'app', json: { email: null } });
			const prob = assertProblem(r, 422, 'validation');
			assert.ok(prob.errors.some((e) => e.field === 'email' || e.field === 'phone'), JSON.stringify(prob.errors));
			assert.equal(assertJson(await srv.req('GET', `/v1/subjects/${s.id}`, { as: 'app' }), 200).email, s.email);
		});

		it('PATCH an unknown subject is a 404 not-found problem', async () => {
			assertProblem(await ctx.srv.req('PATCH', `/v1/subjects/${'a'.repeat(32)}`, { as: 'app', json: { name: 'Кто-то' } }),
				404, 'not-found');
		});
	});

	ctx.closingTest();
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// Consent is its own document (152-FZ Art. 9 as amended by 156-FZ, in force 01.09.2025): the consent texts init
// installs with the Art. 9 p.4 items, publishing versions per purpose and language, the public pages in Russian
// and English, every grant naming the text shown (422 without, 409 reconsent-required for an old one), the record
// keeping its version and SHA-256 (history and access export), a new version asking for reconsent, and the policy
// that no longer says registering is consent, in both languages.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import {
	assertJson, assertProblem, forEngines, newPerson, TIME_RE, withServer,
} from './lib/privd.mjs';
import { carryOut } from './lib/requests.mjs';

const OPERATOR = 'ООО Ромашка-Согласие 4417';
const ADDRESS = '123456, Москва, ул. Тестовая, д. 9, оф. 17';
const PROCESSOR = 'АО Обработчик 5521, г. Казань, ул. Баумана, 3';
const RECIPIENT = 'ООО Получатель 8802, г. Тверь, пр. Ленина, 1';
const SHA_RE = /^[0-9a-f]{64}$/;

const sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

forEngines('legal: consent texts (152-FZ Art. 9, 156-FZ)', (engine) => {
	const ctx = withServer(engine, {
		operatorName: OPERATOR,
		extraArgs: ['--operator-address', ADDRESS],
		env: { PRIVD_CONSENT_TERM_YEARS: '3', PRIVD_CONSENT_PROCESSORS: PROCESSOR, PRIVD_CONSENT_RECIPIENTS: RECIPIENT },
	});
	const current = async (purpose, language) => {
		const q = language ? `&language=${language}` : '';
		return assertJson(await ctx.srv.req('GET', `/v1/consent-texts/current?purpose=${purpose}${q}`), 200);
	};
	const publish = (json, as = 'admin') => ctx.srv.req('POST', '/v1/consent-texts', { as, json });
	const check = async (id, purpose) =>
		assertJson(await ctx.srv.req('GET', `/v1/subjects/${id}/consents/${purpose}`, { as: 'app' }), 200);
	const postConsent = (id, json) => ctx.srv.req('POST', `/v1/subjects/${id}/consents`, { as: 'app', json });
	const registeredIds = async (email) =>
		assertJson(await ctx.srv.req('GET', `/v1/subjects?email=${encodeURIComponent(email)}`, { as: 'app' }), 200).items;
	let early;

	it('152-FZ Art. 9 p.4: init installs the consent to processing in ru and en, the items filled in from the configuration', async () => {
		const ru = await current('processing', 'ru');
		assert.deepEqual(Object.keys(ru).sort(), ['language', 'published_at', 'purpose', 'sha256', 'text', 'url', 'version']);
		assert.equal(ru.purpose, 'processing');
		assert.equal(ru.version, '1');
		assert.equal(ru.language, 'ru');
		assert.match(ru.published_at, TIME_RE);
		assert.equal(ru.sha256, sha256(ru.text), 'sha256 is the SHA-256 of the text as published');
		assert.equal(ru.url, '/consent/processing?lang=ru&version=1');
		// (3) operator's name and address, (4) purpose, (5) data, (6) processor, (7) actions and methods, (8) term, revocation
		for (const want of [OPERATOR, ADDRESS, 'Цели обработки', 'имя', 'номер мобильного телефона',
			'адрес электронной почты', 'IP-адрес', 'дата рождения', 'страна проживания', 'сбор', 'хранение',
			'уничтожение', 'Способы обработки', 'автоматизированная', PROCESSOR, 'Срок действия согласия', '3 года',
			'Порядок отзыва', 'отозвано в любой момент']) {
			assert.ok(ru.text.includes(want), `the Russian consent to processing says ${JSON.stringify(want)}`);
		}
		const en = await current('processing', 'en');
		assert.equal(en.version, '1');
		assert.equal(en.language, 'en');
		assert.equal(en.sha256, sha256(en.text));
		assert.notEqual(en.sha256, ru.sha256);
		for (const want of [OPERATOR, ADDRESS, 'Purposes of processing', 'e-mail address', 'IP address', 'date of birth',
			'collection', 'storage', 'destruction', 'Methods of processing', PROCESSOR, 'Term of the consent', '3 years',
			'How to revoke it', 'revoked at any time']) {
			assert.ok(en.text.includes(want), `the English consent to processing says ${JSON.stringify(want)}`);
		}
		for (const t of [ru.text, en.text]) assert.ok(!t.includes('{{') && !t.includes('}}'), 'no placeholder left');
		assert.deepEqual(await current('processing'), ru, 'without a language: the Russian text');
	});

	it('152-FZ Art. 9 p.4: init installs the consent to transfer to third parties in ru and en, naming the recipients', async () => {
		for (const [lang, words] of [['ru', ['Получатели', 'Цель передачи', 'Срок действия согласия', 'Порядок отзыва']],
			['en', ['Recipients', 'Purpose of the transfer', 'Term of the consent', 'How to revoke it']]]) {
			const t = await current('third_party_transfer', lang);
			assert.equal(t.version, '1');
			assert.equal(t.sha256, sha256(t.text));
			for (const want of [OPERATOR, ADDRESS, RECIPIENT, ...words]) {
				assert.ok(t.text.includes(want), `the ${lang} consent to transfer says ${JSON.stringify(want)}`);
			}
			assert.ok(!t.text.includes('{{'), 'no placeholder left');
		}
		const proc = await current('processing', 'ru');
		assert.notEqual((await current('third_party_transfer', 'ru')).sha256, proc.sha256, 'two separate documents');
	});

	it('152-FZ Art. 9 (156-FZ): the policy no longer says registering is consent; it points to the consent texts, in ru and en', async () => {
		for (const language of ['ru', 'en']) {
			const p = assertJson(await ctx.srv.req('GET', `/v1/policies/current?language=${language}`), 200);
			assert.equal(p.version, '1');
			assert.equal(p.language, language);
			assert.match(p.sha256, SHA_RE);
		}
		const en = await ctx.srv.req('GET', '/privacy?lang=en');
		assert.equal(en.status, 200);
		assert.match(en.text, /<html lang="en">/);
		assert.ok(en.text.includes('Privacy Policy') && en.text.includes(OPERATOR));
		assert.ok(!/registering a user, the latter agrees/.test(en.text), 'registering is not consent any more');
		assert.ok(!/When registering, the User expresses his\/her consent/.test(en.text));
		assert.ok(!/When registering, users give their consent to the use of cookies/.test(en.text));
		assert.ok(en.text.includes('/consent/processing') && en.text.includes('/consent/third_party_transfer'),
			'the policy points to both consent texts');
		const ru = await ctx.srv.req('GET', '/privacy?lang=ru');
		assert.match(ru.text, /<html lang="ru">/);
		assert.ok(ru.text.includes('Политика конфиденциальности') && ru.text.includes(OPERATOR));
		assert.ok(ru.text.includes('не является согласием на обработку персональных данных'));
		assert.ok(ru.text.includes('/consent/processing') && ru.text.includes('/consent/third_party_transfer'));
		for (const page of [en.text, ru.text]) assert.ok(!page.includes('{{'), 'no placeholder left');
	});

	it('152-FZ Art. 18.1: /privacy follows ?lang= and Accept-Language, Russian when the reader prefers neither', async () => {
		const get = (q, headers = {}) => ctx.srv.req('GET', `/privacy${q}`, { headers });
		const en = await get('', { 'accept-language': 'en-GB,en;q=0.9,ru;q=0.5' });
		assert.equal(en.status, 200);
		assert.match(en.text, /<html lang="en">/);
		assert.equal(en.headers.get('content-language'), 'en');
		assert.match(en.headers.get('vary') || '', /Accept-Language/i);
		const ru = await get('', { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.8' });
		assert.match(ru.text, /<html lang="ru">/);
		assert.equal(ru.headers.get('content-language'), 'ru');
		assert.match((await get('?lang=ru', { 'accept-language': 'en' })).text, /<html lang="ru">/, '?lang wins');
		assert.match((await get('?lang=en', { 'accept-language': 'ru' })).text, /<html lang="en">/);
		assert.match((await get('', { 'accept-language': 'de-DE, fr;q=0.5' })).text, /<html lang="ru">/, 'the operator\'s language');
		assert.match((await get('', { 'accept-language': '*' })).text, /<html lang="ru">/);
		assertProblem(await get('?lang=de'), 422, 'validation', { fields: ['lang'] });
	});

	it('152-FZ Art. 9 (156-FZ): /consent/{purpose} is each consent text as a public page, in ru and en', async () => {
		const ru = await current('processing', 'ru');
		const page = await ctx.srv.req('GET', '/consent/processing', { headers: { 'accept-language': 'ru' } });
		assert.equal(page.status, 200);
		assert.match(page.headers.get('content-type') || '', /^text\/html; charset=utf-8/);
		assert.match(page.text, /<html lang="ru">/);
		assert.ok(page.text.includes('<h1>Согласие на обработку персональных данных</h1>'), 'Markdown rendered');
		assert.ok(page.text.includes(ADDRESS));
		assert.ok(page.text.includes(ru.sha256), 'the footer names the SHA-256 a record keeps');
		const en = await ctx.srv.req('GET', '/consent/third_party_transfer?lang=en');
		assert.equal(en.status, 200);
		assert.match(en.text, /<html lang="en">/);
		assert.equal(en.headers.get('content-language'), 'en');
		assert.ok(en.text.includes(RECIPIENT));
		assert.ok(en.text.includes((await current('third_party_transfer', 'en')).sha256));
		assertProblem(await ctx.srv.req('GET', '/consent/cookies.analytics'), 404, 'not-found');
		assertProblem(await ctx.srv.req('GET', '/consent/everything'), 404, 'not-found');
		assertProblem(await ctx.srv.req('GET', '/consent/processing?lang=fr'), 422, 'validation', { fields: ['lang'] });
		assertProblem(await ctx.srv.req('GET', '/consent/processing?version=nope'), 404, 'not-found');
	});

	it('152-FZ Art. 9 (156-FZ): registration without the versions of the texts granted is 422 naming each; nothing stored', async () => {
		early = await ctx.srv.registerOk(newPerson({ consents: { processing: true, third_party_transfer: true, cookies: [] } }));
		const p = newPerson({ consents: { processing: true, third_party_transfer: true, cookies: [], texts: undefined } });
		assertProblem(await ctx.srv.register(p), 422, 'validation',
			{ fields: ['consents.texts.processing', 'consents.texts.third_party_transfer'] });
		const q = newPerson({ consents: { processing: true, third_party_transfer: true, cookies: [], texts: { processing: '1' } } });
		const prob = assertProblem(await ctx.srv.register(q), 422, 'validation', { fields: ['consents.texts.third_party_transfer'] });
		assert.ok(!prob.errors.some((e) => e.field === 'consents.texts.processing'), 'the version given is not at fault');
		assertProblem(await ctx.srv.register(newPerson({
			consents: { processing: true, texts: { processing: '1' }, language: 'de' },
		})), 422, 'validation', { fields: ['consents.language'] });
		assertProblem(await ctx.srv.register(newPerson({
			consents: { processing: true, texts: { processing: 1 } },
		})), 422, 'validation', { fields: ['consents.texts.processing'] });
		assertProblem(await ctx.srv.register(newPerson({
			consents: { processing: true, texts: { processing: '1', 'cookies.analytics': '1' } },
		})), 422, 'validation', { fields: ['consents.texts.#2'] }); // a purpose without a text, named by its position
		for (const person of [p, q]) assert.deepEqual(await registeredIds(person.email), [], 'nothing stored');
		// a refused purpose needs no version
		const r = await ctx.srv.registerOk(newPerson({ consents: { processing: true, third_party_transfer: false, cookies: [] } }));
		assert.equal((await check(r.id, 'third_party_transfer')).text_version, null);
	});

	it('152-FZ Art. 9 (156-FZ): POST /v1/consent-texts publishes a version; current is per purpose and language', async () => {
		const text = '# Consent to the processing of personal data, v2\n\nOperator: **test** (marker-7b2e).\n';
		const b = assertJson(await publish({ purpose: 'processing', version: '2', language: 'en', text }), 201);
		assert.deepEqual(Object.keys(b).sort(), ['language', 'published_at', 'purpose', 'sha256', 'url', 'version']);
		assert.equal(b.purpose, 'processing');
		assert.equal(b.version, '2');
		assert.equal(b.language, 'en');
		assert.equal(b.sha256, sha256(text));
		assert.match(b.published_at, TIME_RE);
		const en = await current('processing', 'en');
		assert.equal(en.version, '2');
		assert.equal(en.text, text);
		assert.equal((await current('processing', 'ru')).version, '1', 'the Russian text is still version 1');
		assert.equal((await current('third_party_transfer', 'en')).version, '1', 'the other purpose is untouched');
		const page = await ctx.srv.req('GET', '/consent/processing?lang=en');
		assert.ok(page.text.includes('marker-7b2e') && page.text.includes('<strong>test</strong>'));
		const old = await ctx.srv.req('GET', '/consent/processing?lang=en&version=1');
		assert.ok(!old.text.includes('marker-7b2e') && old.text.includes(ADDRESS), '?version shows the older text');
		// append-only, validated, admin only
		assertProblem(await publish({ purpose: 'processing', version: '2', language: 'en', text: 'again' }), 409, 'conflict');
		assertProblem(await publish({ purpose: 'cookies.analytics', version: '9', language: 'de', text: '' }), 422,
			'validation', { fields: ['purpose', 'language', 'text'] });
		assertProblem(await publish({ purpose: 'processing', version: 'has space', language: 'ru', text: 'x' }), 422,
			'validation', { fields: ['version'] });
		assertProblem(await publish({ version: '9', text: 'x' }), 422, 'validation', { fields: ['purpose', 'language'] });
		assertProblem(await publish({ purpose: 'processing', version: '9', language: 'ru', text: 'x' }, 'app'), 403, 'forbidden');
		assertProblem(await ctx.srv.req('POST', '/v1/consent-texts', { json: { purpose: 'processing' } }), 401, 'unauthorized');
		assert.equal((await current('processing', 'ru')).version, '1', 'nothing refused was published');
		assertProblem(await ctx.srv.req('GET', '/v1/consent-texts/current'), 422, 'validation', { fields: ['purpose'] });
		assertProblem(await ctx.srv.req('GET', '/v1/consent-texts/current?purpose=cookies.marketing'), 422, 'validation',
			{ fields: ['purpose'] });
		assertProblem(await ctx.srv.req('GET', '/v1/consent-texts/current?purpose=processing&language=xx'), 422,
			'validation', { fields: ['language'] });
		// cmark's safe mode: raw HTML in a text is not passed through to its page
		assertJson(await publish({ purpose: 'third_party_transfer', version: 'x1', language: 'en',
			text: '# T\n\n<script>alert(1)</script>\n' }), 201);
		const unsafe = await ctx.srv.req('GET', '/consent/third_party_transfer?lang=en');
		assert.ok(!unsafe.text.includes('<script>'), 'no raw HTML on the page');
		assertJson(await publish({ purpose: 'third_party_transfer', version: 'x2', language: 'en',
			text: (await ctx.srv.req('GET', '/v1/consent-texts/current?purpose=third_party_transfer&language=ru')).json.text }), 201);
	});

	it('152-FZ Art. 9 (156-FZ): a grant naming a text that is not current is 409 reconsent-required; nothing stored', async () => {
		// English processing is at version 2 now
		const p = newPerson({ consents: { processing: true, texts: { processing: '1' }, language: 'en' } });
		const prob = assertProblem(await ctx.srv.register(p), 409, 'reconsent-required', { fields: ['consents.texts.processing'] });
		assert.match(prob.errors.find((e) => e.field === 'consents.texts.processing').reason, /version 2/);
		assert.deepEqual(await registeredIds(p.email), [], 'nothing stored');
		const never = newPerson({ consents: { processing: true, texts: { processing: '7' } } });
		assertProblem(await ctx.srv.register(never), 409, 'reconsent-required', { fields: ['consents.texts.processing'] });
		assert.deepEqual(await registeredIds(never.email), []);
		// the current English text registers; the Russian one is still 1
		const en = await ctx.srv.registerOk(newPerson({ consents: { processing: true, texts: { processing: '2' }, language: 'en' } }));
		assert.equal((await check(en.id, 'processing')).text_version, '2');
		const ru = await ctx.srv.registerOk(newPerson({ consents: { processing: true, texts: { processing: '1' }, language: 'ru' } }));
		assert.equal((await check(ru.id, 'processing')).text_version, '1');
	});

	it('152-FZ Art. 9 p.1, 156-FZ: each grant via POST consents needs its ip and its current text; a cookie category names none', async () => {
		const s = early.id;
		for (const [json, field] of [
			[{ purpose: 'processing', granted: true, ip: '203.0.113.5' }, 'text_version'],
			[{ purpose: 'third_party_transfer', granted: true, ip: '203.0.113.5' }, 'text_version'],
			[{ purpose: 'processing', granted: true, text_version: '1' }, 'ip'],
			[{ purpose: 'cookies.analytics', granted: true }, 'ip'],
			[{ purpose: 'cookies.analytics', granted: true, ip: '203.0.113.5', text_version: '1' }, 'text_version'],
			[{ purpose: 'processing', granted: true, ip: '203.0.113.5', text_version: '1', language: 'de' }, 'language'],
			[{ purpose: 'processing', granted: true, ip: '203.0.113.5', text_version: 5 }, 'text_version'],
		]) {
			assertProblem(await postConsent(s, json), 422, 'validation', { fields: [field] });
		}
		for (const [json, field] of [
			[{ purpose: 'processing', granted: true, ip: '203.0.113.5', text_version: '1', language: 'en' }, 'text_version'],
			[{ purpose: 'processing', granted: true, ip: '203.0.113.5', text_version: '0' }, 'text_version'],
		]) {
			assertProblem(await postConsent(s, json), 409, 'reconsent-required', { fields: [field] });
		}
		const h = assertJson(await ctx.srv.req('GET', `/v1/subjects/${s}/consents`, { as: 'operator' }), 200).history;
		assert.equal(h.length, 5, 'no refused grant was recorded: the registration\'s five records only');
		// a revocation needs neither
		const rev = assertJson(await postConsent(s, { purpose: 'third_party_transfer', granted: false }), 201);
		assert.equal(rev.text_version, null);
		assert.equal(rev.text_sha256, null);
		assert.equal(rev.ip, null);
		// a grant with its evidence: the English text's version and SHA-256 kept
		const g = assertJson(await postConsent(s, {
			purpose: 'third_party_transfer', granted: true, ip: '203.0.113.5', text_version: 'x2', language: 'en',
		}), 201);
		const t = await current('third_party_transfer', 'en');
		assert.equal(g.text_version, 'x2');
		assert.equal(g.text_language, 'en');
		assert.equal(g.text_sha256, t.sha256);
		assert.equal(g.ip, '203.0.113.5');
		const c = await check(s, 'third_party_transfer');
		assert.equal(c.granted, true);
		assert.equal(c.text_version, 'x2');
		assert.equal(c.reconsent_required, false);
	});

	it('152-FZ Art. 9 (156-FZ): each record keeps its text version and SHA-256, in the consent history', async () => {
		const b = assertJson(await ctx.srv.req('GET', `/v1/subjects/${early.id}/consents`, { as: 'operator' }), 200);
		const ruProc = await ctx.srv.req('GET', '/consent/processing?lang=ru&version=1');
		const reg = b.history.filter((h) => h.source === 'registration');
		const proc = reg.find((h) => h.purpose === 'processing');
		assert.equal(proc.text_version, '1');
		assert.equal(proc.text_language, 'ru');
		assert.match(proc.text_sha256, SHA_RE);
		assert.ok(ruProc.text.includes(proc.text_sha256), 'the SHA-256 kept is the one of the page of that version');
		const tpt = reg.find((h) => h.purpose === 'third_party_transfer');
		assert.equal(tpt.text_version, '1');
		assert.match(tpt.text_sha256, SHA_RE);
		assert.notEqual(tpt.text_sha256, proc.text_sha256);
		for (const h of reg.filter((x) => x.purpose.startsWith('cookies.'))) {
			assert.equal(h.text_version, null, 'cookie categories keep their own texts');
			assert.equal(h.text_sha256, null);
		}
		assert.equal(b.current.processing.text_version, '1');
	});

	it('152-FZ Art. 14, Art. 9: the access export holds the consent texts the person agreed to, word for word', async () => {
		const q = await carryOut(ctx.srv, early.id, 'access');
		const x = assertJson(await ctx.srv.req('GET', `/v1/requests/${q.id}/export`, { as: 'operator' }), 200);
		assert.ok(Array.isArray(x.consent_texts), `consent_texts: ${JSON.stringify(Object.keys(x))}`);
		const key = (t) => `${t.purpose}/${t.version}/${t.language}`;
		assert.deepEqual(x.consent_texts.map(key).sort(),
			['processing/1/ru', 'third_party_transfer/1/ru', 'third_party_transfer/x2/en'], 'each text named by a grant, once');
		for (const t of x.consent_texts) {
			assert.equal(t.sha256, sha256(t.text), `${key(t)}: the text is the one of the SHA-256`);
			const rec = x.consents.history.find((h) => h.purpose === t.purpose && h.text_version === t.version);
			assert.equal(rec.text_sha256, t.sha256, `${key(t)}: the record kept that SHA-256`);
			assert.equal(t.url, `/consent/${t.purpose}?lang=${t.language}&version=${t.version}`);
			assert.match(t.published_at, TIME_RE);
		}
		assert.ok(x.consent_texts.find((t) => t.purpose === 'processing').text.includes(ADDRESS));
		const html = await ctx.srv.req('GET', `/v1/requests/${q.id}/export?format=html`, { as: 'operator' });
		assert.equal(html.status, 200);
		assert.ok(html.text.includes('Тексты согласий'), 'the page has the consent texts section');
		for (const t of x.consent_texts) assert.ok(html.text.includes(t.sha256), `the page names ${key(t)}'s SHA-256`);
		assert.ok(html.text.includes(ADDRESS), 'and its words');
		assert.ok(html.text.includes('/consent/processing?lang=ru&amp;version=1'), 'and its page');
	});

	it('152-FZ Art. 9 (156-FZ): a new text version asks for reconsent, as a new policy does; consenting again clears it', async () => {
		const s = early.id;
		const before = await check(s, 'processing');
		assert.equal(before.granted, true);
		assert.equal(before.reconsent_required, false);
		const text = '# Согласие на обработку персональных данных, редакция 2\n\nОператор: ' + OPERATOR + '.\n';
		assertJson(await publish({ purpose: 'processing', version: '2', language: 'ru', text }), 201);
		const after = await check(s, 'processing');
		assert.equal(after.granted, true, 'nothing is withdrawn');
		assert.equal(after.text_version, '1');
		assert.equal(after.reconsent_required, true, 'granted on Russian text 1, the current is 2');
		assert.equal(after.policy_version, '1', 'the policy did not change');
		const batch = assertJson(await ctx.srv.req('POST', '/v1/consent-checks', {
			as: 'app', json: { checks: [{ subject_id: s, purpose: 'processing' }, { subject_id: s, purpose: 'third_party_transfer' }] },
		}), 200);
		assert.equal(batch.results[0].reconsent_required, true);
		assert.equal(batch.results[1].reconsent_required, false, 'the English transfer text did not change');
		const hist = assertJson(await ctx.srv.req('GET', `/v1/subjects/${s}/consents`, { as: 'operator' }), 200);
		assert.equal(hist.current.processing.reconsent_required, true);
		// the old version is refused; the new one clears it, and keeps the new SHA-256
		assertProblem(await postConsent(s, { purpose: 'processing', granted: true, ip: '203.0.113.6', text_version: '1' }),
			409, 'reconsent-required', { fields: ['text_version'] });
		const g = assertJson(await postConsent(s, { purpose: 'processing', granted: true, ip: '203.0.113.6', text_version: '2' }), 201);
		assert.equal(g.text_sha256, sha256(text));
		const now = await check(s, 'processing');
		assert.equal(now.reconsent_required, false);
		assert.equal(now.text_version, '2');
		// registration follows the new version too
		assertProblem(await ctx.srv.register(newPerson()), 409, 'reconsent-required', { fields: ['consents.texts.processing'] });
		assert.equal((await check((await ctx.srv.registerOk(newPerson({
			consents: { processing: true, texts: { processing: '2' } } }))).id, 'processing')).reconsent_required, false);
	});

	it('152-FZ Art. 9: publishing a consent text is an audit entry, without the text', async () => {
		const a = assertJson(await ctx.srv.req('GET', '/v1/audit?limit=1000', { as: 'auditor' }), 200);
		const pubs = a.items.filter((e) => e.action === 'consent_text.publish');
		assert.equal(pubs.length, 4 + 4, `init's four texts and this suite's four: ${pubs.length}`);
		const v2 = pubs.find((e) => e.detail.version === '2' && e.detail.language === 'ru');
		assert.ok(v2, 'the Russian version 2 is in the log');
		assert.equal(v2.object_id, 'processing');
		assert.match(v2.detail.sha256, SHA_RE);
		assert.ok(!JSON.stringify(pubs).includes('редакция 2'), 'the text itself is not in the log');
	});

	ctx.closingTest();
});

// SPDX-License-Identifier: AGPL-3.0-or-later
// A webhook receiver on loopback, as an application's server would run one: plain HTTP on 127.0.0.1 (privd allows
// http:// to the loopback host with [webhooks] allow_http), every request kept with its headers and raw body, told
// to answer an error status for the next few requests so that the tests see privd's retries. And the signature check
// of the Standard Webhooks format, written exactly as docs/api.md's recipe.
import crypto from 'node:crypto';
import http from 'node:http';

/**
 * The recipe of docs/api.md: true when headers (webhook-id, webhook-timestamp, webhook-signature) sign body (the raw
 * bytes, as a string) under secret ("whsec_..."), and the timestamp is within five minutes of now.
 */
export function verifyWebhook(secret, headers, body, nowSeconds = Math.floor(Date.now() / 1000)) {
	const id = headers['webhook-id'];
	const ts = headers['webhook-timestamp'];
	const sigs = (headers['webhook-signature'] || '').split(' ');
	if (!id || !/^\d+$/.test(ts || '') || Math.abs(nowSeconds - Number(ts)) > 300) return false;
	const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
	const expected = crypto.createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
	return sigs.some((s) => {
		const [version, sig] = s.split(',');
		return version === 'v1' && sig && sig.length === expected.length &&
			crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
	});
}

/**
 * Starts a receiver. Resolves to { url, requests, accepted, failNext, failStatus, close() }: requests holds
 * { headers, body, status } of every request in arrival order; accepted only those answered 2xx; set failNext to a
 * count of requests to answer with failStatus (500 by default) before answering 204 again, or failStatus alone with
 * failNext = Infinity to refuse for good.
 */
export async function startReceiver() {
	const box = { requests: [], failNext: 0, failStatus: 500 };
	Object.defineProperty(box, 'accepted', { get() { return this.requests.filter((r) => r.status < 300); } });
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const status = box.failNext > 0 ? box.failStatus : 204;
			if (box.failNext > 0) box.failNext -= 1;
			box.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
			res.writeHead(status).end();
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	box.url = `http://127.0.0.1:${server.address().port}/hooks/privd`;
	box.close = () => new Promise((resolve) => server.close(resolve));
	return box;
}

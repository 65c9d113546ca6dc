// SPDX-License-Identifier: AGPL-3.0-or-later
// A third party on loopback that receives transfers as a real recipient would: plain HTTP on 127.0.0.1 (privd
// allows http:// only to the loopback host), a body that is a libsodium sealed box opened with the recipient's own
// X25519 private key, the Idempotency-Key and X-Privd-Transfer headers kept with each delivery. It can be told to
// answer with an error for a while, so the tests see privd's retries. Also: privd's aggregate exports checked the way
// an adversary would read them.
import http from 'node:http';
import sodium from 'libsodium-wrappers';

/** A fresh X25519 key pair: { publicKey (base64, as privd registers it), keyPair }. */
export async function recipientKeys() {
	await sodium.ready;
	const keyPair = sodium.crypto_box_keypair();
	return { publicKey: Buffer.from(keyPair.publicKey).toString('base64'), keyPair };
}

/**
 * Starts the recipient. opts.keys: from recipientKeys() (a fresh pair when absent); opts.failWith: an HTTP status to
 * answer (e.g. 503) until recipient.failWith is set to 0. Resolves to { url, publicKey, deliveries, attempts,
 * people, close() }: deliveries are { headers, body (the opened JSON), raw (the sealed bytes) } of every request
 * answered 2xx, in arrival order; attempts counts every request; people is every person received.
 */
export async function startRecipient({ keys, failWith = 0 } = {}) {
	await sodium.ready;
	const k = keys || await recipientKeys();
	const box = {
		deliveries: [], attempts: 0, failWith, opened: 0, unopened: 0,
		get people() { return this.deliveries.flatMap((d) => d.body.subjects); },
		publicKey: k.publicKey,
	};
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			box.attempts += 1;
			if (box.failWith) {
				res.writeHead(box.failWith).end();
				return;
			}
			const raw = Buffer.concat(chunks);
			let body;
			try {
				const plain = sodium.crypto_box_seal_open(new Uint8Array(raw), k.keyPair.publicKey,
					k.keyPair.privateKey);
				body = JSON.parse(Buffer.from(plain).toString('utf8'));
				box.opened += 1;
			} catch {
				box.unopened += 1;
				res.writeHead(400).end();
				return;
			}
			box.deliveries.push({ headers: req.headers, body, raw });
			res.writeHead(204).end();
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	box.url = `http://127.0.0.1:${server.address().port}/privd/in`;
	box.close = () => new Promise((resolve) => server.close(resolve));
	return box;
}

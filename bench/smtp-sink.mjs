// SPDX-License-Identifier: AGPL-3.0-or-later
// bench/smtp-sink.mjs - an SMTP server on loopback that accepts every message and throws it away, counting them:
// the far end of the delivery figure. Started by bench/delivery.mjs as a process of its own, so that it has a core
// of its own and its cost is not privd's. Prints {"port":N} when listening; answers SIGTERM by exiting with
// {"received":N} on stdout.
import { SMTPServer } from 'smtp-server';

let received = 0;
const server = new SMTPServer({
	authOptional: true,
	disabledCommands: ['STARTTLS'],
	logger: false,
	size: 1024 * 1024,
	onData(stream, session, cb) {
		stream.on('data', () => {});
		stream.on('end', () => {
			received += 1;
			cb();
		});
	},
});
server.listen(0, '127.0.0.1', () => {
	console.log(JSON.stringify({ port: server.server.address().port }));
});
process.on('SIGTERM', () => {
	console.log(JSON.stringify({ received }));
	server.close(() => process.exit(0));
	setTimeout(() => process.exit(0), 2000).unref();
});

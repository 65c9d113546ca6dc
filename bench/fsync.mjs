// SPDX-License-Identifier: AGPL-3.0-or-later
// fsync.mjs - the disk's fdatasync rate under a directory, the yardstick of every durable write figure.
//
// Usage: node bench/fsync.mjs DIR [SECONDS [KIB]]
// A small file (256 KiB, written once and synced) in DIR is overwritten 4 KiB at a time, in order and round again,
// with fdatasync after every write, for SECONDS (3): what a write-ahead log that is reused costs per commit (SQLite's
// WAL after a checkpoint, PostgreSQL's recycled segments). The file is removed at the end. Prints one line of JSON:
// {"syncs":N,"seconds":S,"per_second":R,"p50_us":..,"p99_us":..}. The synchronous calls are the point: one
// write and one fdatasync at a time, as one committing thread does them. KIB (4) writes that many KiB each time
// instead (the file is 64 such writes): what a commit of that size costs, for reading a profile (bench/README.md);
// the harness uses 4.
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const seconds = Number(process.argv[3] || 3);
const kib = Number(process.argv[4] || 4);
if (!dir || !(seconds > 0) || !(Number.isInteger(kib) && kib >= 1 && kib <= 16384)) {
	console.error('usage: node bench/fsync.mjs DIR [SECONDS [KIB]] (KIB: 1 to 16384)');
	process.exit(2);
}

const file = path.join(dir, `fsync-probe-${process.pid}`);
const block = Buffer.alloc(kib * 1024, 0x5a);
const blocks = 64;
const fd = openSync(file, 'w+');
try {
	for (let i = 0; i < blocks; i++) writeSync(fd, block, 0, block.length, i * block.length);
	fdatasyncSync(fd);
	const lat = [];
	const t0 = process.hrtime.bigint();
	const end = t0 + BigInt(Math.round(seconds * 1e9));
	let now = t0;
	let n = 0;
	while (now < end) {
		block.writeUInt32LE(n, 0);
		writeSync(fd, block, 0, block.length, (n % blocks) * block.length);
		fdatasyncSync(fd);
		const t = process.hrtime.bigint();
		lat.push(Number(t - now) / 1000);
		now = t;
		n++;
	}
	const secs = Number(now - t0) / 1e9;
	lat.sort((a, b) => a - b);
	const pct = (p) => Math.round(lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] || 0);
	console.log(JSON.stringify({ syncs: n, seconds: Number(secs.toFixed(3)), per_second: Math.round(n / secs),
		p50_us: pct(0.5), p99_us: pct(0.99) }));
} finally {
	closeSync(fd);
	rmSync(file, { force: true });
}

// SPDX-License-Identifier: AGPL-3.0-or-later
// Real scanned-document files for rights requests, made in memory: a PDF with a correct cross-reference table, a
// PNG with correct CRCs and a zlib-compressed image, and the smallest real JPEG and TIFF files (checked with djpeg
// and tiffinfo), plus the digest privd reports for a stored scan.
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';

export const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** Escapes a string for a PDF literal string. */
function pdfString(s) {
	return `(${s.replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

/**
 * A one-page PDF 1.4 with Helvetica text lines: catalog, pages, page, font, content stream; the xref offsets and
 * startxref are computed from the bytes. pad adds that many bytes of a comment line inside the content stream
 * (to make large files that are still valid).
 */
export function makePdf(lines = ['Request under 152-FZ', 'Signed: /s/'], { pad = 0 } = {}) {
	let content = 'BT\n/F1 12 Tf\n72 720 Td\n14 TL\n';
	for (const l of lines) content += `${pdfString(l)} Tj T*\n`;
	content += 'ET\n';
	if (pad > 0) content += `%${'x'.repeat(pad)}\n`;
	const objects = [
		'<< /Type /Catalog /Pages 2 0 R >>',
		'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
		'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
		'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
		`<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}endstream`,
	];
	let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
	const offsets = [];
	objects.forEach((body, i) => {
		offsets.push(Buffer.byteLength(out, 'latin1'));
		out += `${i + 1} 0 obj\n${body}\nendobj\n`;
	});
	const xref = Buffer.byteLength(out, 'latin1');
	out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
	for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
	out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
	return Buffer.from(out, 'latin1');
}

/** A well-formed PDF of n pages, each with a few lines of text (in Helvetica, not embedded), as a letter would be. */
export function makePdfPages(n) {
	const objects = ['<< /Type /Catalog /Pages 2 0 R >>', '', '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'];
	const kids = [];
	for (let p = 1; p <= n; p++) {
		const text = `BT /F1 14 Tf 72 760 Td 18 TL (Request to erase my personal data, page ${p} of ${n}) Tj T* (Signed: A. Testova) Tj ET`;
		objects.push(`<< /Length ${text.length} >>\nstream\n${text}\nendstream`);
		objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${objects.length} 0 R >>`);
		kids.push(`${objects.length} 0 R`);
	}
	objects[1] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${n} >>`;
	let out = '%PDF-1.4\n';
	const offsets = objects.map((body, i) => {
		const at = out.length;
		out += `${i + 1} 0 obj\n${body}\nendobj\n`;
		return at;
	});
	const xref = out.length;
	out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
	out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
	return Buffer.from(out, 'latin1');
}

/** A one-page PDF whose page is one image, jpx (JPEG 2000 bytes, .jp2 or a codestream), width × height pixels,
 *  stored as it is under /JPXDecode, filling a page of the same proportions. */
export function makeJpxPdf(jpx, width, height) {
	const w = 400;
	const h = Math.round((w * height) / width);
	const draw = `q ${w} 0 0 ${h} 0 0 cm /Im1 Do Q`;
	const parts = [];
	const offsets = [];
	let at = 0;
	const add = (b) => { const buf = Buffer.isBuffer(b) ? b : Buffer.from(b, 'latin1'); parts.push(buf); at += buf.length; };
	const obj = (n, body, stream) => {
		offsets[n - 1] = at;
		add(`${n} 0 obj\n${body}\n`);
		if (stream) { add('stream\n'); add(stream); add('\nendstream\n'); }
		add('endobj\n');
	};
	add('%PDF-1.5\n%\xe2\xe3\xcf\xd3\n');
	obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
	obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
	obj(3, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>`);
	obj(4, `<< /Length ${draw.length} >>`, draw);
	obj(5, `<< /Type /XObject /Subtype /Image /Width ${width} /Height ${height} /Filter /JPXDecode /Length ${jpx.length} >>`, jpx);
	const xref = at;
	add(`xref\n0 6\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`);
	add(`trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
	return Buffer.concat(parts);
}

const CRC_TABLE = (() => {
	const t = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		t[n] = c >>> 0;
	}
	return t;
})();

/** CRC-32 (ISO-HDLC, as PNG uses). */
export function crc32(buf) {
	let c = 0xffffffff;
	for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
	const len = Buffer.alloc(4);
	len.writeUInt32BE(data.length);
	const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(td));
	return Buffer.concat([len, td, crc]);
}

/** A width x height 8-bit greyscale PNG (a diagonal gradient): signature, IHDR, IDAT, IEND. */
export function makePng(width = 16, height = 8) {
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(width, 0);
	ihdr.writeUInt32BE(height, 4);
	ihdr[8] = 8;	// bit depth
	ihdr[9] = 0;	// greyscale
	ihdr[10] = 0;	// deflate
	ihdr[11] = 0;	// adaptive filtering
	ihdr[12] = 0;	// no interlace
	const raw = Buffer.alloc(height * (width + 1));
	for (let y = 0; y < height; y++) {
		raw[y * (width + 1)] = 0;	// filter: none
		for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = ((x + y) * 16) & 0xff;
	}
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		pngChunk('IHDR', ihdr),
		pngChunk('IDAT', zlib.deflateSync(raw)),
		pngChunk('IEND', Buffer.alloc(0)),
	]);
}

/** A 1x1 greyscale baseline JPEG (cjpeg -grayscale -optimize -quality 50 of a 1x1 grey PGM). */
export const JPEG = Buffer.from([
	0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
	0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x10, 0x0b, 0x0c, 0x0e, 0x0c, 0x0a, 0x10, 0x0e, 0x0d, 0x0e, 0x12,
	0x11, 0x10, 0x13, 0x18, 0x28, 0x1a, 0x18, 0x16, 0x16, 0x18, 0x31, 0x23, 0x25, 0x1d, 0x28, 0x3a, 0x33, 0x3d,
	0x3c, 0x39, 0x33, 0x38, 0x37, 0x40, 0x48, 0x5c, 0x4e, 0x40, 0x44, 0x57, 0x45, 0x37, 0x38, 0x50, 0x6d, 0x51,
	0x57, 0x5f, 0x62, 0x67, 0x68, 0x67, 0x3e, 0x4d, 0x71, 0x79, 0x70, 0x64, 0x78, 0x5c, 0x65, 0x67, 0x63, 0xff,
	0xc0, 0x00, 0x0b, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x14, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xc4,
	0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x3f, 0xff, 0xd9,
]);

/** A 1x1 greyscale TIFF, little-endian, the directory first (9 entries), the pixel last. */
export const TIFF_LE = Buffer.from([
	0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x01, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x01,
	0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x03, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x11, 0x01,
	0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x7a, 0x00, 0x00, 0x00, 0x15, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x16, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x17, 0x01,
	0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80,
]);

/** The same image big-endian, the pixel first and the directory last (as libtiff writes). */
export const TIFF_BE = Buffer.from([
	0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x0a, 0x80, 0x00, 0x00, 0x09, 0x01, 0x00, 0x00, 0x03, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
	0x01, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x01, 0x03, 0x00, 0x03, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x06, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
	0x01, 0x11, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x01, 0x15, 0x00, 0x03, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x16, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
	0x01, 0x17, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
]);

/** Every kind of valid scan, with the media type it is sent as and the extension privd serves it with. */
export function sampleDocuments() {
	return [
		{ name: 'PDF', type: 'application/pdf', ext: 'pdf', data: makePdf() },
		{ name: 'JPEG', type: 'image/jpeg', ext: 'jpg', data: JPEG },
		{ name: 'PNG', type: 'image/png', ext: 'png', data: makePng() },
		{ name: 'TIFF (little-endian)', type: 'image/tiff', ext: 'tif', data: TIFF_LE },
		{ name: 'TIFF (big-endian)', type: 'image/tiff', ext: 'tif', data: TIFF_BE },
	];
}

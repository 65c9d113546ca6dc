// SPDX-License-Identifier: AGPL-3.0-or-later
// Draws the pages of a PDF into canvases, for the portal's preview before sending and the console's view of a scan.
// pdf.js (pdfjs-dist from npm) is bundled by `make` into /common/pdfjs/ and loaded from privd's own origin only when
// a PDF is shown; its worker comes from there too (the pages' CSP allows workers from 'self' and nothing else). No
// string is evaluated as code (isEvalSupported off), and the bytes never leave the browser: they are given to pdf.js
// as they are, not fetched by it. Its WebAssembly decoders (OpenJPEG for a scan's JPEG 2000 images, JBIG2, QCMS)
// come from /common/pdfjs/wasm/ (wasmUrl); the pages' policy lets them compile ('wasm-unsafe-eval').
const BASE = '/common/pdfjs/';
let lib = null;

async function pdfjs() {
	if (!lib) {
		lib = import(`${BASE}pdf.min.mjs`).then((m) => {
			m.GlobalWorkerOptions.workerSrc = `${BASE}pdf.worker.min.mjs`;
			return m;
		});
	}
	return lib;
}

/** Opens the PDF in bytes (an ArrayBuffer or Uint8Array); resolves to the document (numPages, getPage, destroy). */
export async function openPdf(bytes) {
	const m = await pdfjs();
	return m.getDocument({ data: bytes, isEvalSupported: false, enableXfa: false, disableFontFace: false, wasmUrl: `${BASE}wasm/` }).promise;
}

/** Draws page n (from 1) of doc into canvas, width CSS pixels wide (sharp on dense screens). */
export async function drawPage(doc, n, canvas, width) {
	const page = await doc.getPage(n);
	const base = page.getViewport({ scale: 1 });
	const ratio = window.devicePixelRatio || 1;
	const viewport = page.getViewport({ scale: (width / base.width) * ratio });
	canvas.width = Math.floor(viewport.width);
	canvas.height = Math.floor(viewport.height);
	canvas.style.width = `${width}px`;
	await page.render({ canvasContext: canvas.getContext('2d'), viewport }).promise;
	page.cleanup();
}

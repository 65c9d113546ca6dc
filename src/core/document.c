/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * document.c - content checks of uploaded scans (see document.h).
 *
 * The input is whatever a stranger chose to upload, up to the service's size cap, and these functions are fuzz
 * targets. So: no recursion, no allocation, every loop advances by at least one byte or walks a count already
 * bounded by the file size, and every offset read from the file is compared against what is left of the
 * buffer (`n <= len - off`, never `off + n <= len`) before it is used. Multi-page TIFFs are checked through
 * their first directory only, so following a chain of directories can never loop.
 */
#include "document.h"

#include <stdbool.h>
#include <string.h>

#define PDF_HEADER_LEN 8         /* "%PDF-1.7" */
#define PDF_TAIL_WINDOW 1024     /* where readers look for %%EOF */
#define PDF_OFFSET_DIGITS_MAX 19 /* fits in uint64_t */
#define PNG_SIG_LEN 8
#define PNG_CHUNK_OVERHEAD 12 /* length, type, CRC */
#define PNG_CHUNK_MAX 0x7fffffffu
#define TIFF_HEADER_LEN 8
#define TIFF_ENTRY_LEN 12

enum {
	TIFF_TAG_IMAGE_WIDTH = 256,
	TIFF_TAG_IMAGE_LENGTH = 257,
	TIFF_TAG_STRIP_OFFSETS = 273,
	TIFF_TAG_STRIP_BYTE_COUNTS = 279,
	TIFF_TAG_TILE_OFFSETS = 324,
	TIFF_TAG_TILE_BYTE_COUNTS = 325
};

static const char *const mime_names[PRIVD_DOC_TYPE_COUNT] = {
    [PRIVD_DOC_PDF] = "application/pdf",
    [PRIVD_DOC_JPEG] = "image/jpeg",
    [PRIVD_DOC_PNG] = "image/png",
    [PRIVD_DOC_TIFF] = "image/tiff",
};

static const char *const mismatch_reasons[PRIVD_DOC_TYPE_COUNT] = {
    [PRIVD_DOC_PDF] = "the file is a PDF document, not of the declared type",
    [PRIVD_DOC_JPEG] = "the file is a JPEG image, not of the declared type",
    [PRIVD_DOC_PNG] = "the file is a PNG image, not of the declared type",
    [PRIVD_DOC_TIFF] = "the file is a TIFF image, not of the declared type",
};

static const uint8_t png_signature[PNG_SIG_LEN] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

/* CRC-32 four bits at a time: a 16-entry constant table, no initialisation, no shared mutable state. */
static const uint32_t crc_nibble[16] = {
    0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
    0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

static enum privd_rc refuse(const char **reason, enum privd_rc rc, const char *why)
{
	if (reason != NULL)
		*reason = why;
	return rc;
}

/* True when n bytes starting at off lie within a buffer of len bytes; cannot overflow. */
static bool within(size_t len, size_t off, size_t n)
{
	return off <= len && n <= len - off;
}

static bool type_valid(enum privd_doc_type t)
{
	return (int)t >= 0 && (int)t < PRIVD_DOC_TYPE_COUNT;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

uint32_t privd_doc_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
	size_t i;

	crc = ~crc;
	for (i = 0; i < len; i++) {
		crc ^= data[i];
		crc = (crc >> 4) ^ crc_nibble[crc & 0x0f];
		crc = (crc >> 4) ^ crc_nibble[crc & 0x0f];
	}
	return ~crc;
}

const char *privd_doc_mime(enum privd_doc_type t)
{
	return type_valid(t) ? mime_names[t] : "application/octet-stream";
}

enum privd_rc privd_doc_type_from_mime(const char *content_type, enum privd_doc_type *out)
{
	const char *start;
	const char *end;
	size_t n;
	int t;

	if (content_type == NULL)
		return PRIVD_ERR_UNSUPPORTED;
	start = content_type;
	while (*start == ' ' || *start == '\t')
		start++;
	end = strchr(start, ';');
	if (end == NULL)
		end = start + strlen(start);
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = (size_t)(end - start);
	for (t = 0; t < PRIVD_DOC_TYPE_COUNT; t++) {
		const char *mime = mime_names[t];
		size_t i;

		if (strlen(mime) != n)
			continue;
		for (i = 0; i < n; i++) {
			if (ascii_lower((unsigned char)start[i]) != (unsigned char)mime[i])
				break;
		}
		if (i == n) {
			if (out != NULL)
				*out = (enum privd_doc_type)t;
			return PRIVD_OK;
		}
	}
	return PRIVD_ERR_UNSUPPORTED;
}

enum privd_rc privd_doc_sniff(const uint8_t *data, size_t len, enum privd_doc_type *out)
{
	enum privd_doc_type t;

	if (data == NULL)
		return PRIVD_ERR_UNSUPPORTED;
	if (len >= 5 && memcmp(data, "%PDF-", 5) == 0)
		t = PRIVD_DOC_PDF;
	else if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
		t = PRIVD_DOC_JPEG;
	else if (len >= PNG_SIG_LEN && memcmp(data, png_signature, PNG_SIG_LEN) == 0)
		t = PRIVD_DOC_PNG;
	else if (len >= 4 && (memcmp(data, "II*\0", 4) == 0 || memcmp(data, "MM\0*", 4) == 0))
		t = PRIVD_DOC_TIFF;
	else
		return PRIVD_ERR_UNSUPPORTED;
	if (out != NULL)
		*out = t;
	return PRIVD_OK;
}

/* --- PDF --- */

static bool pdf_space(uint8_t c)
{
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* The last occurrence of needle lying wholly within data[from..to); false when there is none. */
static bool find_last(const uint8_t *data, size_t from, size_t to, const char *needle, size_t *at)
{
	size_t nlen = strlen(needle);
	size_t i;

	if (to < from || to - from < nlen)
		return false;
	for (i = to - nlen + 1; i-- > from;) {
		if (memcmp(data + i, needle, nlen) == 0) {
			*at = i;
			return true;
		}
	}
	return false;
}

static enum privd_rc check_pdf(const uint8_t *data, size_t len, const char **reason)
{
	static const char *const no_xref =
	    "the PDF is truncated: no cross-reference offset before its end-of-file marker";
	size_t end = len;
	size_t from;
	size_t eof;
	size_t p;
	size_t digits_end;
	size_t xref_kw;
	uint64_t offset = 0;

	if (len < PDF_HEADER_LEN || (memcmp(data, "%PDF-1.", 7) != 0 && memcmp(data, "%PDF-2.", 7) != 0) ||
	    !is_digit(data[7]))
		return refuse(reason, PRIVD_ERR_INVALID, "the PDF header is not of version 1.x or 2.x");

	while (end > PDF_HEADER_LEN && pdf_space(data[end - 1]))
		end--;
	from = end - PDF_HEADER_LEN > PDF_TAIL_WINDOW ? end - PDF_TAIL_WINDOW : PDF_HEADER_LEN;
	if (!find_last(data, from, end, "%%EOF", &eof))
		return refuse(reason, PRIVD_ERR_INVALID, "the PDF is truncated: no end-of-file marker at its end");

	/* Backwards from %%EOF: white space, the offset, white space, "startxref". */
	p = eof;
	while (p > PDF_HEADER_LEN && pdf_space(data[p - 1]))
		p--;
	if (p == eof)
		return refuse(reason, PRIVD_ERR_INVALID, no_xref);
	digits_end = p;
	while (p > PDF_HEADER_LEN && digits_end - p < PDF_OFFSET_DIGITS_MAX + 1 && is_digit(data[p - 1]))
		p--;
	if (p == digits_end || digits_end - p > PDF_OFFSET_DIGITS_MAX)
		return refuse(reason, PRIVD_ERR_INVALID, no_xref);
	for (size_t i = p; i < digits_end; i++)
		offset = offset * 10 + (uint64_t)(data[i] - '0');
	xref_kw = p;
	while (p > PDF_HEADER_LEN && pdf_space(data[p - 1]))
		p--;
	if (p == xref_kw || p - PDF_HEADER_LEN < 9 || memcmp(data + p - 9, "startxref", 9) != 0)
		return refuse(reason, PRIVD_ERR_INVALID, no_xref);
	xref_kw = p - 9;
	if (offset < PDF_HEADER_LEN || offset >= xref_kw)
		return refuse(reason, PRIVD_ERR_INVALID, "the cross-reference offset of the PDF lies outside the file");
	return PRIVD_OK;
}

/* --- JPEG --- */

static bool jpeg_is_sof(uint8_t m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

static enum privd_rc check_jpeg(const uint8_t *data, size_t len, const char **reason)
{
	static const char *const truncated = "the JPEG is truncated before its image data";
	size_t pos = 2;
	size_t end;
	bool frame = false;

	for (;;) {
		uint8_t m;
		size_t seglen;
		const uint8_t *body;
		size_t blen;

		if (pos >= len)
			return refuse(reason, PRIVD_ERR_INVALID, truncated);
		if (data[pos] != 0xff)
			return refuse(reason, PRIVD_ERR_INVALID, "the JPEG has a malformed segment marker");
		while (pos < len && data[pos] == 0xff) /* fill bytes */
			pos++;
		if (pos >= len)
			return refuse(reason, PRIVD_ERR_INVALID, truncated);
		m = data[pos++];
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7)) /* TEM, RSTn: no length */
			continue;
		if (m == 0xd9)
			return refuse(reason, PRIVD_ERR_INVALID, "the JPEG ends before its image data");
		if (m == 0x00 || m == 0xd8)
			return refuse(reason, PRIVD_ERR_INVALID, "the JPEG has a malformed segment marker");
		if (!within(len, pos, 2))
			return refuse(reason, PRIVD_ERR_INVALID, truncated);
		seglen = be16(data + pos);
		if (seglen < 2 || !within(len, pos, seglen))
			return refuse(reason, PRIVD_ERR_INVALID, "a JPEG segment runs past the end of the file");
		body = data + pos + 2;
		blen = seglen - 2;
		if (jpeg_is_sof(m)) {
			/* P, Y(2), X(2), Nf, then Nf * (C, H/V, Tq) */
			if (blen < 6 || be16(body + 3) == 0 || body[5] < 1 || body[5] > 4 ||
			    blen != 6 + 3 * (size_t)body[5])
				return refuse(reason, PRIVD_ERR_INVALID, "the JPEG frame header is malformed");
			frame = true;
		} else if (m == 0xda) {
			/* Ns, then Ns * (Cs, Td/Ta), Ss, Se, Ah/Al */
			if (!frame)
				return refuse(reason, PRIVD_ERR_INVALID,
				              "the JPEG has no frame header before its image data");
			if (blen < 1 || body[0] < 1 || body[0] > 4 || blen != 1 + 2 * (size_t)body[0] + 3)
				return refuse(reason, PRIVD_ERR_INVALID, "the JPEG scan header is malformed");
			pos += seglen;
			break;
		}
		pos += seglen;
	}

	end = len;
	while (end > pos && data[end - 1] == 0)
		end--;
	if (end - pos < 3 || data[end - 2] != 0xff || data[end - 1] != 0xd9)
		return refuse(reason, PRIVD_ERR_INVALID, "the JPEG is truncated: no end-of-image marker");
	return PRIVD_OK;
}

/* --- PNG --- */

static bool png_ihdr_valid(const uint8_t *b)
{
	uint32_t width = be32(b);
	uint32_t height = be32(b + 4);
	uint8_t depth = b[8];
	uint8_t colour = b[9];

	if (width == 0 || height == 0 || width > PNG_CHUNK_MAX || height > PNG_CHUNK_MAX)
		return false;
	if (b[10] != 0 || b[11] != 0 || b[12] > 1) /* compression, filter, interlace */
		return false;
	switch (colour) {
	case 0:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
	case 3:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8;
	case 2:
	case 4:
	case 6:
		return depth == 8 || depth == 16;
	default:
		return false;
	}
}

static bool png_type_valid(const uint8_t *t)
{
	for (int i = 0; i < 4; i++) {
		if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
			return false;
	}
	return true;
}

static enum privd_rc check_png(const uint8_t *data, size_t len, const char **reason)
{
	size_t pos = PNG_SIG_LEN;
	bool first = true;
	bool idat = false;

	for (;;) {
		const uint8_t *type;
		uint32_t clen;

		if (!within(len, pos, PNG_CHUNK_OVERHEAD))
			return refuse(reason, PRIVD_ERR_INVALID, "the PNG is truncated: it ends before its IEND chunk");
		clen = be32(data + pos);
		if (clen > PNG_CHUNK_MAX || !within(len, pos + PNG_CHUNK_OVERHEAD, clen))
			return refuse(reason, PRIVD_ERR_INVALID, "a PNG chunk runs past the end of the file");
		type = data + pos + 4;
		if (!png_type_valid(type))
			return refuse(reason, PRIVD_ERR_INVALID, "a PNG chunk has an invalid type");
		if (privd_doc_crc32(0, type, 4 + (size_t)clen) != be32(type + 4 + clen))
			return refuse(reason, PRIVD_ERR_INVALID, "a PNG chunk fails its CRC check");
		if (first) {
			if (memcmp(type, "IHDR", 4) != 0 || clen != 13)
				return refuse(reason, PRIVD_ERR_INVALID, "the PNG does not start with an IHDR chunk");
			if (!png_ihdr_valid(type + 4))
				return refuse(reason, PRIVD_ERR_INVALID, "the PNG header is malformed");
			first = false;
		} else if (memcmp(type, "IHDR", 4) == 0) {
			return refuse(reason, PRIVD_ERR_INVALID, "the PNG has more than one IHDR chunk");
		} else if (memcmp(type, "IDAT", 4) == 0) {
			idat = true;
		} else if (memcmp(type, "IEND", 4) == 0) {
			if (clen != 0)
				return refuse(reason, PRIVD_ERR_INVALID, "the PNG IEND chunk is malformed");
			if (!idat)
				return refuse(reason, PRIVD_ERR_INVALID, "the PNG has no image data");
			if (len - pos != PNG_CHUNK_OVERHEAD)
				return refuse(reason, PRIVD_ERR_INVALID, "the PNG has data after its IEND chunk");
			return PRIVD_OK;
		}
		pos += PNG_CHUNK_OVERHEAD + (size_t)clen;
	}
}

/* --- TIFF --- */

struct tiff {
	const uint8_t *data;
	size_t len;
	bool big_endian;
};

/* Where one field of the first IFD lives, once its bounds are known to be good. */
struct tiff_field {
	bool present;
	uint16_t type;
	uint32_t count;
	size_t values; /* offset of the first value: inline in the entry or out of line */
};

static uint16_t tiff16(const struct tiff *t, size_t off)
{
	const uint8_t *p = t->data + off;

	return t->big_endian ? be16(p) : (uint16_t)((unsigned)p[1] << 8 | p[0]);
}

static uint32_t tiff32(const struct tiff *t, size_t off)
{
	const uint8_t *p = t->data + off;

	return t->big_endian ? be32(p) : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Bytes per value of a TIFF 6.0 field type (13, IFD, from TIFF-EP); 0 for a type this module does not know. */
static size_t tiff_type_size(uint16_t type)
{
	switch (type) {
	case 1:
	case 2:
	case 6:
	case 7:
		return 1;
	case 3:
	case 8:
		return 2;
	case 4:
	case 9:
	case 11:
	case 13:
		return 4;
	case 5:
	case 10:
	case 12:
		return 8;
	default:
		return 0;
	}
}

/* Value idx of a SHORT or LONG field whose bounds were checked; false for any other type or idx. */
static bool tiff_value(const struct tiff *t, const struct tiff_field *f, uint32_t idx, uint32_t *out)
{
	if (!f->present || idx >= f->count)
		return false;
	if (f->type == 3 && within(t->len, f->values, ((size_t)idx + 1) * 2))
		*out = tiff16(t, f->values + (size_t)idx * 2);
	else if (f->type == 4 && within(t->len, f->values, ((size_t)idx + 1) * 4))
		*out = tiff32(t, f->values + (size_t)idx * 4);
	else
		return false;
	return true;
}

/* Every (offset, byte count) pair of a strip or tile table lies within the file. */
static bool tiff_chunks_within(const struct tiff *t, const struct tiff_field *offsets, const struct tiff_field *counts)
{
	if (!offsets->present || !counts->present || offsets->count == 0 || offsets->count != counts->count)
		return false;
	for (uint32_t i = 0; i < offsets->count; i++) {
		uint32_t off;
		uint32_t n;

		if (!tiff_value(t, offsets, i, &off) || !tiff_value(t, counts, i, &n))
			return false;
		if (!within(t->len, off, n))
			return false;
	}
	return true;
}

static enum privd_rc check_tiff(const uint8_t *data, size_t len, const char **reason)
{
	struct tiff t = {.data = data, .len = len, .big_endian = data[0] == 'M'};
	struct tiff_field width = {0}, height = {0}, strip_off = {0}, strip_len = {0}, tile_off = {0}, tile_len = {0};
	size_t ifd;
	size_t entries;
	uint16_t n;
	uint32_t next;
	uint32_t v;

	if (len < TIFF_HEADER_LEN)
		return refuse(reason, PRIVD_ERR_INVALID, "the TIFF is truncated");
	ifd = tiff32(&t, 4);
	if (ifd < TIFF_HEADER_LEN || !within(len, ifd, 2))
		return refuse(reason, PRIVD_ERR_INVALID, "the first TIFF directory lies outside the file");
	n = tiff16(&t, ifd);
	entries = ifd + 2;
	if (n == 0)
		return refuse(reason, PRIVD_ERR_INVALID, "the first TIFF directory is empty");
	if (!within(len, entries, (size_t)n * TIFF_ENTRY_LEN + 4))
		return refuse(reason, PRIVD_ERR_INVALID, "the first TIFF directory runs past the end of the file");

	for (size_t i = 0; i < n; i++) {
		size_t e = entries + i * TIFF_ENTRY_LEN;
		struct tiff_field f = {.present = true, .type = tiff16(&t, e + 2), .count = tiff32(&t, e + 4)};
		size_t size = tiff_type_size(f.type);
		uint64_t bytes = (uint64_t)f.count * size; /* at most 2^35: no overflow */
		struct tiff_field *slot = NULL;

		if (size == 0)
			continue; /* unknown type: readers skip it, and so do we */
		f.values = e + 8;
		if (bytes > 4) {
			f.values = tiff32(&t, e + 8);
			if (bytes > SIZE_MAX || !within(len, f.values, (size_t)bytes))
				return refuse(reason, PRIVD_ERR_INVALID, "a TIFF field points outside the file");
		}
		switch (tiff16(&t, e)) {
		case TIFF_TAG_IMAGE_WIDTH:
			slot = &width;
			break;
		case TIFF_TAG_IMAGE_LENGTH:
			slot = &height;
			break;
		case TIFF_TAG_STRIP_OFFSETS:
			slot = &strip_off;
			break;
		case TIFF_TAG_STRIP_BYTE_COUNTS:
			slot = &strip_len;
			break;
		case TIFF_TAG_TILE_OFFSETS:
			slot = &tile_off;
			break;
		case TIFF_TAG_TILE_BYTE_COUNTS:
			slot = &tile_len;
			break;
		default:
			break;
		}
		if (slot != NULL && !slot->present)
			*slot = f;
	}

	next = tiff32(&t, entries + (size_t)n * TIFF_ENTRY_LEN);
	if (next != 0 && (next < TIFF_HEADER_LEN || !within(len, next, 2)))
		return refuse(reason, PRIVD_ERR_INVALID, "the next TIFF directory lies outside the file");
	if (!tiff_value(&t, &width, 0, &v) || v == 0 || !tiff_value(&t, &height, 0, &v) || v == 0)
		return refuse(reason, PRIVD_ERR_INVALID, "the TIFF has no valid ImageWidth and ImageLength");
	if (!tiff_chunks_within(&t, &strip_off, &strip_len) && !tiff_chunks_within(&t, &tile_off, &tile_len))
		return refuse(reason, PRIVD_ERR_INVALID,
		              "the TIFF image data is missing or runs past the end of the file");
	return PRIVD_OK;
}

enum privd_rc privd_doc_check(const uint8_t *data, size_t len, enum privd_doc_type declared, const char **reason)
{
	enum privd_doc_type found;
	enum privd_rc rc;

	if (reason != NULL)
		*reason = NULL;
	if (!type_valid(declared))
		return refuse(reason, PRIVD_ERR_UNSUPPORTED, "the declared document type is not supported");
	if (len == 0 || data == NULL)
		return refuse(reason, PRIVD_ERR_INVALID, "the document is empty");
	if (privd_doc_sniff(data, len, &found) != PRIVD_OK)
		return refuse(reason, PRIVD_ERR_UNSUPPORTED, "the file is not a PDF, JPEG, PNG or TIFF document");
	if (found != declared)
		return refuse(reason, PRIVD_ERR_UNSUPPORTED, mismatch_reasons[found]);
	switch (found) {
	case PRIVD_DOC_PDF:
		rc = check_pdf(data, len, reason);
		break;
	case PRIVD_DOC_JPEG:
		rc = check_jpeg(data, len, reason);
		break;
	case PRIVD_DOC_PNG:
		rc = check_png(data, len, reason);
		break;
	case PRIVD_DOC_TIFF:
		rc = check_tiff(data, len, reason);
		break;
	default:
		rc = refuse(reason, PRIVD_ERR_INTERNAL, "the document type is unknown");
		break;
	}
	return rc;
}

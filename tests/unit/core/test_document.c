/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_document.c - content checks of uploaded scans: what a real file passes and what a hostile one cannot.
 *
 * The valid files are the smallest real ones we could make: a one-page PDF with a correct cross-reference table,
 * a 1x1 greyscale baseline JPEG, a 1x1 greyscale PNG and two 1x1 TIFFs (little-endian with the directory first,
 * big-endian with it last, as libtiff writes). Each was checked with a real reader (qpdf --check, djpeg,
 * pngcheck, tiffinfo) before it was pasted here. Everything else is derived from them: cut, flipped, relabelled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/document.h"

#define BUF_MAX 4096

static const char pdf_text[] = "%PDF-1.4\n"
                               "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                               "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
                               "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>\nendobj\n"
                               "xref\n0 4\n"
                               "0000000000 65535 f \n"
                               "0000000009 00000 n \n"
                               "0000000058 00000 n \n"
                               "0000000115 00000 n \n"
                               "trailer\n<< /Size 4 /Root 1 0 R >>\n"
                               "startxref\n184\n%%EOF\n";

/* cjpeg -grayscale -optimize -quality 50 of a 1x1 grey PGM. */
static const uint8_t jpeg_file[] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01,
    0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x10, 0x0b, 0x0c, 0x0e, 0x0c, 0x0a, 0x10, 0x0e, 0x0d, 0x0e, 0x12,
    0x11, 0x10, 0x13, 0x18, 0x28, 0x1a, 0x18, 0x16, 0x16, 0x18, 0x31, 0x23, 0x25, 0x1d, 0x28, 0x3a, 0x33, 0x3d,
    0x3c, 0x39, 0x33, 0x38, 0x37, 0x40, 0x48, 0x5c, 0x4e, 0x40, 0x44, 0x57, 0x45, 0x37, 0x38, 0x50, 0x6d, 0x51,
    0x57, 0x5f, 0x62, 0x67, 0x68, 0x67, 0x3e, 0x4d, 0x71, 0x79, 0x70, 0x64, 0x78, 0x5c, 0x65, 0x67, 0x63, 0xff,
    0xc0, 0x00, 0x0b, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x14, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xc4,
    0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x3f, 0xff, 0xd9,
};
#define JPEG_DQT_LENGTH 22 /* FF DB at 20, its length at 22..23 */

/* 1x1, 8-bit greyscale: IHDR, IDAT (zlib of filter byte 0 and one pixel), IEND. */
static const uint8_t png_file[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x7e, 0x9b, 0x55, 0x00,
    0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x68, 0x00, 0x00, 0x00, 0x82, 0x00, 0x81,
    0xda, 0x45, 0x08, 0x3b, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};
#define PNG_IHDR_CRC 29
#define PNG_IDAT_DATA 41

/* Little-endian, IFD at 8 with 9 entries, the one pixel at the end. */
static const uint8_t tiff_le_file[] = {
    0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x01,
    0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x03, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x11, 0x01,
    0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x7a, 0x00, 0x00, 0x00, 0x15, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x16, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x17, 0x01,
    0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80,
};
#define TIFF_IFD_OFFSET 4
#define TIFF_ENTRY_COUNT 8
#define TIFF_WIDTH_TAG 10                   /* entry 0 */
#define TIFF_BITS_COUNT (10 + 2 * 12 + 4)   /* entry 2, BitsPerSample: its count */
#define TIFF_STRIP_OFFSET (10 + 5 * 12 + 8) /* entry 5, StripOffsets: its value */

/* Big-endian, the pixel first and the IFD last. */
static const uint8_t tiff_be_file[] = {
    0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x0a, 0x80, 0x00, 0x00, 0x09, 0x01, 0x00, 0x00, 0x03, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
    0x01, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x01, 0x03, 0x00, 0x03, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x06, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
    0x01, 0x11, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x01, 0x15, 0x00, 0x03, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x16, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
    0x01, 0x17, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
};

struct sample {
	const char *name;
	const uint8_t *data;
	size_t len;
	enum privd_doc_type type;
};

static const struct sample samples[] = {
    {"pdf", (const uint8_t *)pdf_text, sizeof(pdf_text) - 1, PRIVD_DOC_PDF},
    {"jpeg", jpeg_file, sizeof(jpeg_file), PRIVD_DOC_JPEG},
    {"png", png_file, sizeof(png_file), PRIVD_DOC_PNG},
    {"tiff-le", tiff_le_file, sizeof(tiff_le_file), PRIVD_DOC_TIFF},
    {"tiff-be", tiff_be_file, sizeof(tiff_be_file), PRIVD_DOC_TIFF},
};

#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))

static uint8_t buf[BUF_MAX];

/* Copies a sample into buf for a test to damage. */
static size_t load(const uint8_t *data, size_t len)
{
	assert_true(len < sizeof(buf));
	memcpy(buf, data, len);
	buf[len] = 0; /* so that the PDF tests may use strstr */
	return len;
}

static enum privd_rc check(const uint8_t *data, size_t len, enum privd_doc_type t)
{
	const char *reason = "unset";
	enum privd_rc rc = privd_doc_check(data, len, t, &reason);

	if (rc == PRIVD_OK) {
		assert_null(reason);
	} else {
		assert_non_null(reason);
		assert_true(strlen(reason) > 0);
	}
	return rc;
}

/* Deterministic test bytes (xorshift32): the core has no RNG, and a failing case must replay. */
static uint32_t next_random(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_mime_names(void **state)
{
	(void)state;
	assert_string_equal(privd_doc_mime(PRIVD_DOC_PDF), "application/pdf");
	assert_string_equal(privd_doc_mime(PRIVD_DOC_JPEG), "image/jpeg");
	assert_string_equal(privd_doc_mime(PRIVD_DOC_PNG), "image/png");
	assert_string_equal(privd_doc_mime(PRIVD_DOC_TIFF), "image/tiff");
	assert_string_equal(privd_doc_mime((enum privd_doc_type)PRIVD_DOC_TYPE_COUNT), "application/octet-stream");
}

static void test_type_from_mime(void **state)
{
	enum privd_doc_type t;

	(void)state;
	for (int i = 0; i < PRIVD_DOC_TYPE_COUNT; i++) {
		t = (enum privd_doc_type) - 1;
		assert_int_equal(privd_doc_type_from_mime(privd_doc_mime((enum privd_doc_type)i), &t), PRIVD_OK);
		assert_int_equal(t, i);
	}
	assert_int_equal(privd_doc_type_from_mime("Application/PDF", &t), PRIVD_OK);
	assert_int_equal(t, PRIVD_DOC_PDF);
	assert_int_equal(privd_doc_type_from_mime("image/PNG; charset=binary", &t), PRIVD_OK);
	assert_int_equal(t, PRIVD_DOC_PNG);
	assert_int_equal(privd_doc_type_from_mime("  image/jpeg\t;q=1", &t), PRIVD_OK);
	assert_int_equal(t, PRIVD_DOC_JPEG);
	assert_int_equal(privd_doc_type_from_mime("image/tiff;", &t), PRIVD_OK);
	assert_int_equal(t, PRIVD_DOC_TIFF);
	assert_int_equal(privd_doc_type_from_mime("image/tiff", NULL), PRIVD_OK);

	t = PRIVD_DOC_PNG;
	assert_int_equal(privd_doc_type_from_mime("image/jpg", &t), PRIVD_ERR_UNSUPPORTED);
	assert_int_equal(privd_doc_type_from_mime("image/tif", &t), PRIVD_ERR_UNSUPPORTED);
	assert_int_equal(privd_doc_type_from_mime("image/pngx", &t), PRIVD_ERR_UNSUPPORTED);
	assert_int_equal(privd_doc_type_from_mime("image / png", &t), PRIVD_ERR_UNSUPPORTED);
	assert_int_equal(privd_doc_type_from_mime("text/plain", &t), PRIVD_ERR_UNSUPPORTED);
	assert_int_equal(privd_doc_type_from_mime("multipart/form-data; boundary=x", &t), PRIVD_ERR_UNSUPPORTED);
	assert_int_equal(privd_doc_type_from_mime("; image/png", &t), PRIVD_ERR_UNSUPPORTED);
	assert_int_equal(privd_doc_type_from_mime("", &t), PRIVD_ERR_UNSUPPORTED);
	assert_int_equal(privd_doc_type_from_mime(NULL, &t), PRIVD_ERR_UNSUPPORTED);
	assert_int_equal(t, PRIVD_DOC_PNG); /* untouched on failure */
}

static void test_crc32(void **state)
{
	const uint8_t *check_input = (const uint8_t *)"123456789";

	(void)state;
	assert_int_equal(privd_doc_crc32(0, check_input, 9), 0xcbf43926u);
	assert_int_equal(privd_doc_crc32(privd_doc_crc32(0, check_input, 4), check_input + 4, 5), 0xcbf43926u);
	assert_int_equal(privd_doc_crc32(0, NULL, 0), 0);
	/* The IEND chunk's CRC, fixed by the PNG specification. */
	assert_int_equal(privd_doc_crc32(0, (const uint8_t *)"IEND", 4), 0xae426082u);
}

static void test_sniff(void **state)
{
	enum privd_doc_type t;

	(void)state;
	for (size_t i = 0; i < NSAMPLES; i++) {
		assert_int_equal(privd_doc_sniff(samples[i].data, samples[i].len, &t), PRIVD_OK);
		assert_int_equal(t, samples[i].type);
	}
	assert_int_equal(privd_doc_sniff((const uint8_t *)"%PDF", 4, &t), PRIVD_ERR_UNSUPPORTED);
	assert_int_equal(privd_doc_sniff(png_file, 7, &t), PRIVD_ERR_UNSUPPORTED);
	assert_int_equal(privd_doc_sniff((const uint8_t *)"GIF89a", 6, &t), PRIVD_ERR_UNSUPPORTED);
	assert_int_equal(privd_doc_sniff((const uint8_t *)"II+\0\x08\0\0\0", 8, &t), PRIVD_ERR_UNSUPPORTED);
	assert_int_equal(privd_doc_sniff(NULL, 0, &t), PRIVD_ERR_UNSUPPORTED);
}

static void test_valid_files_accepted(void **state)
{
	(void)state;
	for (size_t i = 0; i < NSAMPLES; i++) {
		print_message("%s\n", samples[i].name);
		assert_int_equal(check(samples[i].data, samples[i].len, samples[i].type), PRIVD_OK);
	}
	assert_int_equal(privd_doc_check(png_file, sizeof(png_file), PRIVD_DOC_PNG, NULL), PRIVD_OK);
}

static void test_declared_as_another_type(void **state)
{
	const char *reason = NULL;

	(void)state;
	for (size_t i = 0; i < NSAMPLES; i++) {
		for (int t = 0; t < PRIVD_DOC_TYPE_COUNT; t++) {
			if ((enum privd_doc_type)t == samples[i].type)
				continue;
			assert_int_equal(check(samples[i].data, samples[i].len, (enum privd_doc_type)t),
			                 PRIVD_ERR_UNSUPPORTED);
		}
	}
	/* A PNG sent as application/pdf: the reason says what it really is. */
	assert_int_equal(privd_doc_check(png_file, sizeof(png_file), PRIVD_DOC_PDF, &reason), PRIVD_ERR_UNSUPPORTED);
	assert_non_null(strstr(reason, "PNG"));
	assert_int_equal(check(png_file, sizeof(png_file), (enum privd_doc_type)PRIVD_DOC_TYPE_COUNT),
	                 PRIVD_ERR_UNSUPPORTED);
}

static void test_truncated_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < NSAMPLES; i++) {
		print_message("%s\n", samples[i].name);
		assert_int_equal(check(samples[i].data, samples[i].len / 2, samples[i].type), PRIVD_ERR_INVALID);
		/* Every shorter prefix too; the PDF's final newline is trailing white space and may go. */
		size_t keep = samples[i].type == PRIVD_DOC_PDF ? 2 : 1;
		for (size_t n = 1; n + keep <= samples[i].len; n++)
			assert_int_not_equal(check(samples[i].data, n, samples[i].type), PRIVD_OK);
	}
}

static void test_empty_refused(void **state)
{
	const char *reason = NULL;

	(void)state;
	for (int t = 0; t < PRIVD_DOC_TYPE_COUNT; t++) {
		assert_int_equal(privd_doc_check(NULL, 0, (enum privd_doc_type)t, &reason), PRIVD_ERR_INVALID);
		assert_string_equal(reason, "the document is empty");
		assert_int_equal(check(png_file, 0, (enum privd_doc_type)t), PRIVD_ERR_INVALID);
	}
}

static void test_random_bytes_refused(void **state)
{
	uint32_t seed = 0x2545f491u;

	(void)state;
	for (size_t round = 0; round < 200; round++) {
		size_t len = 1 + next_random(&seed) % 1024;

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)next_random(&seed);
		for (int t = 0; t < PRIVD_DOC_TYPE_COUNT; t++)
			assert_int_not_equal(check(buf, len, (enum privd_doc_type)t), PRIVD_OK);
	}
	/* Random bytes behind each real magic reach the structural checks, which refuse them. */
	for (size_t i = 0; i < NSAMPLES; i++) {
		for (size_t round = 0; round < 200; round++) {
			size_t len = 8 + next_random(&seed) % 1024;

			for (size_t j = 8; j < len; j++)
				buf[j] = (uint8_t)next_random(&seed);
			memcpy(buf, samples[i].data, 8);
			assert_int_equal(check(buf, len, samples[i].type), PRIVD_ERR_INVALID);
		}
	}
}

/* Every single-bit flip of every valid file: whatever the answer, no read out of bounds (ASan watches). */
static void test_bit_flips_stay_in_bounds(void **state)
{
	(void)state;
	for (size_t i = 0; i < NSAMPLES; i++) {
		size_t len = load(samples[i].data, samples[i].len);

		for (size_t pos = 0; pos < len; pos++) {
			for (int bit = 0; bit < 8; bit++) {
				buf[pos] ^= (uint8_t)(1u << bit);
				(void)check(buf, len, samples[i].type);
				buf[pos] ^= (uint8_t)(1u << bit);
			}
		}
	}
}

static void test_pdf_structure(void **state)
{
	const size_t plen = sizeof(pdf_text) - 1;
	size_t len;

	(void)state;
	/* Trailing white space and NUL padding are fine, and so is a little junk after %%EOF (readers allow it). */
	len = load((const uint8_t *)pdf_text, plen);
	memcpy(buf + len, "\r\n \t\0\0", 6);
	assert_int_equal(check(buf, len + 6, PRIVD_DOC_PDF), PRIVD_OK);
	memset(buf + len, 'x', 100);
	assert_int_equal(check(buf, len + 100, PRIVD_DOC_PDF), PRIVD_OK);
	/* But %%EOF must lie in the last 1024 bytes. */
	memset(buf + len, 'x', 1100);
	assert_int_equal(check(buf, len + 1100, PRIVD_DOC_PDF), PRIVD_ERR_INVALID);
	/* An incremental update ("startxref N %%EOF" twice): the last one counts. */
	len = load((const uint8_t *)pdf_text, plen);
	memcpy(buf + len, "startxref\n184\n%%EOF\n", 20);
	assert_int_equal(check(buf, len + 20, PRIVD_DOC_PDF), PRIVD_OK);

	assert_int_equal(check((const uint8_t *)"%PDF-2.0\n", 9, PRIVD_DOC_PDF), PRIVD_ERR_INVALID);
	len = load((const uint8_t *)pdf_text, plen);
	buf[5] = '3';
	assert_int_equal(check(buf, len, PRIVD_DOC_PDF), PRIVD_ERR_INVALID); /* %PDF-3.4 */
	len = load((const uint8_t *)pdf_text, plen);
	buf[7] = 'x';
	assert_int_equal(check(buf, len, PRIVD_DOC_PDF), PRIVD_ERR_INVALID); /* %PDF-1.x */
	len = load((const uint8_t *)pdf_text, plen);
	memcpy(strstr((char *)buf, "startxref"), "startxreg", 9);
	assert_int_equal(check(buf, len, PRIVD_DOC_PDF), PRIVD_ERR_INVALID);
	len = load((const uint8_t *)pdf_text, plen);
	memcpy(strstr((char *)buf, "\n184\n"), "\n999\n", 5); /* offset past startxref */
	assert_int_equal(check(buf, len, PRIVD_DOC_PDF), PRIVD_ERR_INVALID);
	len = load((const uint8_t *)pdf_text, plen);
	memcpy(strstr((char *)buf, "\n184\n"), "\n   \n", 5); /* no offset at all */
	assert_int_equal(check(buf, len, PRIVD_DOC_PDF), PRIVD_ERR_INVALID);

	/* An offset of more digits than any file has. */
	static const char huge[] = "%PDF-1.4\nstartxref\n99999999999999999999999\n%%EOF\n";
	assert_int_equal(check((const uint8_t *)huge, sizeof(huge) - 1, PRIVD_DOC_PDF), PRIVD_ERR_INVALID);
}

static void test_jpeg_structure(void **state)
{
	size_t len;

	(void)state;
	/* Zero padding after FF D9 is fine; anything else after it is not. */
	len = load(jpeg_file, sizeof(jpeg_file));
	memset(buf + len, 0, 16);
	assert_int_equal(check(buf, len + 16, PRIVD_DOC_JPEG), PRIVD_OK);
	buf[len + 15] = 1;
	assert_int_equal(check(buf, len + 16, PRIVD_DOC_JPEG), PRIVD_ERR_INVALID);

	len = load(jpeg_file, sizeof(jpeg_file));
	buf[JPEG_DQT_LENGTH] = 0xff;
	buf[JPEG_DQT_LENGTH + 1] = 0xff;
	assert_int_equal(check(buf, len, PRIVD_DOC_JPEG), PRIVD_ERR_INVALID);
	len = load(jpeg_file, sizeof(jpeg_file));
	buf[JPEG_DQT_LENGTH] = 0;
	buf[JPEG_DQT_LENGTH + 1] = 1; /* a length below its own two bytes */
	assert_int_equal(check(buf, len, PRIVD_DOC_JPEG), PRIVD_ERR_INVALID);
	len = load(jpeg_file, sizeof(jpeg_file));
	buf[len - 1] = 0xd8;
	assert_int_equal(check(buf, len, PRIVD_DOC_JPEG), PRIVD_ERR_INVALID);

	/* SOI then EOI: no image. SOI then garbage: no marker. */
	assert_int_equal(check((const uint8_t *)"\xff\xd8\xff\xd9", 4, PRIVD_DOC_JPEG), PRIVD_ERR_INVALID);
	assert_int_equal(check((const uint8_t *)"\xff\xd8\xff\x00\x00\x00", 6, PRIVD_DOC_JPEG), PRIVD_ERR_INVALID);
	/* A scan header with no frame header before it. */
	static const uint8_t no_frame[] = {0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01,
	                                   0x00, 0x00, 0x3f, 0x00, 0x3f, 0xff, 0xd9};
	assert_int_equal(check(no_frame, sizeof(no_frame), PRIVD_DOC_JPEG), PRIVD_ERR_INVALID);
	/* Nothing but fill bytes. */
	memset(buf, 0xff, 512);
	buf[1] = 0xd8;
	assert_int_equal(check(buf, 512, PRIVD_DOC_JPEG), PRIVD_ERR_INVALID);
}

/* Appends one PNG chunk (length, type, data, CRC) to buf at *len. */
static void png_chunk(size_t *len, const char *type, const uint8_t *data, uint32_t n)
{
	uint8_t *p = buf + *len;
	uint32_t crc;

	p[0] = (uint8_t)(n >> 24);
	p[1] = (uint8_t)(n >> 16);
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
	memcpy(p + 4, type, 4);
	if (n > 0)
		memcpy(p + 8, data, n);
	crc = privd_doc_crc32(0, p + 4, 4 + (size_t)n);
	p[8 + n] = (uint8_t)(crc >> 24);
	p[9 + n] = (uint8_t)(crc >> 16);
	p[10 + n] = (uint8_t)(crc >> 8);
	p[11 + n] = (uint8_t)crc;
	*len += 12 + n;
}

static void test_png_structure(void **state)
{
	const uint8_t *ihdr = png_file + 16;
	const uint8_t *idat = png_file + PNG_IDAT_DATA;
	size_t len;

	(void)state;
	/* A flipped CRC byte, and a flipped data byte under a good CRC. */
	len = load(png_file, sizeof(png_file));
	buf[PNG_IHDR_CRC] ^= 0x01;
	assert_int_equal(check(buf, len, PRIVD_DOC_PNG), PRIVD_ERR_INVALID);
	len = load(png_file, sizeof(png_file));
	buf[PNG_IDAT_DATA + 3] ^= 0x80;
	assert_int_equal(check(buf, len, PRIVD_DOC_PNG), PRIVD_ERR_INVALID);
	/* Data after IEND. */
	len = load(png_file, sizeof(png_file));
	buf[len] = 0;
	assert_int_equal(check(buf, len + 1, PRIVD_DOC_PNG), PRIVD_ERR_INVALID);

	/* Rebuilt chunk by chunk with good CRCs: an ancillary chunk is fine ... */
	len = load(png_file, 8);
	png_chunk(&len, "IHDR", ihdr, 13);
	png_chunk(&len, "tEXt", (const uint8_t *)"Title\0scan", 10);
	png_chunk(&len, "IDAT", idat, 10);
	png_chunk(&len, "IEND", NULL, 0);
	assert_int_equal(check(buf, len, PRIVD_DOC_PNG), PRIVD_OK);
	/* ... but IHDR must come first, ... */
	len = load(png_file, 8);
	png_chunk(&len, "tEXt", (const uint8_t *)"Title\0scan", 10);
	png_chunk(&len, "IHDR", ihdr, 13);
	png_chunk(&len, "IDAT", idat, 10);
	png_chunk(&len, "IEND", NULL, 0);
	assert_int_equal(check(buf, len, PRIVD_DOC_PNG), PRIVD_ERR_INVALID);
	/* ... there must be image data, ... */
	len = load(png_file, 8);
	png_chunk(&len, "IHDR", ihdr, 13);
	png_chunk(&len, "IEND", NULL, 0);
	assert_int_equal(check(buf, len, PRIVD_DOC_PNG), PRIVD_ERR_INVALID);
	/* ... chunk types are letters, ... */
	len = load(png_file, 8);
	png_chunk(&len, "IHDR", ihdr, 13);
	png_chunk(&len, "I\x01AT", idat, 10);
	png_chunk(&len, "IEND", NULL, 0);
	assert_int_equal(check(buf, len, PRIVD_DOC_PNG), PRIVD_ERR_INVALID);
	/* ... and the header is sane (width 0 here). */
	uint8_t bad_ihdr[13];
	memcpy(bad_ihdr, ihdr, 13);
	bad_ihdr[3] = 0;
	len = load(png_file, 8);
	png_chunk(&len, "IHDR", bad_ihdr, 13);
	png_chunk(&len, "IDAT", idat, 10);
	png_chunk(&len, "IEND", NULL, 0);
	assert_int_equal(check(buf, len, PRIVD_DOC_PNG), PRIVD_ERR_INVALID);
	memcpy(bad_ihdr, ihdr, 13);
	bad_ihdr[9] = 2; /* RGB at 8 bits is fine ... */
	len = load(png_file, 8);
	png_chunk(&len, "IHDR", bad_ihdr, 13);
	png_chunk(&len, "IDAT", idat, 10);
	png_chunk(&len, "IEND", NULL, 0);
	assert_int_equal(check(buf, len, PRIVD_DOC_PNG), PRIVD_OK);
	bad_ihdr[8] = 4; /* ... at 4 bits it does not exist */
	len = load(png_file, 8);
	png_chunk(&len, "IHDR", bad_ihdr, 13);
	png_chunk(&len, "IDAT", idat, 10);
	png_chunk(&len, "IEND", NULL, 0);
	assert_int_equal(check(buf, len, PRIVD_DOC_PNG), PRIVD_ERR_INVALID);

	/* A chunk length near 2^32 must not wrap the bounds check. */
	len = load(png_file, sizeof(png_file));
	memset(buf + 8, 0xff, 4);
	assert_int_equal(check(buf, len, PRIVD_DOC_PNG), PRIVD_ERR_INVALID);
	buf[8] = 0x7f;
	assert_int_equal(check(buf, len, PRIVD_DOC_PNG), PRIVD_ERR_INVALID);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void test_tiff_structure(void **state)
{
	size_t len;

	(void)state;
	/* First IFD offset outside the file, inside the header, or at 2^32 - 1. */
	len = load(tiff_le_file, sizeof(tiff_le_file));
	put_le32(buf + TIFF_IFD_OFFSET, (uint32_t)len);
	assert_int_equal(check(buf, len, PRIVD_DOC_TIFF), PRIVD_ERR_INVALID);
	put_le32(buf + TIFF_IFD_OFFSET, 2);
	assert_int_equal(check(buf, len, PRIVD_DOC_TIFF), PRIVD_ERR_INVALID);
	put_le32(buf + TIFF_IFD_OFFSET, 0xffffffffu);
	assert_int_equal(check(buf, len, PRIVD_DOC_TIFF), PRIVD_ERR_INVALID);
	/* An entry count the file cannot hold, and none at all. */
	len = load(tiff_le_file, sizeof(tiff_le_file));
	buf[TIFF_ENTRY_COUNT] = 0xff;
	buf[TIFF_ENTRY_COUNT + 1] = 0xff;
	assert_int_equal(check(buf, len, PRIVD_DOC_TIFF), PRIVD_ERR_INVALID);
	buf[TIFF_ENTRY_COUNT] = 0;
	buf[TIFF_ENTRY_COUNT + 1] = 0;
	assert_int_equal(check(buf, len, PRIVD_DOC_TIFF), PRIVD_ERR_INVALID);
	/* No ImageWidth. */
	len = load(tiff_le_file, sizeof(tiff_le_file));
	buf[TIFF_WIDTH_TAG] = 0xe7;
	buf[TIFF_WIDTH_TAG + 1] = 0x03;
	assert_int_equal(check(buf, len, PRIVD_DOC_TIFF), PRIVD_ERR_INVALID);
	/* A value stored out of line beyond the end of the file (count * size wraps 32 bits). */
	len = load(tiff_le_file, sizeof(tiff_le_file));
	put_le32(buf + TIFF_BITS_COUNT, 0xffffffffu);
	assert_int_equal(check(buf, len, PRIVD_DOC_TIFF), PRIVD_ERR_INVALID);
	/* The strip beyond the end of the file, or at 2^32 - 1. */
	len = load(tiff_le_file, sizeof(tiff_le_file));
	put_le32(buf + TIFF_STRIP_OFFSET, (uint32_t)len);
	assert_int_equal(check(buf, len, PRIVD_DOC_TIFF), PRIVD_ERR_INVALID);
	put_le32(buf + TIFF_STRIP_OFFSET, 0xffffffffu);
	assert_int_equal(check(buf, len, PRIVD_DOC_TIFF), PRIVD_ERR_INVALID);
	/* A next-IFD offset (a second page) outside the file. */
	len = load(tiff_le_file, sizeof(tiff_le_file));
	put_le32(buf + len - 5, 0x10000);
	assert_int_equal(check(buf, len, PRIVD_DOC_TIFF), PRIVD_ERR_INVALID);
	/* BigTIFF is not a format we take. */
	len = load(tiff_le_file, sizeof(tiff_le_file));
	buf[2] = 0x2b;
	assert_int_equal(check(buf, len, PRIVD_DOC_TIFF), PRIVD_ERR_UNSUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mime_names),
	    cmocka_unit_test(test_type_from_mime),
	    cmocka_unit_test(test_crc32),
	    cmocka_unit_test(test_sniff),
	    cmocka_unit_test(test_valid_files_accepted),
	    cmocka_unit_test(test_declared_as_another_type),
	    cmocka_unit_test(test_truncated_refused),
	    cmocka_unit_test(test_empty_refused),
	    cmocka_unit_test(test_random_bytes_refused),
	    cmocka_unit_test(test_bit_flips_stay_in_bounds),
	    cmocka_unit_test(test_pdf_structure),
	    cmocka_unit_test(test_jpeg_structure),
	    cmocka_unit_test(test_png_structure),
	    cmocka_unit_test(test_tiff_structure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

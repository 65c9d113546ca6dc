/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * document.h - checking an uploaded scan (PDF, JPEG, PNG, TIFF) by its content, not by its Content-Type.
 *
 * A rights request is made with a scanned, signed document that anyone on the internet can upload and an
 * operator later opens. So the bytes are hostile until proven otherwise: the declared type is only a claim,
 * the magic bytes must agree with it, and the structure must hold together (a truncated or mislabelled file
 * is refused before it is stored). Every check is a bounded, non-recursive walk over a caller's buffer that
 * never reads past len and never trusts an offset or length it has not checked with overflow-safe
 * arithmetic; nothing is allocated. These are sanity checks of the container, not a decoder: a file that
 * passes may still be a bad scan, which is for the operator to judge. Reasons are fixed strings that never
 * quote the content.
 */
#ifndef PRIVD_CORE_DOCUMENT_H
#define PRIVD_CORE_DOCUMENT_H

#include <stddef.h>
#include <stdint.h>

#include "rc.h"

enum privd_doc_type { PRIVD_DOC_PDF, PRIVD_DOC_JPEG, PRIVD_DOC_PNG, PRIVD_DOC_TIFF };

#define PRIVD_DOC_TYPE_COUNT 4

/* "application/pdf", "image/jpeg", "image/png" or "image/tiff"; "application/octet-stream" for a value
 * outside the enum. Never NULL; the string is static. Cannot fail. */
const char *privd_doc_mime(enum privd_doc_type t);

/*
 * Maps a Content-Type header value to a document type. The media type is compared case-insensitively after
 * trimming spaces and tabs; anything from the first ';' on (parameters such as "; charset=binary") is
 * ignored. Only the four types of privd_doc_mime are accepted. Returns PRIVD_ERR_UNSUPPORTED for anything
 * else, including NULL and "" (*out is then left unchanged). out may be NULL to test only.
 */
enum privd_rc privd_doc_type_from_mime(const char *content_type, enum privd_doc_type *out);

/*
 * Identifies a file by its magic bytes alone: "%PDF-", FF D8 FF, the PNG signature, "II*\0" or "MM\0*".
 * Returns PRIVD_OK with *out set (out may be NULL), or PRIVD_ERR_UNSUPPORTED when the bytes start like none
 * of them (or are too short to tell). Says nothing about the rest of the file: see privd_doc_check.
 */
enum privd_rc privd_doc_sniff(const uint8_t *data, size_t len, enum privd_doc_type *out);

/*
 * Checks that data[0..len) is a structurally sound file of the declared type. Returns:
 *   PRIVD_OK               - the magic bytes match `declared` and the structure holds;
 *   PRIVD_ERR_INVALID      - the file is empty (len == 0, data may then be NULL), or of the declared type
 *                            but broken: truncated, a length or offset out of bounds, a bad checksum;
 *   PRIVD_ERR_UNSUPPORTED  - the magic bytes are of another type than declared, of no known type, or
 *                            `declared` is not a valid enum value.
 * On failure *reason (reason may be NULL) points to a static lowercase sentence for the person who uploaded
 * the file; on success it is set to NULL. The buffer is only read. Structural rules:
 *   PDF  - starts with "%PDF-1." or "%PDF-2." and a digit; "%%EOF" within the last 1024 bytes once trailing
 *          white space is ignored, preceded by "startxref", white space, a byte offset that lies before the
 *          "startxref" keyword, and white space (PDF 2.0 section 7.5.5). A truncated file has no such tail.
 *   JPEG - FF D8 FF; marker segments walked up to the first SOS, every length within the file; a frame
 *          header (SOF) with non-zero width and 1..4 components before the SOS; the file ends with FF D9,
 *          allowing trailing zero bytes only.
 *   PNG  - the 8-byte signature; every chunk's length, type and CRC-32 checked; the first chunk is an IHDR of
 *          length 13 with a valid size, bit depth and colour type; at least one IDAT; the last chunk is IEND
 *          and nothing follows it.
 *   TIFF - classic TIFF only ("II*\0" or "MM\0*"; BigTIFF is unsupported); the first IFD, its entry count,
 *          its entries and the next-IFD offset lie within the file; ImageWidth and ImageLength are present
 *          and non-zero; every value stored out of line, and every strip or tile the first IFD points to,
 *          lies within the file.
 */
enum privd_rc privd_doc_check(const uint8_t *data, size_t len, enum privd_doc_type declared, const char **reason);

/*
 * CRC-32 as used by PNG, zlib and gzip (reflected polynomial 0xEDB88320). Start with crc = 0 and feed the
 * previous result back in to checksum data in pieces: privd_doc_crc32(0, "123456789", 9) == 0xCBF43926.
 * data may be NULL when len is 0. Cannot fail.
 */
uint32_t privd_doc_crc32(uint32_t crc, const uint8_t *data, size_t len);

#endif

/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * fuzz_document.c - fuzz target for the content checks of uploaded scans (core/document.h).
 *
 * Input: one byte choosing the declared type (modulo PRIVD_DOC_TYPE_COUNT + 1, the last value being outside
 * the enum), then the file. Every byte of the file is what a stranger may upload, so beyond "no crash, no read
 * past len" (ASan, with libFuzzer's or the replay driver's exactly-sized buffer) the target checks the
 * contract of privd_doc_check: *reason is NULL exactly on success; only the three documented codes come back;
 * an accepted file sniffs as its declared type; an out-of-enum type is unsupported; a file accepted as one type
 * is refused as each other type; and the answer does not change when asked twice. A broken contract aborts.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/document.h"

static void check_one(const uint8_t *data, size_t len, enum privd_doc_type declared)
{
	const char *reason = (const char *)data; /* not NULL, so a forgotten store shows */
	const char *again = NULL;
	enum privd_doc_type sniffed;
	enum privd_rc rc;

	rc = privd_doc_check(data, len, declared, &reason);
	if (rc != PRIVD_OK && rc != PRIVD_ERR_INVALID && rc != PRIVD_ERR_UNSUPPORTED)
		abort();
	if ((rc == PRIVD_OK) != (reason == NULL))
		abort();
	if ((int)declared >= PRIVD_DOC_TYPE_COUNT && rc != PRIVD_ERR_UNSUPPORTED)
		abort();
	if (rc == PRIVD_OK && (privd_doc_sniff(data, len, &sniffed) != PRIVD_OK || sniffed != declared))
		abort();
	if (privd_doc_check(data, len, declared, &again) != rc || again != reason)
		abort();
	if (privd_doc_check(data, len, declared, NULL) != rc)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum privd_doc_type declared;
	enum privd_doc_type sniffed;
	enum privd_rc rc;
	const uint8_t *file;
	size_t len;
	int t;

	if (size == 0)
		return 0;
	declared = (enum privd_doc_type)(data[0] % (PRIVD_DOC_TYPE_COUNT + 1));
	file = data + 1;
	len = size - 1;

	check_one(file, len, declared);

	rc = privd_doc_sniff(file, len, &sniffed);
	if (rc != PRIVD_OK && rc != PRIVD_ERR_UNSUPPORTED)
		abort();
	if (rc == PRIVD_OK && ((int)sniffed < 0 || (int)sniffed >= PRIVD_DOC_TYPE_COUNT))
		abort();
	if (privd_doc_sniff(file, len, NULL) != rc)
		abort();

	/* A file is of at most one type: whatever the first byte chose, no other type accepts it. */
	for (t = 0; t < PRIVD_DOC_TYPE_COUNT; t++) {
		if (privd_doc_check(file, len, (enum privd_doc_type)t, NULL) != PRIVD_OK)
			continue;
		if (rc != PRIVD_OK || (int)sniffed != t)
			abort();
	}
	return 0;
}

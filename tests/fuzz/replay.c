/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * replay.c - runs a libFuzzer target over a checked-in corpus without libFuzzer (after sqlite's fuzzcheck.c).
 *
 * Linked with one fuzz_<name>.c, it calls LLVMFuzzerTestOneInput once for every regular file of each directory
 * named on the command line (in name order, so a failure is reproducible) and for each plain file named there,
 * so the same targets run under gcc with ASan and UBSan in ctest. Each input is copied into a heap buffer of
 * exactly its size, so a read one byte past the end is caught as it would be under libFuzzer. A target reports
 * a broken invariant by aborting; a directory that is missing or holds no input is an error too, so a corpus
 * that went astray cannot turn the test into a silent pass.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads path into a new buffer of exactly its size (1 byte allocated for an empty file). Returns 0 or -1. */
static int read_all(const char *path, uint8_t **out, size_t *outlen)
{
	FILE *fp = NULL;
	uint8_t *buf = NULL;
	struct stat st;
	size_t len;
	int rc = -1;

	fp = fopen(path, "rb");
	if (fp == NULL || fstat(fileno(fp), &st) != 0 || st.st_size < 0) {
		fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
		goto out;
	}
	len = (size_t)st.st_size;
	buf = malloc(len > 0 ? len : 1);
	if (buf == NULL) {
		fprintf(stderr, "cannot read %s: out of memory\n", path);
		goto out;
	}
	if (len > 0 && fread(buf, 1, len, fp) != len) {
		fprintf(stderr, "cannot read %s\n", path);
		goto out;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

static int run_file(const char *path)
{
	uint8_t *data = NULL;
	size_t len = 0;

	if (read_all(path, &data, &len) != 0)
		return -1;
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

/* Runs every regular file of dir; returns how many ran, or -1. */
static long run_dir(const char *dir)
{
	struct dirent **names = NULL;
	char path[4096];
	struct stat st;
	long ran = 0;
	int n;
	int i;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "cannot open corpus %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ran >= 0 && names[i]->d_name[0] != '.') {
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) >= sizeof(path)) {
				fprintf(stderr, "cannot open %s/%s: path too long\n", dir, names[i]->d_name);
				ran = -1;
			} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				ran = run_file(path) == 0 ? ran + 1 : -1;
			}
		}
		free(names[i]);
	}
	free(names);
	return ran;
}

int main(int argc, char **argv)
{
	struct stat st;
	long total = 0;
	long ran;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR-OR-FILE...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "cannot open %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			ran = run_dir(argv[i]);
			if (ran == 0)
				fprintf(stderr, "corpus %s holds no input\n", argv[i]);
			if (ran <= 0)
				return 1;
		} else {
			ran = run_file(argv[i]) == 0 ? 1 : -1;
			if (ran < 0)
				return 1;
		}
		total += ran;
	}
	printf("%s: %ld inputs replayed, no invariant broken\n", argv[0], total);
	return 0;
}

/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * test_random.c - the generator per thread behind libsodium's randombytes (crypto/random.h): installed, each
 * thread's output its own, a child's after fork not its parent's, no nonce repeated over a long run of many threads
 * (across refills, large draws and reseeds), and the kernel asked once a seed, not once a draw.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "crypto/keyring.h"
#include "crypto/random.h"

#define NONCE 24
#define THREADS 4
#define PER_THREAD (1u << 18) /* 6 MiB of nonces a thread: past RESEED_BYTES several times */

static void test_installed(void **state)
{
	uint8_t a[32], b[32];

	(void)state;
	assert_int_equal(privd_random_install(), PRIVD_OK);
	assert_string_equal(randombytes_implementation_name(), "privd-chacha20-fke");
	randombytes_buf(a, sizeof(a));
	randombytes_buf(b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
	for (int i = 0; i < 1000; i++)
		assert_true(randombytes_uniform(7) < 7);
}

static void *draw_one(void *arg)
{
	randombytes_buf(arg, 64);
	return NULL;
}

static void test_threads_differ(void **state)
{
	uint8_t mine[64], theirs[2][64];
	pthread_t t[2];

	(void)state;
	randombytes_buf(mine, sizeof(mine));
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, draw_one, theirs[i]), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_memory_not_equal(theirs[0], theirs[1], 64);
	assert_memory_not_equal(mine, theirs[0], 64);
	assert_memory_not_equal(mine, theirs[1], 64);
}

/* Without the fork handler, parent and child would hand out the same bytes from the same state. */
static void test_fork_differs(void **state)
{
	uint8_t warm[8], parent[32], child[32 + sizeof(uint64_t)];
	uint64_t seeds_before;
	int fds[2];
	pid_t pid;
	int status = 0;

	(void)state;
	randombytes_buf(warm, sizeof(warm)); /* the buffer holds unread output when the fork comes */
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		seeds_before = privd_random_seeds();
		randombytes_buf(child, 32);
		seeds_before = privd_random_seeds() - seeds_before;
		memcpy(child + 32, &seeds_before, sizeof(seeds_before));
		_exit(write(fds[1], child, sizeof(child)) == (ssize_t)sizeof(child) ? 0 : 1);
	}
	close(fds[1]);
	randombytes_buf(parent, sizeof(parent));
	assert_int_equal(read(fds[0], child, sizeof(child)), (ssize_t)sizeof(child));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_memory_not_equal(parent, child, 32);
	memcpy(&seeds_before, child + 32, sizeof(seeds_before));
	assert_int_equal(seeds_before, 1); /* the child took a seed of its own before its first draw */
}

struct run {
	uint8_t *nonces; /* PER_THREAD * NONCE */
};

static void *draw_many(void *arg)
{
	struct run *r = arg;
	uint8_t large[4096];

	for (size_t i = 0; i < PER_THREAD; i++) {
		randombytes_buf(r->nonces + i * NONCE, NONCE);
		if (i % 4096 == 0)
			randombytes_buf(large, sizeof(large)); /* the large path, and odd offsets in the buffer */
		if (i % 1000 == 0)
			(void)randombytes_random();
	}
	return NULL;
}

static int cmp_nonce(const void *a, const void *b)
{
	return memcmp(a, b, NONCE);
}

static void test_no_repeats(void **state)
{
	struct run runs[THREADS];
	pthread_t t[THREADS];
	uint8_t *all = malloc((size_t)THREADS * PER_THREAD * NONCE);
	uint64_t seeds_before = privd_random_seeds();
	size_t n = (size_t)THREADS * PER_THREAD;

	(void)state;
	assert_non_null(all);
	for (int i = 0; i < THREADS; i++) {
		runs[i].nonces = all + (size_t)i * PER_THREAD * NONCE;
		assert_int_equal(pthread_create(&t[i], NULL, draw_many, &runs[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	qsort(all, n, NONCE, cmp_nonce);
	for (size_t i = 1; i < n; i++)
		assert_true(memcmp(all + (i - 1) * NONCE, all + i * NONCE, NONCE) != 0);
	/* each thread: its first seed and a reseed for every MiB; far fewer than its 262,144 draws */
	assert_true(privd_random_seeds() - seeds_before >= THREADS * 6);
	assert_true(privd_random_seeds() - seeds_before <= THREADS * 16);
	free(all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_installed), cmocka_unit_test(test_threads_differ),
	                                   cmocka_unit_test(test_fork_differs), cmocka_unit_test(test_no_repeats)};

	if (privd_crypto_init() != PRIVD_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

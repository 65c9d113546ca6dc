/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * keyring.c - the master key file and the subkeys derived from it.
 *
 * The threat is a copy of the database (a backup, a dump, a stolen disk image) without master.key. So the
 * master key is read once, turned into four purpose-bound subkeys with crypto_kdf and then wiped; the
 * subkeys sit in guarded, read-only sodium_malloc memory for the life of the process. Nothing here hands out
 * key bytes: callers get wrapping, blind indexes, audit MACs and API key hashes.
 */
#include "crypto/keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

/* One context per purpose, and a distinct subkey id as well, so no two subkeys can ever coincide. */
#define CTX_WRAP "privwrap"
#define CTX_BIDX "privbidx"
#define CTX_AUDIT "privaudt"
#define CTX_APIKEY "privapik"
enum { ID_WRAP = 1, ID_BIDX = 2, ID_AUDIT = 3, ID_APIKEY = 4 };

#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES

_Static_assert(PRIVD_KEY_BYTES == crypto_kdf_KEYBYTES, "master key is a kdf key");
_Static_assert(PRIVD_KEY_BYTES == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "subkey is an aead key");
_Static_assert(PRIVD_WRAPPED_KEY_BYTES == NONCE_BYTES + PRIVD_KEY_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES,
               "wrapped key layout");
_Static_assert(PRIVD_HASH_BYTES >= crypto_generichash_BYTES_MIN && PRIVD_HASH_BYTES <= crypto_generichash_BYTES_MAX,
               "hash length");
_Static_assert(PRIVD_HASH_BYTES == crypto_hash_sha256_BYTES, "sha256 length");

#define APIKEY_PREFIX "pk_"
#define APIKEY_RANDOM_BYTES 32
_Static_assert(sizeof(APIKEY_PREFIX) - 1 +
                       sodium_base64_ENCODED_LEN(APIKEY_RANDOM_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING) <=
                   PRIVD_APIKEY_MAX,
               "api key fits");

/* Lives in sodium_malloc'd memory, read-only except while being filled. */
struct privd_keyring {
	uint8_t wrap[PRIVD_KEY_BYTES];
	uint8_t bidx[PRIVD_KEY_BYTES];
	uint8_t audit[PRIVD_KEY_BYTES];
	uint8_t apikey[PRIVD_KEY_BYTES];
};

enum privd_rc privd_crypto_init(void)
{
	if (sodium_init() < 0)
		return PRIVD_ERR_CRYPTO;
	return PRIVD_OK;
}

/* Writes all of buf to fd, retrying short writes. Returns 0 or -1 with errno set. */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads exactly len bytes from fd. Returns 0, or -1 with errno set (EIO for a short file). */
static int read_all(int fd, uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = read(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

enum privd_rc privd_keyring_create(const char *path, struct privd_err *err)
{
	enum privd_rc rc = PRIVD_OK;
	uint8_t *key = NULL;
	int fd = -1;
	int created = 0;

	key = sodium_malloc(PRIVD_KEY_BYTES);
	if (key == NULL) {
		rc = privd_err_set(err, PRIVD_ERR_NOMEM, "cannot allocate key memory");
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			rc = privd_err_set(err, PRIVD_ERR_CONFLICT, "cannot create %s: it already exists", path);
		else
			rc = privd_err_set(err, PRIVD_ERR_IO, "cannot create %s: %s", path, strerror(errno));
		goto out;
	}
	created = 1;
	crypto_kdf_keygen(key);
	if (write_all(fd, key, PRIVD_KEY_BYTES) != 0 || fsync(fd) != 0) {
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	if (rc != PRIVD_OK && created)
		unlink(path);
	sodium_free(key); /* zeroes */
	return rc;
}

enum privd_rc privd_keyring_load(const char *path, struct privd_keyring **out, struct privd_err *err)
{
	enum privd_rc rc = PRIVD_OK;
	struct privd_keyring *kr = NULL;
	uint8_t *master = NULL;
	struct stat st;
	int fd = -1;

	*out = NULL;
	master = sodium_malloc(PRIVD_KEY_BYTES);
	kr = sodium_malloc(sizeof(*kr));
	if (master == NULL || kr == NULL) {
		rc = privd_err_set(err, PRIVD_ERR_NOMEM, "cannot allocate key memory");
		goto out;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = privd_err_set(err, errno == ENOENT ? PRIVD_ERR_NOT_FOUND : PRIVD_ERR_IO, "cannot open %s: %s",
		                   path, strerror(errno));
		goto out;
	}
	/* fstat the open descriptor, not the path: what is checked is what is read. */
	if (fstat(fd, &st) != 0) {
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot stat %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = privd_err_set(err, PRIVD_ERR_FORBIDDEN, "%s is not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		rc = privd_err_set(err, PRIVD_ERR_FORBIDDEN, "%s is readable by group or others; chmod 600 it", path);
		goto out;
	}
	if (st.st_size != PRIVD_KEY_BYTES) {
		rc = privd_err_set(err, PRIVD_ERR_FORBIDDEN, "%s is %lld bytes, a master key is exactly %d", path,
		                   (long long)st.st_size, PRIVD_KEY_BYTES);
		goto out;
	}
	if (read_all(fd, master, PRIVD_KEY_BYTES) != 0) {
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	crypto_kdf_derive_from_key(kr->wrap, sizeof(kr->wrap), ID_WRAP, CTX_WRAP, master);
	crypto_kdf_derive_from_key(kr->bidx, sizeof(kr->bidx), ID_BIDX, CTX_BIDX, master);
	crypto_kdf_derive_from_key(kr->audit, sizeof(kr->audit), ID_AUDIT, CTX_AUDIT, master);
	crypto_kdf_derive_from_key(kr->apikey, sizeof(kr->apikey), ID_APIKEY, CTX_APIKEY, master);
	if (sodium_mprotect_readonly(kr) != 0) {
		rc = privd_err_set(err, PRIVD_ERR_CRYPTO, "cannot protect key memory");
		goto out;
	}
	*out = kr;
	kr = NULL;
out:
	if (fd >= 0)
		close(fd);
	sodium_free(kr); /* makes it writable again and zeroes it */
	sodium_free(master);
	return rc;
}

void privd_keyring_free(struct privd_keyring *kr)
{
	sodium_free(kr); /* accepts NULL; lifts the read-only protection and zeroes before unmapping */
}

void privd_datakey_generate(uint8_t key[PRIVD_KEY_BYTES])
{
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
}

enum privd_rc privd_datakey_wrap(const struct privd_keyring *kr, const char *subject_id,
                                 const uint8_t key[PRIVD_KEY_BYTES], uint8_t out[PRIVD_WRAPPED_KEY_BYTES])
{
	unsigned long long clen = 0;

	randombytes_buf(out, NONCE_BYTES);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + NONCE_BYTES, &clen, key, PRIVD_KEY_BYTES,
	                                               (const uint8_t *)subject_id, strlen(subject_id), NULL, out,
	                                               kr->wrap) != 0 ||
	    clen != PRIVD_WRAPPED_KEY_BYTES - NONCE_BYTES) {
		sodium_memzero(out, PRIVD_WRAPPED_KEY_BYTES);
		return PRIVD_ERR_CRYPTO;
	}
	return PRIVD_OK;
}

enum privd_rc privd_datakey_unwrap(const struct privd_keyring *kr, const char *subject_id, const uint8_t *wrapped,
                                   size_t wrapped_len, uint8_t key[PRIVD_KEY_BYTES])
{
	enum privd_rc rc = PRIVD_ERR_CRYPTO;
	unsigned long long mlen = 0;

	if (wrapped_len != PRIVD_WRAPPED_KEY_BYTES)
		goto out;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(key, &mlen, NULL, wrapped + NONCE_BYTES,
	                                               wrapped_len - NONCE_BYTES, (const uint8_t *)subject_id,
	                                               strlen(subject_id), wrapped, kr->wrap) != 0 ||
	    mlen != PRIVD_KEY_BYTES)
		goto out;
	rc = PRIVD_OK;
out:
	if (rc != PRIVD_OK)
		sodium_memzero(key, PRIVD_KEY_BYTES);
	return rc;
}

/* Keyed BLAKE2b-256 over a "\0" b, hex into out. a includes its NUL so that ("ab", "c") and ("a", "bc") differ. */
static void keyed_hash_hex(const uint8_t key[PRIVD_KEY_BYTES], const char *a, const uint8_t *b, size_t blen,
                           char out[PRIVD_HASH_HEX])
{
	crypto_generichash_state st;
	uint8_t h[PRIVD_HASH_BYTES];

	crypto_generichash_init(&st, key, PRIVD_KEY_BYTES, sizeof(h));
	if (a != NULL)
		crypto_generichash_update(&st, (const uint8_t *)a, strlen(a) + 1);
	crypto_generichash_update(&st, b, blen);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out, PRIVD_HASH_HEX, h, sizeof(h));
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(h, sizeof(h));
}

void privd_blind_index(const struct privd_keyring *kr, const char *kind, const char *value, char out[PRIVD_HASH_HEX])
{
	keyed_hash_hex(kr->bidx, kind, (const uint8_t *)value, strlen(value), out);
}

void privd_audit_mac(const struct privd_keyring *kr, const char *prev_hash, const uint8_t *entry, size_t len,
                     char out[PRIVD_HASH_HEX])
{
	keyed_hash_hex(kr->audit, prev_hash != NULL ? prev_hash : "", entry, len, out);
}

void privd_apikey_generate(char out[PRIVD_APIKEY_MAX])
{
	uint8_t raw[APIKEY_RANDOM_BYTES];

	randombytes_buf(raw, sizeof(raw));
	memcpy(out, APIKEY_PREFIX, sizeof(APIKEY_PREFIX) - 1);
	sodium_bin2base64(out + sizeof(APIKEY_PREFIX) - 1, PRIVD_APIKEY_MAX - (sizeof(APIKEY_PREFIX) - 1), raw,
	                  sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void privd_apikey_hash(const struct privd_keyring *kr, const char *key, char out[PRIVD_HASH_HEX])
{
	keyed_hash_hex(kr->apikey, NULL, (const uint8_t *)key, strlen(key), out);
}

void privd_random_id(char out[PRIVD_ID_HEX])
{
	uint8_t raw[(PRIVD_ID_HEX - 1) / 2];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, PRIVD_ID_HEX, raw, sizeof(raw));
}

void privd_time_id(int64_t now_ms, char out[PRIVD_ID_HEX])
{
	uint8_t raw[(PRIVD_ID_HEX - 1) / 2];
	uint64_t t = now_ms < 0 ? 0 : (uint64_t)now_ms;

	for (int i = 5; i >= 0; i--) {
		raw[i] = (uint8_t)(t & 0xff);
		t >>= 8;
	}
	randombytes_buf(raw + 6, sizeof(raw) - 6);
	sodium_bin2hex(out, PRIVD_ID_HEX, raw, sizeof(raw));
}

void privd_sha256_hex(const uint8_t *data, size_t len, char out[PRIVD_HASH_HEX])
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, PRIVD_HASH_HEX, h, sizeof(h));
}

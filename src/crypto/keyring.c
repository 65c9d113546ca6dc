/* SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * keyring.c - the master key files and the subkeys derived from them.
 *
 * The threat is a copy of the database (a backup, a dump, a stolen disk image) without the master key. So
 * master.key is read once, turned into four purpose-bound subkeys with crypto_kdf and then wiped; the subkeys sit
 * in guarded, read-only sodium_malloc memory for the life of the process. Nothing here hands out key bytes:
 * callers get wrapping, blind indexes, audit MACs and API key hashes.
 *
 * The second threat is a copy of the keystore that outlives an erasure (a keystore backup): it still holds the
 * erased person's data key, wrapped. Rotating the master key answers it: the successor file holds a fresh
 * wrapping key and the other three subkeys as they were (a rotation must not break e-mail lookups, API keys or
 * the audit chain), every data key is wrapped again under it, and the old file is destroyed; the old wrapping key
 * cannot be derived from what the successor holds (the subkeys are one-way outputs of crypto_kdf, or random).
 * Its layout: "privdmk2", then the wrapping, blind-index, audit and API-key keys, 32 bytes each.
 */
#include "crypto/keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/random.h"

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

/* A rotation's file: the magic, then wrap, bidx, audit, apikey. */
#define SUCCESSOR_MAGIC "privdmk2"
#define SUCCESSOR_BYTES (8 + 4 * PRIVD_KEY_BYTES)
#define KID_CONTEXT "privd master key id"

/* Lives in sodium_malloc'd memory, read-only except while being filled. The four keys are contiguous, in the
 * order of the successor file. */
struct privd_keyring {
	uint8_t wrap[PRIVD_KEY_BYTES];
	uint8_t bidx[PRIVD_KEY_BYTES];
	uint8_t audit[PRIVD_KEY_BYTES];
	uint8_t apikey[PRIVD_KEY_BYTES];
	bool has_wrap;
	char kid[PRIVD_KID_HEX];
};
_Static_assert(offsetof(struct privd_keyring, apikey) == 3 * PRIVD_KEY_BYTES, "the keys are contiguous");

enum privd_rc privd_crypto_init(void)
{
	if (sodium_init() < 0)
		return PRIVD_ERR_CRYPTO;
	return privd_random_install(); /* after sodium_init, whose own draws come from the kernel */
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

/* The id of a wrapping key: BLAKE2b-64 keyed by it over a fixed context, hex. */
static void kid_of(const uint8_t wrap[PRIVD_KEY_BYTES], char out[PRIVD_KID_HEX])
{
	uint8_t h[crypto_generichash_BYTES_MIN];

	crypto_generichash(h, sizeof(h), (const uint8_t *)KID_CONTEXT, sizeof(KID_CONTEXT) - 1, wrap, PRIVD_KEY_BYTES);
	sodium_bin2hex(out, PRIVD_KID_HEX, h, (PRIVD_KID_HEX - 1) / 2);
	sodium_memzero(h, sizeof(h));
}

/* Fills kr from a file's bytes: 32 (a master key the subkeys are derived from) or a successor's. */
static enum privd_rc keyring_fill(struct privd_keyring *kr, const uint8_t *buf, size_t len)
{
	if (len == PRIVD_KEY_BYTES) {
		crypto_kdf_derive_from_key(kr->wrap, sizeof(kr->wrap), ID_WRAP, CTX_WRAP, buf);
		crypto_kdf_derive_from_key(kr->bidx, sizeof(kr->bidx), ID_BIDX, CTX_BIDX, buf);
		crypto_kdf_derive_from_key(kr->audit, sizeof(kr->audit), ID_AUDIT, CTX_AUDIT, buf);
		crypto_kdf_derive_from_key(kr->apikey, sizeof(kr->apikey), ID_APIKEY, CTX_APIKEY, buf);
	} else if (len == SUCCESSOR_BYTES && memcmp(buf, SUCCESSOR_MAGIC, 8) == 0) {
		memcpy(kr->wrap, buf + 8, 4 * PRIVD_KEY_BYTES);
	} else
		return PRIVD_ERR_FORBIDDEN;
	kr->has_wrap = true;
	kid_of(kr->wrap, kr->kid);
	return PRIVD_OK;
}

/* Opens path and checks it is a private regular file of a master key's size; *size receives it. */
static enum privd_rc key_file_open(const char *path, int *fd_out, size_t *size, struct privd_err *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	*fd_out = -1;
	if (fd < 0)
		return privd_err_set(err, errno == ENOENT ? PRIVD_ERR_NOT_FOUND : PRIVD_ERR_IO, "cannot open %s: %s",
		                     path, strerror(errno));
	/* fstat the open descriptor, not the path: what is checked is what is read. */
	if (fstat(fd, &st) != 0) {
		close(fd);
		return privd_err_set(err, PRIVD_ERR_IO, "cannot stat %s: %s", path, strerror(errno));
	}
	*fd_out = fd;
	if (!S_ISREG(st.st_mode))
		return privd_err_set(err, PRIVD_ERR_FORBIDDEN, "%s is not a regular file", path);
	if ((st.st_mode & 077) != 0)
		return privd_err_set(err, PRIVD_ERR_FORBIDDEN, "%s is readable by group or others; chmod 600 it", path);
	if (st.st_size != PRIVD_KEY_BYTES && st.st_size != SUCCESSOR_BYTES)
		return privd_err_set(err, PRIVD_ERR_FORBIDDEN,
		                     "%s is %lld bytes, a master key is exactly %d (or %d after a rotation)", path,
		                     (long long)st.st_size, PRIVD_KEY_BYTES, SUCCESSOR_BYTES);
	*size = (size_t)st.st_size;
	return PRIVD_OK;
}

enum privd_rc privd_keyring_load(const char *path, struct privd_keyring **out, struct privd_err *err)
{
	enum privd_rc rc = PRIVD_OK;
	struct privd_keyring *kr = NULL;
	uint8_t *buf = NULL;
	size_t size = 0;
	int fd = -1;

	*out = NULL;
	buf = sodium_malloc(SUCCESSOR_BYTES);
	kr = sodium_malloc(sizeof(*kr));
	if (buf == NULL || kr == NULL) {
		rc = privd_err_set(err, PRIVD_ERR_NOMEM, "cannot allocate key memory");
		goto out;
	}
	memset(kr, 0, sizeof(*kr));
	rc = key_file_open(path, &fd, &size, err);
	if (rc != PRIVD_OK)
		goto out;
	if (read_all(fd, buf, size) != 0) {
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (keyring_fill(kr, buf, size) != PRIVD_OK) {
		rc = privd_err_set(err, PRIVD_ERR_FORBIDDEN, "%s is not a master key file", path);
		goto out;
	}
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
	sodium_free(buf);
	return rc;
}

void privd_keyring_free(struct privd_keyring *kr)
{
	sodium_free(kr); /* accepts NULL; lifts the read-only protection and zeroes before unmapping */
}

const char *privd_keyring_kid(const struct privd_keyring *kr)
{
	return kr->kid;
}

/* fsyncs the directory holding path, so that a file created or removed there stays so. */
static int sync_dir_of(const char *path)
{
	char copy[4096];
	int fd, r;

	snprintf(copy, sizeof(copy), "%s", path);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* Writes len bytes to a new file at path (O_EXCL, 0600), flushed with its directory; removed again on failure. */
static enum privd_rc write_new_file(const char *path, const uint8_t *buf, size_t len, struct privd_err *err)
{
	enum privd_rc rc = PRIVD_OK;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return privd_err_set(err, errno == EEXIST ? PRIVD_ERR_CONFLICT : PRIVD_ERR_IO, "cannot create %s: %s",
		                     path, errno == EEXIST ? "it already exists" : strerror(errno));
	if (write_all(fd, buf, len) != 0 || fsync(fd) != 0)
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	if (close(fd) != 0 && rc == PRIVD_OK)
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	if (rc == PRIVD_OK && sync_dir_of(path) != 0)
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot flush the directory of %s: %s", path, strerror(errno));
	if (rc != PRIVD_OK)
		unlink(path);
	return rc;
}

enum privd_rc privd_keyring_successor(const struct privd_keyring *kr, const char *dir, char kid[PRIVD_KID_HEX],
                                      struct privd_err *err)
{
	uint8_t *buf = sodium_malloc(SUCCESSOR_BYTES);
	char path[4096];
	enum privd_rc rc;

	kid[0] = '\0';
	if (buf == NULL)
		return privd_err_set(err, PRIVD_ERR_NOMEM, "cannot allocate key memory");
	memcpy(buf, SUCCESSOR_MAGIC, 8);
	crypto_kdf_keygen(buf + 8);
	memcpy(buf + 8 + PRIVD_KEY_BYTES, kr->bidx, 3 * PRIVD_KEY_BYTES);
	kid_of(buf + 8, kid);
	snprintf(path, sizeof(path), "%s/%s.%s", dir, PRIVD_MASTER_KEY_FILE, kid);
	rc = write_new_file(path, buf, SUCCESSOR_BYTES, err);
	if (rc != PRIVD_OK)
		kid[0] = '\0';
	sodium_free(buf); /* zeroes */
	return rc;
}

enum privd_rc privd_keyring_identity(const struct privd_keyring *kr, struct privd_keyring **out)
{
	struct privd_keyring *id = sodium_malloc(sizeof(*id));

	*out = NULL;
	if (id == NULL)
		return PRIVD_ERR_NOMEM;
	memset(id, 0, sizeof(*id));
	memcpy(id->bidx, kr->bidx, sizeof(id->bidx));
	memcpy(id->audit, kr->audit, sizeof(id->audit));
	memcpy(id->apikey, kr->apikey, sizeof(id->apikey));
	if (sodium_mprotect_readonly(id) != 0) {
		sodium_free(id);
		return PRIVD_ERR_CRYPTO;
	}
	*out = id;
	return PRIVD_OK;
}

bool privd_keyring_same_install(const struct privd_keyring *a, const struct privd_keyring *b)
{
	return sodium_memcmp(a->bidx, b->bidx, 3 * PRIVD_KEY_BYTES) == 0;
}

enum privd_rc privd_keyring_destroy_file(const char *path, struct privd_err *err)
{
	static const uint8_t zeros[SUCCESSOR_BYTES];
	enum privd_rc rc = PRIVD_OK;
	size_t size = 0;
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 && errno == ENOENT)
		return PRIVD_OK;
	if (fd < 0)
		return privd_err_set(err, PRIVD_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		size = (size_t)st.st_size < sizeof(zeros) ? (size_t)st.st_size : sizeof(zeros);
	if (write_all(fd, zeros, size) != 0 || fsync(fd) != 0)
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot overwrite %s: %s", path, strerror(errno));
	close(fd);
	if (unlink(path) != 0 && errno != ENOENT)
		return privd_err_set(err, PRIVD_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
	if (sync_dir_of(path) != 0 && rc == PRIVD_OK)
		rc = privd_err_set(err, PRIVD_ERR_IO, "cannot flush the directory of %s: %s", path, strerror(errno));
	return rc;
}

void privd_datakey_generate(uint8_t key[PRIVD_KEY_BYTES])
{
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
}

enum privd_rc privd_datakey_wrap(const struct privd_keyring *kr, const char *subject_id,
                                 const uint8_t key[PRIVD_KEY_BYTES], uint8_t out[PRIVD_WRAPPED_KEY_BYTES])
{
	unsigned long long clen = 0;

	if (!kr->has_wrap) {
		sodium_memzero(out, PRIVD_WRAPPED_KEY_BYTES);
		return PRIVD_ERR_CRYPTO;
	}
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

	if (wrapped_len != PRIVD_WRAPPED_KEY_BYTES || !kr->has_wrap)
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

/*
 * Fuzz harness: the client key file of a shared afmts-gateway
 * (clientkeys_load), then a key looked up in it.
 *
 * Input: the file's bytes.  Checked: a file taken has at most
 * CLIENTKEYS_MAX clients, each with a valid name, a digest of 64 lowercase
 * hex digits and a daily limit of -1 (none) or more; the key "sk-fuzz" is
 * found only under its own digest.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clientkeys.h"
#include "fuzz.h"

static char path[4096];
static int fd = -1;

static void
cleanup(void)
{
	if (fd >= 0)
		unlink(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(path, sizeof path, "%s/afmts-fuzz-keys.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	FUZZ_CHECK((fd = mkstemp(path)) >= 0);
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct clientkeys ck;
	const struct clientkey *k;
	char digest[SHA256_HEX_LEN];

	FUZZ_CHECK(ftruncate(fd, 0) == 0);
	FUZZ_CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	if (clientkeys_load(&ck, path) == -1) {
		FUZZ_CHECK(ck.k == NULL && ck.n == 0);
		return 0;
	}
	FUZZ_CHECK(ck.n >= 0 && ck.n <= CLIENTKEYS_MAX);
	for (int i = 0; i < ck.n; i++) {
		FUZZ_CHECK(clientkeys_name_ok(ck.k[i].name));
		FUZZ_CHECK(strlen(ck.k[i].digest) == SHA256_HEX_LEN - 1);
		FUZZ_CHECK(strspn(ck.k[i].digest, "0123456789abcdef") == SHA256_HEX_LEN - 1);
		FUZZ_CHECK(ck.k[i].rpd >= -1);
	}
	sha256_hex("sk-fuzz", 7, digest);
	if ((k = clientkeys_find(&ck, "sk-fuzz")) != NULL)
		FUZZ_CHECK(strcmp(k->digest, digest) == 0);
	clientkeys_free(&ck);
	return 0;
}

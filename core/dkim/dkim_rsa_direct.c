/* dkim_rsa_direct.c - RSA public keys decoded without OpenSSL 3's
 * decoder search.
 *
 * libopendkim turns each key record's p= into a key with
 * d2i_PUBKEY_bio(). In OpenSSL 3.0 that walks every decoder of every
 * provider, under a lock per step: about 100 us a 2048-bit key on a warm
 * process and far more on the first key of a new one, against about 2 us
 * for RSA's own decoder, the one the provider path ends in anyway.
 * OpenSSL takes that direct decoder (its "legacy" one) when an engine
 * offers a method for the key's type. So, while libopendkim verifies,
 * an engine is registered that offers OpenSSL's own built-in RSA method
 * and nothing else: the key is the same, parsed by the same code, and
 * no operation runs through the engine (libopendkim verifies with
 * RSA_verify()). Other key types (Ed25519, RSA-PSS) take their usual
 * path. When the engine cannot be made or registered, the decoder
 * search runs as before: slower, never different.
 *
 * The engine is made once per process (in the daemon by its rehearsal,
 * so every connection inherits it) and registered only between
 * aa_dkim_rsa_direct_begin() and _end() (windows nest: the outermost
 * registers and unregisters), so no other user of libcrypto
 * in Exim's process (libpq's TLS, say) ever gets its method (once made,
 * OpenSSL's engine table stays, empty: their lookups find nothing). An
 * OpenSSL built without engines decodes as before.
 */
#define OPENSSL_SUPPRESS_DEPRECATED	/* the ENGINE interface, deprecated in 3.0 */
#include <stdbool.h>
#include <stddef.h>
#include <openssl/engine.h>
#include <openssl/evp.h>
#include "dkim_int.h"

#ifndef OPENSSL_NO_ENGINE

static ENGINE *direct_engine;
static bool direct_failed;	/* made once and failed: not tried again */
static unsigned long direct_windows;	/* registered, for the tests */
static unsigned direct_depth;	/* windows begun and not ended: they nest */

static int direct_pkey_meths(ENGINE *e, EVP_PKEY_METHOD **meth, const int **nids, int nid)
{
	static const int rsa_only[] = { EVP_PKEY_RSA };

	(void)e;
	if (meth == NULL) {
		*nids = rsa_only;
		return 1;
	}
	*meth = nid == EVP_PKEY_RSA ? (EVP_PKEY_METHOD *)EVP_PKEY_meth_find(EVP_PKEY_RSA) : NULL;
	return *meth != NULL;
}

static ENGINE *direct_engine_get(void)
{
	ENGINE *e;

	if (direct_engine != NULL || direct_failed)
		return direct_engine;
	e = ENGINE_new();
	if (e == NULL || !ENGINE_set_id(e, "authalign-rsa-direct") ||
	    !ENGINE_set_name(e, "authalign: OpenSSL's own RSA key decoder") ||
	    !ENGINE_set_pkey_meths(e, direct_pkey_meths)) {
		ENGINE_free(e);
		direct_failed = true;
		return NULL;
	}
	direct_engine = e;
	return e;
}

bool aa_dkim_rsa_direct_begin(void)
{
	ENGINE *e = direct_engine_get();

	if (e == NULL)
		return false;
	if (direct_depth == 0) {
		if (ENGINE_register_pkey_meths(e) != 1)
			return false;
		direct_windows++;
	}
	direct_depth++;
	return true;
}

void aa_dkim_rsa_direct_end(bool begun)
{
	if (begun && --direct_depth == 0)
		ENGINE_unregister_pkey_meths(direct_engine);
}

unsigned long aa_dkim_rsa_direct_windows(void)
{
	return direct_windows;
}

#else

unsigned long aa_dkim_rsa_direct_windows(void)
{
	return 0;
}

bool aa_dkim_rsa_direct_begin(void)
{
	return false;
}

void aa_dkim_rsa_direct_end(bool begun)
{
	(void)begun;
}

#endif

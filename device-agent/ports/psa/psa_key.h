/*
 * Key functions of a port on the PSA Crypto API (Arm PSA Certified, TF-M,
 * mbedTLS, Zephyr): the key lives in the PSA key store, volatile or
 * persistent; the agent sees only its SPKI and its signatures. A firmware
 * fills the key entries of its struct cst_port with these and supplies the
 * transport and the credential store itself.
 */
#ifndef CUSTODIAN_PSA_KEY_H
#define CUSTODIAN_PSA_KEY_H

#include <psa/crypto.h>
#include <stddef.h>
#include <stdint.h>

struct psa_device_key {
    psa_key_id_t id;         /* 0: no key */
    psa_key_id_t persistent; /* 0: volatile keys; else the persistent key ID to use */
    uint8_t algorithm;       /* CST_ALG_* */
};

/* After psa_crypto_init(): picks up a persistent key already in the store. */
void psa_device_key_open(struct psa_device_key *k, psa_key_id_t persistent);

/* The port entries; `user` is the struct psa_device_key. */
uint8_t psa_key_algorithm(void *user);
int psa_key_generate(void *user, uint8_t algorithm);
int psa_key_public(void *user, uint8_t *out, size_t cap, size_t *len);
int psa_key_sign(void *user, const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t cap, size_t *sig_len);
int psa_key_csr(void *user, const uint8_t *cn, size_t cn_len, uint8_t *out, size_t cap, size_t *len);

#endif

/*
 * The port: everything the agent needs from the device. The protocol core
 * calls these and nothing else; it owns no I/O, no clock, no allocator.
 *
 * Every function returns CST_OK or a protocol error code (protocol.h), which
 * the agent sends to the station as is, so a port can refuse with the exact
 * reason (CST_ERR_FLASH_WRITE, CST_ERR_UNSUPPORTED_ALGORITHM...). Anything
 * unexpected should be CST_ERR_INTERNAL.
 *
 * All calls come from the thread that calls cst_agent_input()/cst_agent_tick();
 * `user` is the port's own context (cst_agent_config.user).
 */
#ifndef CUSTODIAN_PORT_H
#define CUSTODIAN_PORT_H

#include <stddef.h>
#include <stdint.h>

/* IDENTIFY strings (§4.2), each at most 255 bytes of UTF-8, not terminated. */
struct cst_str {
    const uint8_t *bytes;
    uint8_t len;
};

struct cst_identity {
    struct cst_str device_id; /* empty: the station uses hardware_serial */
    struct cst_str hardware_serial;
    struct cst_str model;
    struct cst_str firmware;
};

struct cst_port {
    /* Byte transport: send a whole reply frame. Blocking until queued is fine. */
    int (*send)(void *user, const uint8_t *frame, size_t len);

    /* Identity, asked at every IDENTIFY (and HELLO). */
    void (*identity)(void *user, struct cst_identity *out);

    /* Key: the algorithm of the stored key pair, CST_ALG_NONE when there is none. */
    uint8_t (*key_algorithm)(void *user);
    /*
     * Generate and store a new key pair of `algorithm` (CST_ALG_*), replacing
     * the old one, and drop the installed leaf (it certifies the old key).
     * CST_ERR_UNSUPPORTED_ALGORITHM for algorithms the device does not do.
     */
    int (*generate_key)(void *user, uint8_t algorithm);
    /* The key's SubjectPublicKeyInfo, DER, into out[0..cap). */
    int (*public_key)(void *user, uint8_t *out, size_t cap, size_t *len);
    /*
     * A PKCS#10 CSR, DER, subject CN=<cn> (one RDN, UTF8String), signed with
     * the device key (ports/common/csr_builder.h builds one from sign()).
     */
    int (*build_csr)(void *user, const uint8_t *cn, size_t cn_len, uint8_t *out, size_t cap, size_t *len);
    /*
     * Sign msg with the device key (§4.5): ECDSA P1363 r||s with SHA-256
     * (P-256) or SHA-384 (P-384); RSASSA-PKCS1-v1_5 SHA-256 for RSA.
     */
    int (*sign)(void *user, const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t cap, size_t *sig_len);

    /* Credential store: installed objects (CST_TARGET_*); size 0 = none. */
    uint32_t (*object_size)(void *user, uint8_t target);
    int (*object_read)(void *user, uint8_t target, uint32_t offset, uint8_t *buf, size_t len);
    /*
     * Staging: a write session's bytes go to a staging area (RAM or a spare
     * flash slot), arriving in order from offset 0; stage_read reads them
     * back for the certificate checks; stage_commit replaces `target`
     * atomically and durably (the old object stays on failure: CST_ERR_FLASH_WRITE).
     */
    int (*stage_begin)(void *user, uint8_t target, uint32_t total);
    int (*stage_write)(void *user, uint32_t offset, const uint8_t *data, size_t len);
    int (*stage_read)(void *user, uint32_t offset, uint8_t *buf, size_t len);
    int (*stage_commit)(void *user, uint8_t target);

    /* Lock (§4.7): permanent in production; durable before returning. */
    int (*is_locked)(void *user);
    int (*lock)(void *user);
    /* COMMIT without lock: make everything durable. May be NULL. */
    int (*flush)(void *user);
};

#endif

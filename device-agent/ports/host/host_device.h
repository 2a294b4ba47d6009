/*
 * The host port: a device whose secure element is a key file (OpenSSL
 * libcrypto) and whose flash is a state directory. Used by the conformance
 * tests; also a readable example of every port function.
 *
 *   <state>/identity     device ID, hardware serial, model, firmware (one a line)
 *   <state>/key.pem      the private key, PKCS#8 (stands in for the secure element)
 *   <state>/leaf.der, chain.der, anchors.der   installed objects, as written
 *   <state>/locked       present once COMMIT(lock) succeeded
 */
#ifndef CUSTODIAN_HOST_DEVICE_H
#define CUSTODIAN_HOST_DEVICE_H

#include <stdint.h>

#include "custodian/port.h"

#define HOST_PATH_MAX 1024
#define HOST_FIELD_MAX 256

struct host_device {
    char dir[HOST_PATH_MAX];
    int fd; /* the serial link */
    int capture_fd; /* -1, or where received bytes are recorded */
    void *key;      /* EVP_PKEY */
    uint8_t algorithm;
    char fields[4][HOST_FIELD_MAX]; /* device ID, serial, model, firmware */
    int staging_fd;
    uint32_t staged;
};

extern const struct cst_port host_port;

/* Opens (or creates, from `initial`) the state directory. 0 on success. */
int host_device_open(struct host_device *d, const char *dir, const char *const initial[4]);
void host_device_close(struct host_device *d);

/* The key half of the port (host_key.c), used by host_store.c and host_port.c. */
int host_key_load(struct host_device *d);
uint8_t host_key_algorithm(void *user);
int host_key_generate(void *user, uint8_t algorithm);
int host_key_public(void *user, uint8_t *out, size_t cap, size_t *len);
int host_key_sign(void *user, const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t cap, size_t *sig_len);
int host_key_csr(void *user, const uint8_t *cn, size_t cn_len, uint8_t *out, size_t cap, size_t *len);

/* The store half (host_store.c). */
uint32_t host_store_size(void *user, uint8_t target);
int host_store_read(void *user, uint8_t target, uint32_t offset, uint8_t *buf, size_t len);
int host_store_stage_begin(void *user, uint8_t target, uint32_t total);
int host_store_stage_write(void *user, uint32_t offset, const uint8_t *data, size_t len);
int host_store_stage_read(void *user, uint32_t offset, uint8_t *buf, size_t len);
int host_store_stage_commit(void *user, uint8_t target);
int host_store_is_locked(void *user);
int host_store_lock(void *user);
int host_store_replace(struct host_device *d, const char *name, const uint8_t *data, size_t len);
int host_store_remove(struct host_device *d, const char *name);

#endif

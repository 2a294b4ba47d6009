/* The host port's function table, identity and state directory. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "custodian/protocol.h"
#include "host_device.h"

static int host_send(void *user, const uint8_t *frame, size_t len)
{
    struct host_device *d = user;
    while (len > 0) {
        ssize_t k = write(d->fd, frame, len);
        if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (k <= 0) return CST_ERR_INTERNAL;
        frame += k;
        len -= (size_t)k;
    }
    return CST_OK;
}

static void str_of(struct cst_str *s, const char *field)
{
    size_t n = strlen(field);
    s->bytes = (const uint8_t *)field;
    s->len = (uint8_t)(n > 255 ? 255 : n);
}

static void host_identity(void *user, struct cst_identity *out)
{
    struct host_device *d = user;
    str_of(&out->device_id, d->fields[0]);
    str_of(&out->hardware_serial, d->fields[1]);
    str_of(&out->model, d->fields[2]);
    str_of(&out->firmware, d->fields[3]);
}

const struct cst_port host_port = {
    .send = host_send,
    .identity = host_identity,
    .key_algorithm = host_key_algorithm,
    .generate_key = host_key_generate,
    .public_key = host_key_public,
    .build_csr = host_key_csr,
    .sign = host_key_sign,
    .object_size = host_store_size,
    .object_read = host_store_read,
    .stage_begin = host_store_stage_begin,
    .stage_write = host_store_stage_write,
    .stage_read = host_store_stage_read,
    .stage_commit = host_store_stage_commit,
    .is_locked = host_store_is_locked,
    .lock = host_store_lock,
    .flush = NULL, /* every write is already synced when it returns */
};

int host_device_open(struct host_device *d, const char *dir, const char *const initial[4])
{
    char path[HOST_PATH_MAX + 16];
    FILE *f;
    int i;
    memset(d, 0, sizeof *d);
    d->fd = -1;
    d->capture_fd = -1;
    d->staging_fd = -1;
    if (strlen(dir) >= HOST_PATH_MAX) return -1;
    strcpy(d->dir, dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return -1;
    snprintf(path, sizeof path, "%s/identity", dir);
    f = fopen(path, "r");
    if (f) {
        for (i = 0; i < 4; i++) {
            if (!fgets(d->fields[i], HOST_FIELD_MAX, f)) d->fields[i][0] = 0;
            d->fields[i][strcspn(d->fields[i], "\n")] = 0;
        }
        fclose(f);
    } else {
        /* A fresh device: the identity it is given now is its identity for good. */
        char text[4 * HOST_FIELD_MAX + 8];
        size_t n = 0;
        for (i = 0; i < 4; i++) {
            snprintf(d->fields[i], HOST_FIELD_MAX, "%s", initial[i]);
            n += (size_t)snprintf(text + n, sizeof text - n, "%s\n", d->fields[i]);
        }
        if (host_store_replace(d, "identity", (const uint8_t *)text, n) != CST_OK) return -1;
    }
    return host_key_load(d);
}

void host_device_close(struct host_device *d)
{
    EVP_PKEY_free(d->key);
    d->key = NULL;
    if (d->staging_fd >= 0) close(d->staging_fd);
    d->staging_fd = -1;
}

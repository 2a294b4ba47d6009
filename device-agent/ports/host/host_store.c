/*
 * Credential store of the host port: one file per object in the state
 * directory. A write is staged in a file of its own and renamed over the
 * object: the old object stays until the new one is complete and synced.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custodian/protocol.h"
#include "host_device.h"

static const char *const OBJECT_FILE[3] = {"leaf.der", "chain.der", "anchors.der"};

static void path_of(const struct host_device *d, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", d->dir, name);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int host_store_replace(struct host_device *d, const char *name, const uint8_t *data, size_t len)
{
    char tmp[HOST_PATH_MAX + 32], dst[HOST_PATH_MAX + 32];
    int fd, bad;
    path_of(d, ".replace.tmp", tmp, sizeof tmp);
    path_of(d, name, dst, sizeof dst);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return CST_ERR_FLASH_WRITE;
    bad = write_all(fd, data, len) != 0 || fsync(fd) != 0;
    bad |= close(fd) != 0;
    if (bad || rename(tmp, dst) != 0) return CST_ERR_FLASH_WRITE;
    return CST_OK;
}

int host_store_remove(struct host_device *d, const char *name)
{
    char p[HOST_PATH_MAX + 32];
    path_of(d, name, p, sizeof p);
    return unlink(p) == 0 || errno == ENOENT ? CST_OK : CST_ERR_FLASH_WRITE;
}

uint32_t host_store_size(void *user, uint8_t target)
{
    char p[HOST_PATH_MAX + 32];
    struct stat st;
    if (target > CST_TARGET_ANCHORS) return 0;
    path_of(user, OBJECT_FILE[target], p, sizeof p);
    return stat(p, &st) == 0 ? (uint32_t)st.st_size : 0;
}

static int read_file_at(const char *p, uint32_t offset, uint8_t *buf, size_t len)
{
    int fd = open(p, O_RDONLY);
    ssize_t k;
    if (fd < 0) return CST_ERR_INTERNAL;
    k = pread(fd, buf, len, (off_t)offset);
    close(fd);
    return k == (ssize_t)len ? CST_OK : CST_ERR_INTERNAL;
}

int host_store_read(void *user, uint8_t target, uint32_t offset, uint8_t *buf, size_t len)
{
    char p[HOST_PATH_MAX + 32];
    if (target > CST_TARGET_ANCHORS) return CST_ERR_BAD_REQUEST;
    path_of(user, OBJECT_FILE[target], p, sizeof p);
    return read_file_at(p, offset, buf, len);
}

int host_store_stage_begin(void *user, uint8_t target, uint32_t total)
{
    struct host_device *d = user;
    char p[HOST_PATH_MAX + 32];
    (void)target;
    (void)total;
    if (d->staging_fd >= 0) close(d->staging_fd);
    path_of(d, ".staging", p, sizeof p);
    d->staging_fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
    d->staged = 0;
    return d->staging_fd >= 0 ? CST_OK : CST_ERR_FLASH_WRITE;
}

int host_store_stage_write(void *user, uint32_t offset, const uint8_t *data, size_t len)
{
    struct host_device *d = user;
    if (d->staging_fd < 0 || offset != d->staged) return CST_ERR_WRITE_SEQUENCE;
    if (write_all(d->staging_fd, data, len) != 0) return CST_ERR_FLASH_WRITE;
    d->staged += (uint32_t)len;
    return CST_OK;
}

int host_store_stage_read(void *user, uint32_t offset, uint8_t *buf, size_t len)
{
    struct host_device *d = user;
    if (d->staging_fd < 0) return CST_ERR_INTERNAL;
    return pread(d->staging_fd, buf, len, (off_t)offset) == (ssize_t)len ? CST_OK : CST_ERR_INTERNAL;
}

int host_store_stage_commit(void *user, uint8_t target)
{
    struct host_device *d = user;
    char src[HOST_PATH_MAX + 32], dst[HOST_PATH_MAX + 32];
    int bad;
    if (d->staging_fd < 0 || target > CST_TARGET_ANCHORS) return CST_ERR_INTERNAL;
    bad = fsync(d->staging_fd) != 0;
    bad |= close(d->staging_fd) != 0;
    d->staging_fd = -1;
    path_of(d, ".staging", src, sizeof src);
    path_of(d, OBJECT_FILE[target], dst, sizeof dst);
    return bad || rename(src, dst) != 0 ? CST_ERR_FLASH_WRITE : CST_OK;
}

int host_store_is_locked(void *user)
{
    char p[HOST_PATH_MAX + 32];
    path_of(user, "locked", p, sizeof p);
    return access(p, F_OK) == 0;
}

int host_store_lock(void *user)
{
    static const uint8_t yes[] = "locked\n";
    return host_store_replace(user, "locked", yes, sizeof yes - 1);
}

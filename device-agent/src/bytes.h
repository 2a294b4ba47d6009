/*
 * Big-endian cursors over a payload. A reader that runs short latches `bad`
 * instead of failing at once, so a handler reads all its fields and checks once.
 */
#ifndef CUSTODIAN_BYTES_H
#define CUSTODIAN_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cst_reader {
    const uint8_t *p;
    size_t len;
    size_t pos;
    int bad;
};

static inline void rd_init(struct cst_reader *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->bad = 0;
}

static inline size_t rd_left(const struct cst_reader *r) { return r->len - r->pos; }

static inline const uint8_t *rd_bytes(struct cst_reader *r, size_t n)
{
    const uint8_t *at = r->p + r->pos;
    if (n > rd_left(r)) {
        r->bad = 1;
        r->pos = r->len;
        return NULL;
    }
    r->pos += n;
    return at;
}

static inline uint32_t rd_uint(struct cst_reader *r, unsigned width)
{
    const uint8_t *b = rd_bytes(r, width);
    uint32_t v = 0;
    unsigned i;
    if (!b) return 0;
    for (i = 0; i < width; i++) v = (v << 8) | b[i];
    return v;
}

#define rd_u8(r) ((uint8_t)rd_uint((r), 1))
#define rd_u16(r) ((uint16_t)rd_uint((r), 2))
#define rd_u32(r) rd_uint((r), 4)

/* A reply being built: writes past `cap` latch `overflow` (the reply does not fit). */
struct cst_writer {
    uint8_t *p;
    size_t cap;
    size_t len;
    int overflow;
};

static inline void wr_init(struct cst_writer *w, uint8_t *p, size_t cap)
{
    w->p = p;
    w->cap = cap;
    w->len = 0;
    w->overflow = 0;
}

static inline uint8_t *wr_reserve(struct cst_writer *w, size_t n)
{
    uint8_t *at = w->p + w->len;
    if (n > w->cap - w->len) {
        w->overflow = 1;
        return NULL;
    }
    w->len += n;
    return at;
}

static inline void wr_uint(struct cst_writer *w, uint32_t v, unsigned width)
{
    uint8_t *b = wr_reserve(w, width);
    unsigned i;
    if (!b) return;
    for (i = 0; i < width; i++) b[i] = (uint8_t)(v >> (8u * (width - 1u - i)));
}

static inline void wr_bytes(struct cst_writer *w, const uint8_t *src, size_t n)
{
    uint8_t *b = wr_reserve(w, n);
    if (b && n) memcpy(b, src, n);
}

#define wr_u8(w, v) wr_uint((w), (uint32_t)(v), 1)
#define wr_u16(w, v) wr_uint((w), (uint32_t)(v), 2)
#define wr_u32(w, v) wr_uint((w), (uint32_t)(v), 4)

static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(((unsigned)p[0] << 8) | p[1]); }
static inline uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

#endif

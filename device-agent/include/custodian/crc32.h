/* CRC-32/ISO-HDLC (zlib), the frame check of §2. */
#ifndef CUSTODIAN_CRC32_H
#define CUSTODIAN_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t cst_crc32(const uint8_t *data, size_t len);

#endif

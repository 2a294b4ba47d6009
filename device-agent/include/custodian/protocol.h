/*
 * Numbers of the Custodian device protocol, version 1 (docs/device-protocol.md).
 */
#ifndef CUSTODIAN_PROTOCOL_H
#define CUSTODIAN_PROTOCOL_H

#define CST_PROTOCOL_VERSION 1u
#define CST_FRAME_VERSION 0x01u
#define CST_SOF0 0xA5u
#define CST_SOF1 0x5Au
#define CST_HEADER_SIZE 8u
#define CST_CRC_SIZE 4u
#define CST_FRAME_OVERHEAD 12u
#define CST_MAX_PAYLOAD 4096u
#define CST_MIN_PAYLOAD 64u
#define CST_MAX_OBJECT (16u * 1024u)
#define CST_RESPONSE_BIT 0x80u
#define CST_TYPE_ERROR 0xFFu
#define CST_DEFAULT_INTER_BYTE_MS 200u

/* Commands (§4). */
#define CST_CMD_HELLO 0x01u
#define CST_CMD_IDENTIFY 0x02u
#define CST_CMD_GENERATE_KEY 0x10u
#define CST_CMD_GET_PUBLIC_KEY 0x11u
#define CST_CMD_GET_CSR 0x12u
#define CST_CMD_SIGN_CHALLENGE 0x13u
#define CST_CMD_WRITE_BEGIN 0x20u
#define CST_CMD_WRITE_CHUNK 0x21u
#define CST_CMD_WRITE_END 0x22u
#define CST_CMD_READ_CERTS 0x30u
#define CST_CMD_COMMIT 0x40u
#define CST_CMD_BATCH 0x50u

/* Error codes (§5). CST_OK is the library's "no error", never on the wire. */
#define CST_OK 0x0000
#define CST_ERR_UNKNOWN_COMMAND 0x0001
#define CST_ERR_BAD_REQUEST 0x0002
#define CST_ERR_BAD_STATE 0x0003
#define CST_ERR_LOCKED 0x0004
#define CST_ERR_BUSY 0x0005
#define CST_ERR_UNSUPPORTED_ALGORITHM 0x0006
#define CST_ERR_NO_KEY 0x0007
#define CST_ERR_WRITE_SEQUENCE 0x0008
#define CST_ERR_HASH_MISMATCH 0x0009
#define CST_ERR_FLASH_WRITE 0x000A
#define CST_ERR_KEY_MISMATCH 0x000B
#define CST_ERR_BAD_CERT 0x000C
#define CST_ERR_TOO_LARGE 0x000D
#define CST_ERR_VERSION 0x000E
#define CST_ERR_IDENTITY_MISMATCH 0x0010
#define CST_ERR_INTERNAL 0x00FF

/* Key algorithms (§4.3). */
#define CST_ALG_NONE 0x00u
#define CST_ALG_P256 0x01u
#define CST_ALG_P384 0x02u
#define CST_ALG_RSA2048 0x03u
#define CST_ALG_RSA3072 0x04u
#define CST_ALG_RSA4096 0x05u

/* Store objects: WRITE_BEGIN / READ_CERTS targets (§4.4, §4.6, §4.9). */
#define CST_TARGET_LEAF 0x00u
#define CST_TARGET_CHAIN 0x01u
#define CST_TARGET_ANCHORS 0x02u

/* IDENTIFY capability bits (§4.2). */
#define CST_CAP_CSR (1u << 0)
#define CST_CAP_RAW_PUBLIC_KEY (1u << 1)
#define CST_CAP_CHALLENGE (1u << 2)
#define CST_CAP_KEYGEN (1u << 3)
#define CST_CAP_LOCK (1u << 4)
#define CST_CAP_BATCH (1u << 5)
#define CST_CAP_TRUST_ANCHORS (1u << 6)

/* IDENTIFY store byte (§4.2). */
#define CST_STORE_KEY (1u << 0)
#define CST_STORE_LEAF (1u << 1)
#define CST_STORE_CHAIN (1u << 2)
#define CST_STORE_LOCKED (1u << 3)

/* SIGN_CHALLENGE (§4.5): the label every challenge starts with, and its bounds. */
#define CST_POP_LABEL "custodian-pop-v1"
#define CST_POP_LABEL_LEN 17u /* including the trailing 0x00 */
#define CST_MIN_CHALLENGE (CST_POP_LABEL_LEN + 16u)
#define CST_MAX_CHALLENGE 256u

#endif

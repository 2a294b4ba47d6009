/**
 * CRC-32/ISO-HDLC (the zlib/Ethernet CRC): poly 0x04C11DB7 reflected (0xEDB88320),
 * init 0xFFFFFFFF, refin/refout true, xorout 0xFFFFFFFF. check("123456789") = 0xCBF43926.
 * Node's zlib computes exactly this CRC.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  return zlibCrc32(start === 0 && end === data.length ? data : data.subarray(start, end)) >>> 0;
}

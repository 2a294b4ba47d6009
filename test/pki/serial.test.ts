/** Serial numbers: positive, DER-minimal, ≤ 20 octets, ≥ 64 random bits, injectable randomness. */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SERIAL_POLICY, cryptoRandom, generateKeyPair, generateSerial, issueCertificate, serialToHex } from '../../electron/core/pki/index';

describe('generateSerial', () => {
  it('is positive, has no leading zero octet and fits in 20 octets, for extreme random inputs', () => {
    for (const fill of [0x00, 0x7f, 0x80, 0xff]) {
      const s = generateSerial((n) => new Uint8Array(n).fill(fill));
      expect(s.length).toBe(16);
      expect(s.length).toBeLessThanOrEqual(20);
      expect(s[0]! & 0x80).toBe(0); // no sign bit: DER-positive without a 0x00 pad
      expect(s[0]).not.toBe(0); // no leading zero: DER-minimal
    }
    expect(serialToHex(generateSerial((n) => new Uint8Array(n).fill(0)))).toBe('40000000000000000000000000000000');
    expect(serialToHex(generateSerial((n) => new Uint8Array(n).fill(0xff)))).toBe('7fffffffffffffffffffffffffffffff');
  });

  it('uses the injected random source (golden tests depend on it)', () => {
    const calls: number[] = [];
    const s = generateSerial((n) => {
      calls.push(n);
      return Uint8Array.from({ length: n }, (_, i) => i + 1);
    });
    expect(calls).toEqual([16]);
    expect(serialToHex(s)).toBe('4102030405060708090a0b0c0d0e0f10');
  });

  it('refuses a random source that returns the wrong length', () => {
    expect(() => generateSerial(() => new Uint8Array(8))).toThrow(RangeError);
  });

  it('has at least 64 random bits: 5000 samples are distinct and every one of 126 bit positions varies', () => {
    const samples = Array.from({ length: 5000 }, () => generateSerial());
    expect(new Set(samples.map(serialToHex)).size).toBe(samples.length);
    let varying = 0;
    for (let bit = 0; bit < 128; bit++) {
      const values = new Set(samples.map((s) => (s[bit >> 3]! >> (7 - (bit & 7))) & 1));
      if (values.size === 2) varying++;
    }
    expect(varying).toBe(SERIAL_POLICY.randomBits);
    expect(SERIAL_POLICY.randomBits).toBeGreaterThanOrEqual(64);
  });

  it('is what ends up in the certificate (as OpenSSL reads it)', async () => {
    const k = await generateKeyPair('P-256', { extractable: false });
    const c = await issueCertificate({ profile: 'rootCa', commonName: 'S', subjectPublicKey: k.publicKey, issuer: 'self', selfKeys: k, notBefore: new Date(), days: 1, random: (n) => new Uint8Array(n).fill(0xee) });
    expect(c.serialHex).toBe('6eeeeeeeeeeeeeeeeeeeeeeeeeeeeeee');
    expect(new X509Certificate(c.der).serialNumber.toLowerCase()).toBe(c.serialHex);
  });
});

describe('cryptoRandom (CSPRNG)', () => {
  it('answers fresh, independent bytes of the right length on every call', () => {
    const seen = new Set<string>();
    const draws: Uint8Array[] = [];
    for (let i = 0; i < 400; i++) {
      const n = [16, 32, 49, 256][i % 4]!;
      const r = cryptoRandom(n);
      expect(r.length).toBe(n);
      expect(r.byteOffset).toBe(0);
      expect(r.buffer.byteLength).toBe(n); // its own buffer, never a view into a shared one
      draws.push(r);
      seen.add(Buffer.from(r.subarray(0, 16)).toString('hex'));
    }
    expect(seen.size).toBe(400); // 400 × 16 bytes: no overlap between draws
    const kept = Uint8Array.from(draws[0]!);
    cryptoRandom(4096).fill(0); // a caller scribbling on its bytes changes no other draw
    expect(Buffer.from(draws[0]!).equals(Buffer.from(kept))).toBe(true);
  });

  it('serves large requests', () => {
    const big = cryptoRandom(5000);
    expect(big.length).toBe(5000);
    expect(big.some((b) => b !== 0)).toBe(true);
  });
});

/**
 * The done record's certificate check reads serial and SPKI straight from the
 * DER (pki certificateSerialAndSpki); it must agree with the full read
 * (certFacts) and with OpenSSL wherever it answers, and leave everything else
 * to the full read.
 */
import { describe, expect, it } from 'vitest';
import { X509Certificate, createHash } from 'node:crypto';
import { certFacts, issuedFacts, openStationLedger } from '../../electron/core/ledger';
import { certificateSerialAndSpki as tbsFields } from '../../electron/core/pki/index';
import { tlv } from '../../electron/core/pki/der';
import { makeHierarchy, makeLeaf, tempDir } from './helpers';

const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('certificateSerialAndSpki', () => {
  it('agrees with the full read and with OpenSSL on serial, SPKI and subject for leaves and CA certificates', async () => {
    const { root, custodian } = await makeHierarchy();
    // Serials with and without the high bit (a leading 00 octet in DER), short and 20 octets long.
    const serials = ['1', '7f', '80', 'ff', '0a', '8000', 'ff00', '123456789abcdef0123456789abcdef012345678', 'f23456789abcdef0123456789abcdef012345678'];
    const ders = [root.der, custodian.der, ...await Promise.all(serials.map(async (s) => (await makeLeaf(custodian, `dev-${s}`, s)).der))];
    for (const der of ders) {
      const quick = tbsFields(der);
      const slow = certFacts(der);
      expect(quick, 'a well-formed certificate is read').not.toBeNull();
      expect(quick!.serialHex).toBe(slow.serialHex);
      expect(sha256Hex(quick!.spki)).toBe(slow.spkiSha256);
      const x = new X509Certificate(der);
      expect(slow.serialHex).toBe(x.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, ''));
      expect(slow.spkiSha256).toBe(sha256Hex(x.publicKey.export({ type: 'spki', format: 'der' })));
      expect(slow.subject).toBe(x.subject);
    }
  });

  it('answers null for anything not shaped exactly like a certificate, so the full read decides', async () => {
    const { custodian } = await makeHierarchy();
    const { der } = await makeLeaf(custodian, 'dev-shape', '42');
    expect(tbsFields(der.subarray(0, der.length - 1))).toBeNull(); // truncated
    expect(tbsFields(Buffer.concat([der, Buffer.from([0])]))).toBeNull(); // trailing byte
    expect(tbsFields(Buffer.from('not a certificate'))).toBeNull();
    expect(tbsFields(new Uint8Array(0))).toBeNull();
    // Serials that are zero, negative or not DER (non-minimal) are left to the full read.
    const shaped = (serial: number[]): Uint8Array => tlv(0x30, Buffer.concat([
      tlv(0x30, Buffer.concat([
        tlv(0xa0, tlv(0x02, Uint8Array.of(2))), tlv(0x02, Uint8Array.from(serial)), tlv(0x30, new Uint8Array(0)), tlv(0x30, new Uint8Array(0)),
        tlv(0x30, Buffer.concat([tlv(0x17, Buffer.from('260101000000Z')), tlv(0x17, Buffer.from('360101000000Z'))])),
        tlv(0x30, new Uint8Array(0)), tlv(0x30, Uint8Array.of(0x05, 0x00)),
      ])),
      tlv(0x30, new Uint8Array(0)), tlv(0x03, Uint8Array.of(0)),
    ]));
    expect(tbsFields(shaped([0x01]))).toEqual({ serialHex: '01', spki: Uint8Array.of(0x30, 0x02, 0x05, 0x00) });
    expect(tbsFields(shaped([0x00, 0x80]))?.serialHex).toBe('80');
    expect(tbsFields(shaped([0x00]))).toBeNull();
    expect(tbsFields(shaped([0x80]))).toBeNull();
    expect(tbsFields(shaped([0x00, 0x01]))).toBeNull();
    expect(tbsFields(shaped([]))).toBeNull();
    // A non-minimal length (0x81 for a length below 0x80) is not DER.
    const nonMinimal = Buffer.concat([Buffer.from([0x30, 0x81, 0x03]), Buffer.from([0x02, 0x01, 0x01])]);
    expect(tbsFields(nonMinimal)).toBeNull();
  });
});

describe('issuedFacts', () => {
  it('matches the intent\'s certificate and refuses one with another key or serial, or unreadable bytes', async () => {
    const { custodian } = await makeHierarchy();
    const a = await makeLeaf(custodian, 'dev-a', 'a1');
    const sameSerialOtherKey = await makeLeaf(custodian, 'dev-a', 'a1');
    const otherSerial = await makeLeaf(custodian, 'dev-a', 'a2');
    expect(issuedFacts(a.der, a.intent)).toEqual({ serialHex: 'a1', certSerialHex: 'a1', certSha256: sha256Hex(a.der), matches: true });
    expect(issuedFacts(sameSerialOtherKey.der, a.intent)).toMatchObject({ serialHex: 'a1', matches: false });
    expect(issuedFacts(otherSerial.der, a.intent)).toMatchObject({ serialHex: 'a2', certSerialHex: 'a2', matches: false });
    const junk = Buffer.from('junk');
    expect(issuedFacts(junk, a.intent)).toEqual({ serialHex: 'a1', certSerialHex: undefined, certSha256: sha256Hex(junk), matches: false });
  });

  it('recordIssued records a certificate with the intent\'s serial but another key, then refuses to let it ship', async () => {
    const dir = tempDir();
    const { custodian } = await makeHierarchy();
    const { ledger, recorder } = openStationLedger({ dir, stationId: 'st-1' });
    const a = await makeLeaf(custodian, 'dev-k', 'b1');
    const otherKey = await makeLeaf(custodian, 'dev-k', 'b1');
    const h = await recorder.recordIntent(a.intent);
    await expect(recorder.recordIssued(h, otherKey.der)).rejects.toMatchObject({ code: 'LEDGER_CERT_MISMATCH', details: { serial: 'b1', expectedSerial: 'b1' } });
    expect(ledger.record(2)).toMatchObject({ t: 'done', serialHex: 'b1', certSha256: sha256Hex(otherKey.der), cert: Buffer.from(otherKey.der).toString('base64') });
    ledger.close();
  });
});

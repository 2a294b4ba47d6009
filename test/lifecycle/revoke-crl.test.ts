/**
 * Revocation through the CLI on a Company-X → Factory-Y → Technician-Z chain
 * built by the authority ceremonies (vault keys), with devices provisioned
 * on socat ptys: `custodian revoke` records it, `custodian crl` issues the
 * RFC 5280 v2 CRL, and the relying parties decide: `openssl crl -verify`
 * accepts the CRL, `openssl verify -crl_check` rejects the revoked device
 * and accepts its neighbours, Mosquitto with `crlfile` refuses the revoked
 * device while the others connect, and a revoked subordinate CA takes every
 * device under it down with it (`-crl_check_all`).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCustodianError } from '../../electron/core/errors';
import { proveDeviceConnection } from '../../electron/core/hub/device-connection';
import { startMosquittoHub, type MosquittoHub } from '../../electron/core/hub/mosquitto-hub';
import type { LedgerRecord } from '../../electron/core/ledger/index';
import { normalizeSerialHex } from '../../electron/core/pki/index';
import { openssl } from '../support/openssl';
import { buildChain, DEVICES, failure, ok, type Chain } from './chain-fixture';

let c: Chain;
let hub: MosquittoHub | undefined;
const f = (name: string) => c.f(name);
const cli: Chain['cli'] = (s, args) => c.cli(s, args);
const records: Chain['records'] = (s) => c.records(s);
const verify = (...args: string[]) => { const r = openssl(['verify', ...args]); return { ok: r.code === 0, out: r.stdout + r.stderr }; };

beforeAll(async () => { c = await buildChain('revoke-crl-'); }, 180_000);
afterAll(async () => {
  await c?.stop();
  await hub?.stop();
});

describe('custodian revoke and custodian crl', () => {
  it('revoke records who, when and why, signed by the ledger; an unknown or already revoked target is refused clearly', async () => {
    const r = JSON.parse(ok(await cli('z', ['revoke', DEVICES[1], '--reason', 'keyCompromise', '--operator', 'bob', '--json'])).stdout) as {
      revoked: { serialHex: string; deviceId: string; reason: string; operator: string; revokedAt: string; subject: string }[]; checkpointed: boolean;
    };
    expect(r.revoked).toHaveLength(1);
    expect(r.revoked[0]).toMatchObject({ deviceId: DEVICES[1], subject: 'device', reason: 'keyCompromise', operator: 'bob' });
    expect(r.checkpointed).toBe(true);
    const rec = records('z').filter((x) => x.t === 'revocation');
    expect(rec).toEqual([expect.objectContaining({ serialHex: r.revoked[0]!.serialHex, deviceId: DEVICES[1], reason: 'keyCompromise', operator: 'bob', revokedAt: r.revoked[0]!.revokedAt })]);
    // The serial it revoked is that of the certificate the device holds.
    const held = openssl(['x509', '-in', f(`${DEVICES[1]}.pem`), '-noout', '-serial']).stdout.trim().split('=')[1]!;
    expect(normalizeSerialHex(held)).toBe(r.revoked[0]!.serialHex);

    const again = failure(await cli('z', ['revoke', r.revoked[0]!.serialHex, '--reason', 'unspecified', '--json']));
    expect(again).toMatchObject({ status: 4, code: 'REVOKE_ALREADY_REVOKED' });
    const unknown = failure(await cli('z', ['revoke', 'no-such-device', '--reason', 'keyCompromise', '--json']));
    expect(unknown).toMatchObject({ status: 4, code: 'REVOKE_UNKNOWN_SERIAL' });
    const badReason = failure(await cli('z', ['revoke', DEVICES[0], '--reason', 'stolen', '--json']));
    expect(badReason).toMatchObject({ status: 2, code: 'REVOKE_REASON_INVALID' });
    expect(records('z').filter((x) => x.t === 'revocation')).toHaveLength(1);
  });

  it('crl issues a v2 CRL that openssl verifies under the station CA: CRL number, AKI, thisUpdate/nextUpdate, the revoked serial and reason', async () => {
    const c = JSON.parse(ok(await cli('z', ['crl', '--out', 'z.crl.pem', '--json'])).stdout) as { crlNumber: string; thisUpdate: string; nextUpdate: string; revoked: { serialHex: string }[] };
    expect(c.crlNumber).toBe('1');
    expect(Date.parse(c.nextUpdate) - Date.parse(c.thisUpdate)).toBe(7 * 86_400_000);
    const v = openssl(['crl', '-in', f('z.crl.pem'), '-CAfile', f('z.pem'), '-noout', '-verify']);
    expect(v.stdout + v.stderr).toContain('verify OK');
    const other = openssl(['crl', '-in', f('z.crl.pem'), '-CAfile', f('y.pem'), '-noout', '-verify']);
    expect(other.stdout + other.stderr).not.toContain('verify OK');
    const text = openssl(['crl', '-in', f('z.crl.pem'), '-noout', '-text']).stdout;
    expect(text).toContain('Version 2 (0x1)');
    expect(text).toMatch(/X509v3 CRL Number:\s*\n\s*1\n/);
    const ski = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(openssl(['x509', '-in', f('z.pem'), '-noout', '-text']).stdout)![1]!;
    expect(text).toMatch(new RegExp(`X509v3 Authority Key Identifier:\\s*\\n\\s*(keyid:)?${ski}`));
    const serial = records('z').find((x) => x.t === 'revocation')!;
    expect(text.replace(/\s/g, '')).toContain(`SerialNumber:${(serial as { serialHex: string }).serialHex.toUpperCase()}`);
    expect(text).toContain('Key Compromise');
    expect(c.revoked.map((x) => x.serialHex)).toEqual([(serial as { serialHex: string }).serialHex]);
  });

  it('each CRL takes the next number, recorded in the ledger with the CRL itself', async () => {
    ok(await cli('z', ['crl', '--out', 'z.crl.2.der', '--der', '--days', '2']));
    const crls = records('z').filter((x): x is Extract<LedgerRecord, { t: 'crl' }> => x.t === 'crl');
    expect(crls.map((x) => x.crlNumber)).toEqual(['1', '2']);
    expect(crls[1]!.crl).toBe(readFileSync(f('z.crl.2.der')).toString('base64'));
    expect(Date.parse(crls[1]!.nextUpdate) - Date.parse(crls[1]!.thisUpdate)).toBe(2 * 86_400_000);
    expect(openssl(['crl', '-inform', 'DER', '-in', f('z.crl.2.der'), '-noout', '-text']).stdout).toMatch(/CRL Number:\s*\n\s*2\n/);
  });

  it('an output it cannot write is refused before a CRL number is spent or anything is signed', async () => {
    const before = records('z').filter((x) => x.t === 'crl').length;
    const taken = failure(await cli('z', ['crl', '--out', 'z.crl.pem', '--json']));
    expect(taken).toMatchObject({ code: 'CLI_OUTPUT_UNWRITABLE' });
    expect(String(taken.details.path)).toMatch(/z\.crl\.pem$/);
    // A folder path through a regular file.
    expect(failure(await cli('z', ['crl', '--out', 'z.crl.pem/inner.pem', '--force', '--json']))).toMatchObject({ code: 'CLI_OUTPUT_UNWRITABLE' });
    expect(failure(await cli('z', ['crl', '--out', '.', '--force', '--json']))).toMatchObject({ code: 'CLI_OUTPUT_UNWRITABLE' });
    expect(records('z').filter((x) => x.t === 'crl')).toHaveLength(before);
    // The next CRL that is written takes the next number.
    const run = ok(await cli('z', ['crl', '--out', 'z.crl.pem', '--force', '--days', '1', '--json']));
    const next = JSON.parse(run.stdout) as { crlNumber: string; due: boolean };
    expect(next.crlNumber).toBe(String(before + 1));
    // A CRL within a day of its nextUpdate is reported as due, here and by ledger status.
    expect(next.due).toBe(true);
    expect(run.stderr).toContain(`CRL ${next.crlNumber} (issuer`);
    expect(ok(await cli('z', ['ledger', 'status'])).stderr).toContain(`CRL ${next.crlNumber} (issuer`);
  });

  it('openssl verify -crl_check rejects the revoked device and accepts its neighbours', () => {
    for (const id of DEVICES) {
      const v = verify('-crl_check', '-CAfile', f('root.pem'), '-untrusted', f('untrusted.pem'), '-CRLfile', f('z.crl.pem'), f(`${id}.pem`));
      if (id === DEVICES[1]) {
        expect(v.ok).toBe(false);
        expect(v.out).toContain('certificate revoked');
      } else {
        expect(v.ok, v.out).toBe(true);
      }
    }
  });

  it('Mosquitto with the CRL as crlfile refuses the revoked device while its neighbours connect', async () => {
    // Without the CRL the same broker setup takes the revoked device: the refusal below is the CRL's.
    const open = await startMosquittoHub({ rootCaPem: readFileSync(f('root.pem'), 'utf8') });
    try {
      const creds = c.sims.get(DEVICES[1])!.tlsCredentials();
      expect((await proveDeviceConnection(open, DEVICES[1], { keyPem: creds.keyPem, certificateChainPem: creds.fullChainPem })).identitySeenByHub).toBe(DEVICES[1]);
    } finally {
      await open.stop();
    }
    hub = await startMosquittoHub({ rootCaPem: readFileSync(f('root.pem'), 'utf8'), crlPem: readFileSync(f('z.crl.pem'), 'utf8') });
    for (const id of DEVICES) {
      const creds = c.sims.get(id)!.tlsCredentials();
      const attempt = proveDeviceConnection(hub, id, { keyPem: creds.keyPem, certificateChainPem: creds.fullChainPem });
      if (id === DEVICES[1]) {
        const e = await attempt.then(() => null, (x: unknown) => x);
        expect(isCustodianError(e, 'HUB_DEVICE_REFUSED'), String(e)).toBe(true);
      } else {
        expect((await attempt).identitySeenByHub).toBe(id);
      }
    }
  }, 60_000);

  it('a custodian revokes a subordinate CA it signed the same way: every device under it then fails -crl_check_all', async () => {
    const r = JSON.parse(ok(await cli('y', ['revoke', c.zSerial, '--reason', 'cACompromise', '--json'])).stdout) as { revoked: { subject: string; serialHex: string }[] };
    expect(r.revoked).toEqual([expect.objectContaining({ subject: 'ca', serialHex: c.zSerial })]);
    ok(await cli('y', ['crl', '--out', 'y.crl.pem']));
    ok(await cli('x', ['crl', '--out', 'x.crl.pem']));
    expect(openssl(['crl', '-in', f('y.crl.pem'), '-CAfile', f('y.pem'), '-noout', '-verify']).stderr + openssl(['crl', '-in', f('y.crl.pem'), '-CAfile', f('y.pem'), '-noout', '-verify']).stdout).toContain('verify OK');
    const z = verify('-crl_check', '-CAfile', f('root.pem'), '-untrusted', f('y.pem'), '-CRLfile', f('y.crl.pem'), f('z.pem'));
    expect(z.ok).toBe(false);
    expect(z.out).toContain('certificate revoked');
    const crls = ['-CRLfile', f('x.crl.pem'), '-CRLfile', f('y.crl.pem'), '-CRLfile', f('z.crl.pem')];
    const d0 = verify('-crl_check_all', '-CAfile', f('root.pem'), '-untrusted', f('untrusted.pem'), ...crls, f(`${DEVICES[0]}.pem`));
    expect(d0.ok).toBe(false);
    expect(d0.out).toContain('certificate revoked');
    // The device's own certificate is not revoked: only the CA above it is.
    expect(verify('-crl_check', '-CAfile', f('root.pem'), '-untrusted', f('untrusted.pem'), '-CRLfile', f('z.crl.pem'), f(`${DEVICES[0]}.pem`)).ok).toBe(true);
  });
});

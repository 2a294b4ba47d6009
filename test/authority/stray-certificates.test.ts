/**
 * A bundle with certificates that are not on the path to the root imports
 * with one warning that counts them and names the first few, however many
 * there are (a bundle of 1,602 strays must not print 1,602 names on a line).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Authority } from '../../electron/core/authority/index';
import { STRAY_NAMED, strayCertificatesWarning } from '../../electron/core/authority/import-bundle';
import { makeHierarchy, makeLeaf } from '../ledger/helpers';
import { tempDir } from './fixtures';

const W = tempDir('stray-');
const PASS = 'stray test passphrase 9';
let rootPem: string;
let bundlePem: string;
let sub: Authority;

beforeAll(async () => {
  const root = Authority.open({ home: join(W, 'root'), workFactor: 17 });
  await root.initRoot({ commonName: 'Stray Root', pathLen: 1, days: 3650, passphrase: PASS });
  rootPem = root.exportChain().pem;
  sub = Authority.open({ home: join(W, 'sub'), workFactor: 17 });
  const req = await sub.createRequest({ commonName: 'Stray Sub', passphrase: PASS });
  bundlePem = (await root.signSubordinate(req.csrPem, { pathLen: 0, days: 365 })).bundlePem;
}, 60_000);

describe('stray certificates in an imported bundle', () => {
  it('names the count and the first few subjects only', () => {
    const subjects = Array.from({ length: 1602 }, (_, i) => `CN=stray-${i}`);
    const w = strayCertificatesWarning(subjects);
    expect(w).toBe('ignored 1602 certificates not on the path to the root: CN=stray-0; CN=stray-1; CN=stray-2; and 1599 more');
    expect(w.match(/CN=/g)).toHaveLength(STRAY_NAMED);
    expect(strayCertificatesWarning(['CN=only'])).toBe('ignored 1 certificate not on the path to the root: CN=only');
    expect(strayCertificatesWarning(['CN=a', 'CN=b', 'CN=c'])).toBe('ignored 3 certificates not on the path to the root: CN=a; CN=b; CN=c');
  });

  it('an import with 40 strays reports one short warning and activates', async () => {
    const other = await makeHierarchy('Unrelated');
    const strays: string[] = [];
    for (let i = 0; i < 40; i++) strays.push(Buffer.from((await makeLeaf(other.custodian, `stray-${i}`)).der).toString('base64'));
    const pem = bundlePem + strays.map((b) => `-----BEGIN CERTIFICATE-----\n${b.replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`).join('');
    const r = await sub.importBundle(pem, { root: { certificate: rootPem } });
    expect(r.subject).toBe('CN=Stray Sub');
    const stray = r.warnings.filter((w) => w.startsWith('ignored '));
    expect(stray).toEqual(['ignored 40 certificates not on the path to the root: CN=stray-0; CN=stray-1; CN=stray-2; and 37 more']);
  });
});

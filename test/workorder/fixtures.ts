/** A small hierarchy for work-order tests: Company-X root → Factory-Y (the station's CA), and signers. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, issueCertificate, type CryptoKey, type IssuedCertificate, type ProfileName } from '../../electron/core/pki/index';
import { encodeWorkOrder, parseWorkOrder, signEnvelope, WORK_ORDER_FORMAT, type WorkOrder, type WorkOrderInput } from '../../electron/core/workorder/index';

export const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const DAY = 86_400_000;

export interface Party { cert: IssuedCertificate; key: CryptoKey }

async function root(cn: string): Promise<Party> {
  const k = await generateKeyPair('P-256', { extractable: false });
  const cert = await issueCertificate({ profile: 'rootCa', commonName: cn, subjectPublicKey: k.publicKey, issuer: 'self', selfKeys: k, notBefore: new Date(NOW.getTime() - DAY), days: 3650, now: NOW });
  return { cert, key: k.privateKey };
}

export async function issued(by: Party, profile: ProfileName, cn: string, days: number, pathLen?: number): Promise<Party> {
  const k = await generateKeyPair('P-256', { extractable: false });
  const cert = await issueCertificate({
    profile, commonName: cn, subjectPublicKey: k.publicKey, issuer: { certificate: by.cert.der, privateKey: by.key },
    notBefore: new Date(NOW.getTime() - 60_000), days, now: NOW, ...(pathLen !== undefined ? { pathLen } : {}),
  });
  return { cert, key: k.privateKey };
}

export interface Hierarchy {
  x: Party; y: Party; signer: Party; otherRoot: Party; otherSigner: Party; noEku: Party;
  station: { root: Uint8Array; caChain: Uint8Array[]; stationId: string };
}

export async function hierarchy(): Promise<Hierarchy> {
  const x = await root('Company-X');
  const y = await issued(x, 'intermediateCa', 'Factory-Y', 365, 1);
  const signer = await issued(x, 'workOrderSigner', 'Company-X work orders', 200);
  const otherRoot = await root('Company-X');
  const otherSigner = await issued(otherRoot, 'workOrderSigner', 'Company-X work orders', 200);
  // A certificate of the right hierarchy that is not a work-order signer (no EKU).
  const noEku = await issued(x, 'hubVerification', 'A1B2C3', 30);
  return { x, y, signer, otherRoot, otherSigner, noEku, station: { root: x.cert.der, caChain: [y.cert.der, x.cert.der], stationId: 'factory-y-line-1' } };
}

export function order(h: Hierarchy, over: Partial<WorkOrderInput> = {}): WorkOrder {
  return parseWorkOrder({
    format: WORK_ORDER_FORMAT,
    id: 'WO-2026-0042',
    issuer: 'Company-X',
    for: { caFingerprints: [h.y.cert.fingerprintSha256] },
    validity: { notBefore: new Date(NOW.getTime() - DAY).toISOString(), notAfter: new Date(NOW.getTime() + 30 * DAY).toISOString() },
    devices: { kind: 'range', prefix: 'acme-', from: 1, to: 5000, width: 6 },
    quota: 5000,
    profile: { leafMaxDays: 180, keyTypes: ['P-256'] },
    ...over,
  });
}

export function sign(o: WorkOrder | Uint8Array, by: Party, chain: Uint8Array[] = []): Promise<Uint8Array> {
  return signEnvelope(o instanceof Uint8Array ? o : encodeWorkOrder(o), { privateKey: by.key, certificate: by.cert.der, chain });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** `openssl cms -verify` of a DER file against `rootPem`: the content on success, the error text otherwise. */
export function opensslCmsVerify(dir: string, cms: Uint8Array, rootPem: string, extra: string[] = []): { ok: boolean; out: string } {
  writeFileSync(join(dir, 'order.cms'), cms);
  writeFileSync(join(dir, 'root.pem'), rootPem);
  try {
    const out = execFileSync('openssl', ['cms', '-verify', '-inform', 'DER', '-in', 'order.cms', '-CAfile', 'root.pem', '-purpose', 'any', ...extra], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, out };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

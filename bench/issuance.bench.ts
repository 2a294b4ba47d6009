/**
 * Issuance throughput: one device leaf from a P-256 CSR, in-process
 * (readCsr verify + issueCertificate sign + DER/PEM encode) versus spawning
 * `openssl x509 -req` once per device, the usual shell-script baseline.
 * Both are measured in the same run, so the ratio compares across machines.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchReport } from './run';
import { generateKeyPair, exportPkcs8, issueCertificate, readCsr, toPem } from '../electron/core/pki/index';

const OURS_WARMUP = 30;
const OURS_ITERATIONS = 200;
const OPENSSL_WARMUP = 2;
const OPENSSL_ITERATIONS = 20;
const TARGET_RATIO = 10;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

export default async function (): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'custodian-bench-'));
  try {
    // CA: a P-256 root (same key type for both contenders).
    const caKeys = await generateKeyPair('P-256', { extractable: true });
    const now = new Date();
    const ca = await issueCertificate({ profile: 'rootCa', commonName: 'Bench CA', subjectPublicKey: caKeys.publicKey, issuer: 'self', selfKeys: caKeys, notBefore: now, days: 3650 });
    writeFileSync(join(dir, 'ca.pem'), ca.pem);
    writeFileSync(join(dir, 'ca.key'), toPem(await exportPkcs8(caKeys.privateKey), 'PRIVATE KEY'), { mode: 0o600 });
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'dev.key'], dir);
    openssl(['req', '-new', '-key', 'dev.key', '-subj', '/CN=bench-device', '-out', 'dev.csr'], dir);
    writeFileSync(
      join(dir, 'leaf.ext'),
      ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid'].join('\n') + '\n',
    );
    const csrPem = readFileSync(join(dir, 'dev.csr'), 'utf8');
    const issuer = { certificate: ca.der, privateKey: caKeys.privateKey };

    const issueOne = async (i: number): Promise<number> => {
      const t0 = performance.now();
      const intake = readCsr(csrPem);
      const leaf = await issueCertificate({ profile: 'deviceLeaf', commonName: `bench-device-${i}`, subjectPublicKey: intake.publicKeySpki, issuer, notBefore: now, days: 365, now });
      const t = performance.now() - t0;
      if (leaf.der.length === 0 || !leaf.pem) throw new Error('empty certificate');
      return t;
    };
    for (let i = 0; i < OURS_WARMUP; i++) await issueOne(i);
    const ours: number[] = [];
    for (let i = 0; i < OURS_ITERATIONS; i++) ours.push(await issueOne(i));

    const opensslOne = (): number => {
      const t0 = performance.now();
      openssl(
        ['x509', '-req', '-in', 'dev.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(16).toString('hex')}`, '-days', '365', '-sha256', '-extfile', 'leaf.ext', '-out', 'leaf.pem'],
        dir,
      );
      return performance.now() - t0;
    };
    for (let i = 0; i < OPENSSL_WARMUP; i++) opensslOne();
    const base: number[] = [];
    for (let i = 0; i < OPENSSL_ITERATIONS; i++) base.push(opensslOne());
    // sanity: the baseline produced a certificate openssl itself accepts
    openssl(['verify', '-CAfile', 'ca.pem', 'leaf.pem'], dir);

    const mOurs = median(ours);
    const mBase = median(base);
    const ratio = mBase / mOurs;
    return {
      name: 'issuance: device leaf from a P-256 CSR',
      lines: [
        `in-process (readCsr + issueCertificate + DER/PEM), median of ${OURS_ITERATIONS}: ${mOurs.toFixed(3)} ms  (p90 ${[...ours].sort((a, b) => a - b)[Math.floor(OURS_ITERATIONS * 0.9)]!.toFixed(3)} ms)`,
        `openssl x509 -req spawned per device, median of ${OPENSSL_ITERATIONS}: ${mBase.toFixed(3)} ms`,
        `ratio: ${ratio.toFixed(1)}× faster in-process`,
      ],
      targets: [{ label: `in-process issuance ≥ ${TARGET_RATIO}× faster than spawning openssl (measured ${ratio.toFixed(1)}×)`, met: ratio >= TARGET_RATIO }],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

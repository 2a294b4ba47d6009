/**
 * A CA key in a PKCS#11 token (SoftHSM2) against the same key type in the
 * vault, in one run: per-leaf signing time both ways, and the provisioning
 * cycle of a line with Technician-Z's key in the token against the same line
 * with it in the vault.
 *
 * The cycle is the provisioning bench's line (one port opened once,
 * `serveDevices`, the simulator in a child process swapping fresh devices
 * behind a socat pty at 115200 baud, a real ledger), run twice with
 * everything the same but where the issuing key is; the two lines alternate
 * in batches so machine drift hits both alike. Skipped when SoftHSM2 is not
 * installed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProtocolDeviceClient } from '../electron/core/device/index';
import { openStationLedger, type LedgerRecorder } from '../electron/core/ledger/index';
import { serveDevices } from '../electron/core/line/serve-port';
import { generateKeyPair, issueCertificate, type SigningKey } from '../electron/core/pki/index';
import { prepareIssuer, type PreparedIssuer } from '../electron/core/station/issuer';
import { provisionDevice } from '../electron/core/station/workflow';
import { parsePkcs11Uri, TokenKey, TokenSession } from '../electron/core/token/index';
import { HAVE_SOFTHSM, startSoftHsm } from '../test/token/softhsm';
import { BAUD, median, startSimChild } from './provisioning/support';
import type { BenchReport } from './run';

const SIGN_WARMUP = 30;
const SIGN_ITERATIONS = 300;
const BATCHES = 3;
/** Devices per batch and key location; the first batch's first device of each is a warm-up. */
const PER_BATCH = 8;
const CYCLE_TARGET = 1.02;
const PIN = '424242';

async function issuers(tokenKey: TokenKey): Promise<{ vault: PreparedIssuer; token: PreparedIssuer }> {
  const notBefore = new Date(Date.now() - 3600_000);
  const rk = await generateKeyPair('P-256', { extractable: false });
  const root = await issueCertificate({ profile: 'rootCa', commonName: 'Company-X', subjectPublicKey: rk.publicKey, issuer: 'self', selfKeys: rk, notBefore, days: 3650 });
  const fk = await generateKeyPair('P-256', { extractable: false });
  const fac = await issueCertificate({ profile: 'intermediateCa', commonName: 'Factory-Y', subjectPublicKey: fk.publicKey, issuer: { certificate: root.der, privateKey: rk.privateKey }, pathLen: 1, notBefore, days: 3000 });
  const under = async (key: SigningKey, spki: Uint8Array, cn: string) => {
    const c = await issueCertificate({ profile: 'intermediateCa', commonName: cn, subjectPublicKey: spki, issuer: { certificate: fac.der, privateKey: fk.privateKey }, pathLen: 0, notBefore, days: 2000 });
    return prepareIssuer({ certificate: c.der, privateKey: key, caChain: [c.der, fac.der, root.der] });
  };
  const vk = await generateKeyPair('P-256', { extractable: false });
  const { exportSpki } = await import('../electron/core/pki/index');
  return { vault: await under(vk.privateKey, await exportSpki(vk.publicKey), 'Technician-Z vault'), token: await under(tokenKey, tokenKey.facts.spki, 'Technician-Z token') };
}

async function perLeafMs(issuer: PreparedIssuer): Promise<number> {
  const spki = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' }));
  const times: number[] = [];
  for (let i = 0; i < SIGN_WARMUP + SIGN_ITERATIONS; i++) {
    const t0 = performance.now();
    await issueCertificate({ profile: 'deviceLeaf', commonName: `bench-${i}`, subjectPublicKey: spki, issuer: { certificate: issuer.certificate, privateKey: issuer.privateKey }, notBefore: new Date() });
    if (i >= SIGN_WARMUP) times.push(performance.now() - t0);
  }
  return median(times);
}

/** One batch of fresh devices on one port with `issuer`; returns each device's cycle time. */
async function line(dir: string, tag: string, issuer: PreparedIssuer, recorder: LedgerRecorder, n: number): Promise<number[]> {
  const ids = Array.from({ length: n }, (_, i) => `${tag}-${String(i).padStart(3, '0')}`);
  const sim = await startSimChild(dir, ids[0]!, ids.slice(1).map((id) => join(dir, id)));
  const cycles: number[] = [];
  try {
    let t0 = performance.now();
    await serveDevices({
      path: sim.path, baud: BAUD, signal: new AbortController().signal, maxDevices: n,
      handle: async (d, identity) => {
        const r = await provisionDevice({ identity, device: d as ProtocolDeviceClient, issuer, recorder, operator: 'bench' });
        if (r.result !== 'passed') throw new Error(`${r.deviceId ?? '?'}: ${r.error.code} ${r.error.message}`);
        cycles.push(performance.now() - t0);
        t0 = performance.now();
      },
    });
  } finally {
    await sim.stop();
  }
  return cycles;
}

export default async function tokenSigningBench(): Promise<BenchReport> {
  const name = 'CA key in a PKCS#11 token (SoftHSM2) vs the vault';
  if (!HAVE_SOFTHSM) return { name, lines: ['skipped: SoftHSM2 is not installed (apt-get install softhsm2)'] };
  const hsm = startSoftHsm();
  hsm.initToken('bench', PIN);
  const session = TokenSession.open(parsePkcs11Uri(hsm.uri('bench', 'technician-z')));
  try {
    await session.login(PIN);
    const tokenKey = await TokenKey.generate(session, 'P-256', { label: 'technician-z' });
    const { vault, token } = await issuers(tokenKey);
    const leafVault = await perLeafMs(vault);
    const leafToken = await perLeafMs(token);

    const dir = mkdtempSync(join(tmpdir(), 'bench-token-'));
    const { ledger, recorder } = openStationLedger({ dir: join(dir, 'ledger'), stationId: 'bench' });
    const cycles = { vault: [] as number[], token: [] as number[] };
    try {
      for (let b = 0; b < BATCHES; b++) {
        for (const where of (b % 2 === 0 ? ['vault', 'token'] : ['token', 'vault']) as ('vault' | 'token')[]) {
          const c = await line(dir, `${where}${b}`, where === 'vault' ? vault : token, recorder, PER_BATCH);
          cycles[where].push(...c.slice(1)); // each batch's first device pays for the port and the child's start
        }
      }
    } finally {
      ledger.close();
    }
    const cv = median(cycles.vault);
    const ct = median(cycles.token);
    const ratio = ct / cv;
    return {
      name,
      lines: [
        `per-leaf signing (issueCertificate, device leaf, P-256 issuer), median of ${SIGN_ITERATIONS}:`,
        `  vault key (in-process CryptoKey)   ${leafVault.toFixed(3)} ms`,
        `  token key (CKM_ECDSA on SoftHSM2)  ${leafToken.toFixed(3)} ms  (${(leafToken / leafVault).toFixed(2)}×, +${(leafToken - leafVault).toFixed(3)} ms per leaf)`,
        `provisioning cycle (line at ${BAUD} baud, simulator child, real ledger), ${BATCHES} alternating batches of ${PER_BATCH - 1} measured devices each:`,
        `  vault key  median ${cv.toFixed(1)} ms over ${cycles.vault.length} devices`,
        `  token key  median ${ct.toFixed(1)} ms over ${cycles.token.length} devices`,
      ],
      targets: [{ label: `provisioning cycle with the token-held key within ${CYCLE_TARGET}× of the vault's: measured ${ratio.toFixed(3)}×`, met: ratio <= CYCLE_TARGET }],
    };
  } finally {
    await session.close();
  }
}

/**
 * One valid result per station API method (TypeScript checks the table is
 * complete), built from a real self-signed certificate. Used to push
 * key-laced results through the dispatcher for every method.
 */
import { generateKeyPairSync, createHash } from 'node:crypto';
import type { MethodName, MethodOutput } from '../../electron/shared/api';
import type { CertificateSummary } from '../../electron/shared/api/common';
import { DEFAULT_SETTINGS } from '../../electron/shared/api/settings';

/** A throwaway P-256 key pair; the private key is what must never come out. */
export function throwawayKey(): { privatePem: string; privateDer: Buffer; spkiDer: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privateDer: privateKey.export({ type: 'pkcs8', format: 'der' }),
    spkiDer: publicKey.export({ type: 'spki', format: 'der' }),
  };
}

const FP = createHash('sha256').update('x').digest('hex');
const NOW = '2026-01-01T00:00:00.000Z';
const CERT_PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2FmZQ==\n-----END CERTIFICATE-----\n';

export const sampleCert: CertificateSummary = {
  subject: 'CN=Station CA', issuer: 'CN=Root', serialHex: '0a1b', fingerprint: FP, spkiFingerprint: FP,
  notBefore: NOW, notAfter: NOW, keyAlgorithm: 'P-256', isCa: true, pathLen: 0, pathLenRoom: 0, pem: CERT_PEM,
};
const status = { state: 'unlocked', kind: 'root', subject: 'CN=Root', fingerprint: FP, notAfter: NOW, autoLockAt: null } as const;
const counters = { shiftStartedAt: NOW, issued: 1, reissued: 0, failed: 0 };
// Every setting from the defaults (so a setting added to the contract is covered), some changed.
const settings = {
  ...structuredClone(DEFAULT_SETTINGS),
  deviceIdRule: { pattern: '^a$', example: 'a' }, validity: { leafDays: 1, backdateMinutes: 0 },
  autoLockMinutes: 5, sounds: true, simulatorEnabled: true, usbFilter: [],
  drivers: { nrf91: { secTag: 10, deviceIdTemplate: 'nrf-{imei}', mode: 'plain' as const, minFirmware: '1.3.0' }, byUsb: [{ vendorId: '1915', productId: '9100', driver: 'nrf91' as const }] },
};
const usbPort = {
  path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60', manufacturer: null, serialNumber: null, simulated: false, busy: false,
  driver: 'auto', detectedDriver: 'custodian', driverRemembered: false,
} as const;
const entry = { index: 0, time: NOW, status: 'issued', deviceId: 'dev-1', serialHex: '01', workOrder: null, operator: 'op', reissue: false } as const;
const written = { name: 'x.pem', bytes: 10 };
const workOrder: MethodOutput<'workOrders.import'>['order'] = {
  id: 'WO-1', issuer: 'Company-X', signer: 'CN=Company-X work orders', notBefore: NOW, notAfter: NOW, state: 'active', quota: 10, issued: 3, reserved: 4, remaining: 6,
  allowList: 'range acme-000001…acme-000010 (10 IDs)', leafMaxDays: 365, keyTypes: ['P-256'],
};
const sim = { id: 's1', port: '/dev/pts/1', deviceId: 'dev-1', model: 'SIM' };
const head = {
  port: '/dev/ttyUSB0', auto: true, paused: false, running: true, deviceId: 'dev-2', step: 'write', stepState: 'started',
  last: { result: 'failed', deviceId: 'dev-1', serialHex: '01', code: 'DEVICE_TIMEOUT', message: 'The device did not answer.', at: NOW },
  counters: { passed: 3, failed: 1 },
} as const;

export const SAMPLE_RESULTS: { [M in MethodName]: MethodOutput<M> } = {
  'app.status': { version: '0.1.0', firstRun: false, authorityConfigured: true, simulatorAvailable: true, platform: 'linux', features: { authority: true, station: true, ledger: true, simulator: true } },
  'authority.status': status,
  'authority.unlock': status,
  'authority.lock': { ...status, state: 'locked' },
  'authority.chain': { certificates: [sampleCert] },
  'authority.initRoot': { status, certificate: sampleCert },
  'authority.createRequest': { status, csrPem: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n', spkiFingerprint: FP, written: null },
  'authority.signSubordinate': { certificate: sampleCert, written },
  'authority.importBundle': { status, chain: [sampleCert], root: { pinnedSha256: FP, chainSha256: FP, pinnedBy: 'sha256' } },
  'authority.verificationCert': { certificate: sampleCert, written: null },
  'authority.exportChain': { written, certificates: 1 },
  'authority.createDemoAuthority': { status, chain: [sampleCert] },
  'station.status': { autoMode: { enabled: false, operator: null, workOrder: null }, counters, busyPorts: [], halted: null },
  'station.listPorts': { ports: [usbPort] },
  'station.provision': {
    runId: 'r1', deviceId: 'dev-1', serialHex: '01', fingerprint: FP, ledgerIndex: 0, reissued: false, durationMs: 5,
    driver: 'nrf91', finalProof: 'csr-signature', proofs: ['csr-signature', 'read-back-digest'],
  },
  'station.setPortDriver': { port: { ...usbPort, driver: 'nrf91', detectedDriver: null, driverRemembered: true } },
  'station.setAutoMode': { autoMode: { enabled: true, operator: 'op', workOrder: null }, counters, busyPorts: [], halted: null },
  'station.resetCounters': counters,
  'station.resume': { autoMode: { enabled: false, operator: null, workOrder: null }, counters, busyPorts: [], halted: null },
  'station.line': { autoMode: true, heads: [head], totals: { passed: 3, failed: 1 } },
  'station.setHeadAuto': { ...head, auto: false, paused: true },
  'ledger.page': { size: 1, entries: [entry] },
  'ledger.search': { entries: [entry], truncated: false },
  'ledger.entry': { ...entry, reissueReason: null, profile: 'device-leaf', issuerFingerprint: FP, spkiSha256: FP, certificate: sampleCert, chain: [sampleCert], failure: null, entryHash: FP },
  'ledger.exportAuditBundle': { written, size: 1 },
  'ledger.exportProof': { written },
  'ledger.verify': { ok: true, size: 1, checkedAt: NOW, anomalies: [] },
  'ledger.revoke': { revoked: [{ index: 2, serialHex: 'abcd', subject: 'device', deviceId: 'dev-1', reason: 'keyCompromise', revokedAt: NOW, operator: 'Ana' }] },
  'settings.get': settings,
  'settings.update': settings,
  'simulator.status': { enabled: true, devices: [sim] },
  'simulator.start': sim,
  'simulator.stop': { enabled: true, devices: [] },
  'files.open': { canceled: false, handle: 'fh_abcdefghijklmnopqrstuvwx', name: 'a.csr' },
  'files.save': { canceled: true },
  'files.pickDirectory': { canceled: true },
  'workOrders.list': { required: true, orders: [workOrder] },
  'workOrders.import': { order: workOrder, alreadyImported: false },
};

/** Deep copy of `value` with an extra key-like field added to every object. */
export function laceWithKeys(value: unknown, privatePem: string): unknown {
  if (Array.isArray(value)) return value.map((v) => laceWithKeys(v, privatePem));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = laceWithKeys(v, privatePem);
    out.privateKey = privatePem;
    out.passphrase = 'correct horse battery staple';
    out.keyPkcs8 = privatePem;
    return out;
  }
  return value;
}

/** Every path to a string leaf, e.g. ['status','subject']. */
export function stringPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return [prefix];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...prefix, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...prefix, k]));
  return [];
}

export function setPath(value: unknown, path: (string | number)[], leaf: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let cur = copy;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, unknown>;
  cur[path[path.length - 1]!] = leaf;
  return copy;
}

/** A valid argument for each method (the dispatcher must reach the service). */
export function validArg(m: MethodName): unknown {
  const fh = 'fh_abcdefghijklmnopqrstuvwx';
  const table: Record<MethodName, unknown> = {
    'app.status': undefined, 'authority.status': undefined, 'authority.unlock': { passphrase: 'p' }, 'authority.lock': undefined,
    'authority.chain': undefined,
    'authority.initRoot': { subject: { commonName: 'Root' }, validityDays: 10, pathLen: 1, passphrase: 'a long enough passphrase' },
    'authority.createRequest': { subject: { commonName: 'Sub' }, passphrase: 'a long enough passphrase' },
    'authority.signSubordinate': { request: fh, validityDays: 10, pathLen: 0, target: fh },
    'authority.importBundle': { bundle: fh }, 'authority.verificationCert': { code: 'abc123' },
    'authority.exportChain': { target: fh }, 'authority.createDemoAuthority': { passphrase: 'a long enough passphrase' },
    'station.status': undefined, 'station.listPorts': undefined,
    'station.provision': { port: '/dev/ttyUSB0', operator: 'Ana' }, 'station.setAutoMode': { enabled: false },
    'station.setPortDriver': { port: '/dev/ttyUSB0', driver: 'nrf91' },
    'station.resetCounters': undefined, 'station.resume': undefined,
    'station.line': undefined, 'station.setHeadAuto': { port: '/dev/ttyUSB0', enabled: false }, 'ledger.page': { start: 0, count: 10 }, 'ledger.search': { by: 'deviceId', value: 'dev-1' },
    'ledger.entry': { index: 0 }, 'ledger.exportAuditBundle': { target: fh }, 'ledger.exportProof': { index: 0, target: fh },
    'ledger.verify': undefined, 'ledger.revoke': { target: 'abcd', by: 'serial', reason: 'keyCompromise', operator: 'Ana' }, 'settings.get': undefined, 'settings.update': { sounds: false },
    'simulator.status': undefined, 'simulator.start': undefined, 'simulator.stop': { id: 's1' },
    'files.open': { purpose: 'csr' }, 'files.save': { purpose: 'chain', suggestedName: 'chain.pem' }, 'files.pickDirectory': { purpose: 'audit-bundle' },
    'workOrders.list': undefined, 'workOrders.import': { file: 'fh_0123456789abcdef0123' },
  };
  return table[m];
}

/** The key-placement variants of the ceremonies that create a CA key: the same calls with a token (URI + PIN) instead of a passphrase. */
export const TOKEN_KEY_ARGS = {
  'authority.initRoot': { subject: { commonName: 'Root' }, validityDays: 10, pathLen: 1, token: { uri: 'pkcs11:token=factory;object=root-ca?module-path=/usr/lib/softhsm/libsofthsm2.so', pin: '123456' } },
  'authority.createRequest': { subject: { commonName: 'Sub' }, keyAlgorithm: 'P-384', token: { uri: 'pkcs11:serial=978f66d17510bead;object=sub-ca?module-path=/usr/lib/softhsm/libsofthsm2.so', pin: '123456' } },
} as const satisfies Partial<Record<MethodName, unknown>>;

/**
 * The hand-over to the hub, as files (docs/lifecycle.md §Azure hand-over):
 * what the brand owner uploads from a connected machine. Built from the
 * station's CA chain and its ledger only; nothing here talks to a network.
 *
 *   ca/chain.pem, ca/station.pem, ca/root.pem   the CA chain (station CA first, root last)
 *   hub-ca.sh        IoT Hub CA registration with its proof of possession
 *   dps-ca.sh        the same for DPS, then the enrollment group on a given CA
 *   devices.txt      ImportDevices input: one JSON line per provisioned device ID, CA authentication
 *   revoked/device-ids.txt, revoked/hub-disable.sh, revoked/dps-disable.sh, revoked/certs/<serial>.pem
 *   README.txt       the order to run them in
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CustodianError } from '../errors';
import { CA_SIGNING_ID_PREFIX, type Ledger } from '../ledger/index';
import { readCertificate, toPem } from '../pki/index';
import { cmd, scriptHead, shellWord, steps } from './az-script';
import { HubExportCodes } from './codes';
import { allIssued, type IssuedCertificate } from './issued-certificates';
import { revocationOf, revokedIndex, type RevocationRecord } from './revocation';

export interface HubExportOptions {
  /** The station's CA chain (DER), station CA first, root last (Authority.chain()). */
  chain: readonly Uint8Array[];
  /** Which CA the hub and DPS register, with its proof of possession (default the root: a CA is registered once). */
  registerCa?: 'root' | 'station';
  /** Which CA the DPS enrollment group trusts (default this station's CA). */
  groupCa?: 'root' | 'station';
  /** Defaults written into the scripts; each may be overridden by the environment (HUB, DPS, RG, GROUP). */
  hub?: string;
  dps?: string;
  resourceGroup?: string;
  enrollmentGroup?: string;
}

export interface HubExportFile {
  path: string;
  content: string;
  /** Scripts are written executable. */
  mode: number;
}

export interface HubExport {
  files: HubExportFile[];
  devices: number;
  revokedDevices: string[];
  revokedCas: string[];
}

/** One ImportDevices line (ExportImportDevice): a device that authenticates with a certificate from a registered CA. */
export interface ImportDeviceLine {
  id: string;
  importMode: 'createOrUpdate';
  status: 'enabled' | 'disabled';
  statusReason?: string;
  authentication: { type: 'certificateAuthority' };
}

const isDevice = (c: IssuedCertificate): boolean =>
  c.profile === 'deviceLeaf' && !Object.values(CA_SIGNING_ID_PREFIX).some((p) => c.deviceId.startsWith(p));

/** A name Azure accepts for a certificate resource: the CA's CN, letters, digits, - and _. */
function certificateName(cn: string): string {
  return cn.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'custodian-ca';
}

const commonName = (der: Uint8Array): string => {
  const s = readCertificate(der).subject;
  return /CN=([^,]+)/.exec(s)?.[1] ?? s;
};

/**
 * The ImportDevices lines: each provisioned device ID once, `disabled` when
 * every certificate it was issued is revoked (a hub that pre-registers must
 * not enable it), in the order the devices were first provisioned.
 */
export function importDeviceLines(issued: readonly IssuedCertificate[], revoked: ReadonlyMap<string, RevocationRecord>): ImportDeviceLine[] {
  const byId = new Map<string, IssuedCertificate[]>();
  for (const c of issued) if (isDevice(c)) byId.set(c.deviceId, [...(byId.get(c.deviceId) ?? []), c]);
  return [...byId].map(([id, certs]) => {
    const last = certs.map((c) => revocationOf(revoked, c)).every((r) => r !== undefined) ? revocationOf(revoked, certs.at(-1)!) : undefined;
    return last
      ? { id, importMode: 'createOrUpdate', status: 'disabled', statusReason: `revoked: ${last.reason}`.slice(0, 128), authentication: { type: 'certificateAuthority' } }
      : { id, importMode: 'createOrUpdate', status: 'enabled', authentication: { type: 'certificateAuthority' } };
  });
}

function proofScript(file: string, service: 'hub' | 'dps', ca: { name: string; cn: string; path: string }, extra: Record<string, { usage: string; lines: string[] }>, env: Parameters<typeof scriptHead>[1]): string {
  const target = service === 'hub' ? ['--hub-name', '"$HUB"'] : ['--dps-name', '"$DPS"'];
  const base = [...target, '--resource-group', '"$RG"', '--name', shellWord(ca.name)];
  const words = ['az', 'iot', service, 'certificate'];
  const etag = `ETAG="$(${cmd(...words, 'show', ...base, '--query', 'etag', '-o', 'tsv')})"`;
  const what = service === 'hub' ? 'IoT Hub' : 'the Device Provisioning Service';
  return [
    ...scriptHead([
      `Register the CA "${ca.cn}" (${ca.path}) with ${what} and prove possession of its key.`,
      `1. sh ${file} upload        uploads it and prints the verification code`,
      `2. at the station that holds "${ca.cn}": custodian authority verification-cert <code> --out verification`,
      `3. sh ${file} verify verification.pem`,
    ], env),
    ...steps(file, {
      upload: { usage: 'upload', lines: [cmd(...words, 'create', ...base, '--path', ca.path), etag, cmd(...words, 'generate-verification-code', ...base, '--etag', '"$ETAG"', '--query', 'properties.verificationCode', '-o', 'tsv')] },
      verify: { usage: 'verify <verification.pem>', lines: [': "${2:?name the verification certificate made at the station}"', etag, cmd(...words, 'verify', ...base, '--path', '"$2"', '--etag', '"$ETAG"')] },
      ...extra,
    }),
    '',
  ].join('\n');
}

/** Build the hand-over files. Throws HUB_EXPORT_NO_AUTHORITY without a CA chain. */
export function buildHubExport(ledger: Ledger, opts: HubExportOptions): HubExport {
  if (opts.chain.length === 0) throw new CustodianError(HubExportCodes.NO_AUTHORITY, 'this station has no active CA to hand over to the hub', {});
  const station = opts.chain[0]!;
  const root = opts.chain.at(-1)!;
  const ca = (which: 'root' | 'station') => {
    const der = which === 'root' ? root : station;
    const cn = commonName(der);
    return { name: certificateName(cn), cn, path: which === 'root' ? 'ca/root.pem' : 'ca/station.pem' };
  };
  const register = ca(opts.registerCa ?? 'root');
  const group = ca(opts.groupCa ?? 'station');
  const issued = allIssued(ledger);
  const revoked = revokedIndex(ledger);
  const lines = importDeviceLines(issued, revoked);
  const disabledIds = lines.filter((l) => l.status === 'disabled').map((l) => l.id);
  // One disabled individual enrollment per blocked device ID, with its newest certificate; a device
  // renewed since keeps its registration ID free (an enrollment under it would block the new certificate too).
  const revokedDevices = disabledIds.map((id) => issued.filter((c) => isDevice(c) && c.deviceId === id).at(-1)!);
  const revokedCas = issued.filter((c) => c.profile === 'intermediateCa' && revocationOf(revoked, c));

  const env = {
    HUB: { why: 'the IoT hub\'s name', value: opts.hub }, RG: { why: 'the resource group of the hub and DPS', value: opts.resourceGroup },
  };
  const dpsEnv = { DPS: { why: 'the Device Provisioning Service\'s name', value: opts.dps }, RG: env.RG };
  const groupEnv = { ...dpsEnv, GROUP: { why: 'the enrollment group ID', value: opts.enrollmentGroup ?? certificateName(group.cn).toLowerCase() } };
  const dpsBase = ['--dps-name', '"$DPS"', '--resource-group', '"$RG"'];
  const groupCreate = (opts.groupCa ?? 'station') === 'root' && (opts.registerCa ?? 'root') === 'root'
    ? cmd('az', 'iot', 'dps', 'enrollment-group', 'create', ...dpsBase, '--enrollment-id', '"$GROUP"', '--root-ca-name', shellWord(register.name))
    : cmd('az', 'iot', 'dps', 'enrollment-group', 'create', ...dpsBase, '--enrollment-id', '"$GROUP"', '--certificate-path', group.path);

  const files: HubExportFile[] = [
    { path: 'ca/chain.pem', content: opts.chain.map((d) => toPem(d, 'CERTIFICATE')).join(''), mode: 0o644 },
    { path: 'ca/station.pem', content: toPem(station, 'CERTIFICATE'), mode: 0o644 },
    { path: 'ca/root.pem', content: toPem(root, 'CERTIFICATE'), mode: 0o644 },
    { path: 'hub-ca.sh', content: proofScript('hub-ca.sh', 'hub', register, {}, env), mode: 0o755 },
    {
      path: 'dps-ca.sh',
      content: proofScript('dps-ca.sh', 'dps', register, {
        group: { usage: 'group', lines: [`# Devices present their full chain (leaf, ${opts.chain.length > 1 ? 'ca/chain.pem' : 'the root'}); it must end in the verified "${register.cn}".`, groupCreate] },
      }, groupEnv),
      mode: 0o755,
    },
    { path: 'devices.txt', content: lines.map((l) => `${JSON.stringify(l)}\n`).join(''), mode: 0o644 },
    { path: 'revoked/device-ids.txt', content: disabledIds.map((id) => `${id}\n`).join(''), mode: 0o644 },
    {
      path: 'revoked/hub-disable.sh',
      content: [
        ...scriptHead(['Disable each revoked device in the IoT Hub identity registry (IoT Hub does not check CRLs).'], env),
        ...disabledIds.map((id) => cmd('az', 'iot', 'hub', 'device-identity', 'update', '--hub-name', '"$HUB"', '--resource-group', '"$RG"', '--device-id', shellWord(id), '--status', 'disabled', '--status-reason', shellWord(lines.find((l) => l.id === id)!.statusReason!))),
        '',
      ].join('\n'),
      mode: 0o755,
    },
    {
      path: 'revoked/dps-disable.sh',
      content: [
        ...scriptHead([
          'Block revoked certificates at DPS: a disabled individual enrollment with the device\'s certificate blocks one',
          'device of an enrollment group; a disabled enrollment group with a CA\'s certificate blocks every device under that CA.',
        ], dpsEnv),
        ...revokedDevices.map((c) => cmd('az', 'iot', 'dps', 'enrollment', 'create', ...dpsBase, '--enrollment-id', shellWord(c.deviceId), '--attestation-type', 'x509', '--certificate-path', `certs/${c.serialHex}.pem`, '--provisioning-status', 'disabled')),
        ...revokedCas.map((c) => cmd('az', 'iot', 'dps', 'enrollment-group', 'create', ...dpsBase, '--enrollment-id', shellWord(`revoked-ca-${c.serialHex}`), '--certificate-path', `certs/${c.serialHex}.pem`, '--provisioning-status', 'disabled')),
        '',
      ].join('\n'),
      mode: 0o755,
    },
    ...[...revokedDevices, ...revokedCas].map((c) => ({ path: `revoked/certs/${c.serialHex}.pem`, content: toPem(c.certificateDer, 'CERTIFICATE'), mode: 0o644 })),
  ];
  files.push({ path: 'README.txt', content: readme(register.cn, group.cn, lines.length, disabledIds.length, revokedCas.length), mode: 0o644 });
  return { files, devices: lines.length, revokedDevices: disabledIds, revokedCas: revokedCas.map((c) => c.serialHex) };
}

function readme(register: string, group: string, devices: number, disabled: number, cas: number): string {
  return [
    'Hand-over to Azure IoT Hub / DPS from a Custodian station (docs/lifecycle.md).',
    'Run from this folder on a connected machine with the Azure CLI and its azure-iot extension; set HUB, DPS and RG',
    '(and GROUP) where the scripts ask.',
    '',
    `1. sh hub-ca.sh upload, make the verification certificate at the station of "${register}", sh hub-ca.sh verify <file>`,
    `2. DPS: sh dps-ca.sh upload / verify the same way, then sh dps-ca.sh group (enrollment group on "${group}")`,
    `3. Hubs that pre-register devices: upload devices.txt (${devices} device IDs) to the import blob container`,
    '   and run `az iot hub device-identity import` with it.',
    `4. Revocations: sh revoked/hub-disable.sh (${disabled} device IDs in revoked/device-ids.txt), sh revoked/dps-disable.sh${cas ? ` (and ${cas} revoked CA(s))` : ''}`,
    '',
  ].join('\n');
}

/** Write the files under `dir`. Throws HUB_EXPORT_OUTPUT_EXISTS when `dir` holds files and `force` is not set. */
export function writeHubExport(dir: string, e: HubExport, force = false): string[] {
  if (existsSync(dir) && readdirSync(dir).length > 0 && !force) {
    throw new CustodianError(HubExportCodes.OUTPUT_EXISTS, `${dir} is not empty: choose a new folder (or --force to write over it)`, { dir });
  }
  const out: string[] = [];
  for (const f of e.files) {
    const p = join(dir, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.content, { mode: f.mode });
    out.push(p);
  }
  return out;
}

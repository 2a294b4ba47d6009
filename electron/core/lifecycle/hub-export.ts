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
 *   revoked/still-accepted.txt, revoked/live/<serial>.pem   devices whose revoked certificate CA authentication still accepts
 *   revoked/not-enrollable.txt   device IDs DPS cannot take as enrollment IDs
 *   README.txt       the order to run them in
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CustodianError } from '../errors';
import { CA_SIGNING_ID_PREFIX, type Ledger } from '../ledger/index';
import { nameAttribute, Oid, readCertificate, toPem } from '../pki/index';
import { cmd, here, itemLoop, optEq, scriptHead, shellWord, steps } from './az-script';
import { checkAzureNames, isEnrollmentId } from './azure-names';
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

/** A device with a revoked certificate and a newer one that is not: CA authentication accepts both (same CA, CN = device ID). */
export interface StillAccepted {
  deviceId: string;
  revokedSerials: string[];
  /** Its newest unrevoked certificate: the one to pin. */
  liveSerial: string;
  /** SHA-1 of the live certificate (uppercase hex), as IoT Hub's x509_thumbprint authentication takes it. */
  liveThumbprint: string;
}

export interface HubExport {
  files: HubExportFile[];
  devices: number;
  revokedDevices: string[];
  revokedCas: string[];
  /** Listed as "revoked certificate still accepted by CA authentication", with the remedy (pin the live certificate). */
  stillAccepted: StillAccepted[];
  /** Device IDs with revocations that DPS cannot take as enrollment IDs: left out of the DPS script, with this code. */
  notEnrollable: { deviceId: string; code: typeof HubExportCodes.NOT_ENROLLMENT_ID }[];
}

/** One ImportDevices line (ExportImportDevice): a device that authenticates with a certificate from a registered CA. */
export interface ImportDeviceLine {
  id: string;
  importMode: 'createOrUpdate';
  status: 'enabled' | 'disabled';
  statusReason?: string;
  /** certificateAuthority; selfSigned with the live certificate's thumbprint for a device in StillAccepted (pinned). */
  authentication: { type: 'certificateAuthority' } | { type: 'selfSigned'; x509Thumbprint: { primaryThumbprint: string } };
}

const isDevice = (c: IssuedCertificate): boolean =>
  c.profile === 'deviceLeaf' && !Object.values(CA_SIGNING_ID_PREFIX).some((p) => c.deviceId.startsWith(p));

/** A name Azure accepts for a certificate resource: the CA's CN, letters, digits, - and _. */
function certificateName(cn: string): string {
  return cn.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'custodian-ca';
}

/** The CA's CN attribute (the subject itself when it has none). */
const commonName = (der: Uint8Array): string => {
  const c = readCertificate(der);
  return nameAttribute(c.subjectDer, Oid.commonName) ?? c.subject;
};

const sha1Thumbprint = (der: Uint8Array): string => createHash('sha1').update(der).digest('hex').toUpperCase();

/** Each device ID's certificates, oldest first, in the order the devices were first provisioned. */
function devicesById(issued: readonly IssuedCertificate[]): Map<string, IssuedCertificate[]> {
  const byId = new Map<string, IssuedCertificate[]>();
  for (const c of issued) if (isDevice(c)) byId.set(c.deviceId, [...(byId.get(c.deviceId) ?? []), c]);
  return byId;
}

/**
 * The devices a revoked certificate of which CA authentication still lets in:
 * some certificate revoked, a newer one not. Both chain to the verified CA
 * with CN = device ID, so only pinning the live one blocks the old.
 */
export function stillAcceptedDevices(issued: readonly IssuedCertificate[], revoked: ReadonlyMap<string, RevocationRecord>): (StillAccepted & { live: IssuedCertificate })[] {
  const out: (StillAccepted & { live: IssuedCertificate })[] = [];
  for (const [deviceId, certs] of devicesById(issued)) {
    const gone = certs.filter((c) => revocationOf(revoked, c));
    const live = certs.filter((c) => !revocationOf(revoked, c)).at(-1);
    if (gone.length === 0 || !live) continue;
    out.push({ deviceId, revokedSerials: gone.map((c) => c.serialHex), liveSerial: live.serialHex, liveThumbprint: sha1Thumbprint(live.certificateDer), live });
  }
  return out;
}

/**
 * The ImportDevices lines: each provisioned device ID once, `disabled` when
 * every certificate it was issued is revoked (a hub that pre-registers must
 * not enable it), pinned to its live certificate's thumbprint when an older
 * one is revoked (an import must not undo the pin), in the order the devices
 * were first provisioned.
 */
export function importDeviceLines(issued: readonly IssuedCertificate[], revoked: ReadonlyMap<string, RevocationRecord>): ImportDeviceLine[] {
  const pinned = new Map(stillAcceptedDevices(issued, revoked).map((s) => [s.deviceId, s.liveThumbprint]));
  return [...devicesById(issued)].map(([id, certs]): ImportDeviceLine => {
    const last = certs.map((c) => revocationOf(revoked, c)).every((r) => r !== undefined) ? revocationOf(revoked, certs.at(-1)!) : undefined;
    const pin = pinned.get(id);
    if (last) return { id, importMode: 'createOrUpdate', status: 'disabled', statusReason: `revoked: ${last.reason}`.slice(0, 128), authentication: { type: 'certificateAuthority' } };
    return { id, importMode: 'createOrUpdate', status: 'enabled', authentication: pin ? { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: pin } } : { type: 'certificateAuthority' } };
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
      upload: { usage: 'upload', lines: [cmd(...words, 'create', ...base, '--path', here(ca.path)), etag, cmd(...words, 'generate-verification-code', ...base, '--etag', '"$ETAG"', '--query', 'properties.verificationCode', '-o', 'tsv')] },
      verify: { usage: 'verify <verification.pem>', lines: [': "${2:?name the verification certificate made at the station}"', etag, cmd(...words, 'verify', ...base, '--path', '"$2"', '--etag', '"$ETAG"')] },
      ...extra,
    }),
    '',
  ].join('\n');
}

/** Build the hand-over files. Throws HUB_EXPORT_INVALID_NAME for a name Azure would refuse, HUB_EXPORT_NO_AUTHORITY without a CA chain. */
export function buildHubExport(ledger: Ledger, opts: HubExportOptions): HubExport {
  checkAzureNames({ hub: opts.hub, dps: opts.dps, resourceGroup: opts.resourceGroup, enrollmentGroup: opts.enrollmentGroup });
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
  const stillAccepted = stillAcceptedDevices(issued, revoked);
  // DPS takes only some device IDs as enrollment IDs: the others are listed, never silently dropped.
  const notEnrollable = [...new Set([...revokedDevices, ...stillAccepted].map((c) => c.deviceId))]
    .filter((id) => !isEnrollmentId(id)).map((deviceId) => ({ deviceId, code: HubExportCodes.NOT_ENROLLMENT_ID }));
  const enrollable = <T extends { deviceId: string }>(xs: readonly T[]): T[] => xs.filter((x) => isEnrollmentId(x.deviceId));

  const env = {
    HUB: { why: 'the IoT hub\'s name', value: opts.hub }, RG: { why: 'the resource group of the hub and DPS', value: opts.resourceGroup },
  };
  const dpsEnv = { DPS: { why: 'the Device Provisioning Service\'s name', value: opts.dps }, RG: env.RG };
  const groupEnv = { ...dpsEnv, GROUP: { why: 'the enrollment group ID', value: opts.enrollmentGroup ?? certificateName(group.cn).toLowerCase() } };
  const groupCreate = (opts.groupCa ?? 'station') === 'root' && (opts.registerCa ?? 'root') === 'root'
    ? cmd('az', 'iot', 'dps', 'enrollment-group', 'create', ...dpsBase, optEq('enrollment-id', '"$GROUP"'), '--root-ca-name', shellWord(register.name))
    : cmd('az', 'iot', 'dps', 'enrollment-group', 'create', ...dpsBase, optEq('enrollment-id', '"$GROUP"'), '--certificate-path', here(group.path));

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
    { path: 'revoked/hub-disable.sh', content: hubScript(disabledIds.map((id) => [id, lines.find((l) => l.id === id)!.statusReason!]), stillAccepted, env), mode: 0o755 },
    { path: 'revoked/dps-disable.sh', content: dpsScript(enrollable(revokedDevices), revokedCas, enrollable(stillAccepted), dpsEnv), mode: 0o755 },
    { path: 'revoked/still-accepted.txt', content: stillAccepted.map((x) => `${x.deviceId}\trevoked ${x.revokedSerials.join(',')}\tlive ${x.liveSerial}\tsha1 ${x.liveThumbprint}\n`).join(''), mode: 0o644 },
    { path: 'revoked/not-enrollable.txt', content: notEnrollable.map((x) => `${x.deviceId}\t${x.code}\n`).join(''), mode: 0o644 },
    ...[...revokedDevices, ...revokedCas].map((c) => ({ path: `revoked/certs/${c.serialHex}.pem`, content: toPem(c.certificateDer, 'CERTIFICATE'), mode: 0o644 })),
    ...stillAccepted.map((x) => ({ path: `revoked/live/${x.liveSerial}.pem`, content: toPem(x.live.certificateDer, 'CERTIFICATE'), mode: 0o644 })),
  ];
  files.push({ path: 'README.txt', content: readme(register.cn, group.cn, lines.length, disabledIds.length, revokedCas.length, stillAccepted, notEnrollable.length), mode: 0o644 });
  return {
    files, devices: lines.length, revokedDevices: disabledIds, revokedCas: revokedCas.map((c) => c.serialHex),
    stillAccepted: stillAccepted.map(({ live: _live, ...x }) => x), notEnrollable,
  };
}

const hubBase = ['--hub-name', '"$HUB"', '--resource-group', '"$RG"'];
const dpsBase = ['--dps-name', '"$DPS"', '--resource-group', '"$RG"'];
const quiet = ['-o', 'none'];

/**
 * IoT Hub does not check CRLs: each fully revoked device ID is disabled in
 * the registry (created disabled when the hub has no such device yet), and
 * each device whose older certificate is revoked is pinned to its live
 * certificate's thumbprint, which shuts the revoked one out.
 */
function hubScript(disable: readonly [string, string][], pin: readonly StillAccepted[], env: Parameters<typeof scriptHead>[1]): string {
  const dev = (...words: string[]) => cmd('az', 'iot', 'hub', 'device-identity', ...words, ...hubBase, optEq('device-id', '"$1"'));
  return [
    ...scriptHead([
      'Block revoked certificates at IoT Hub (it does not check CRLs): disable each revoked device ID, and pin each device',
      'whose older certificate is revoked to its live certificate (x509_thumbprint), which the revoked one does not match.',
      'Every device is done on its own; failures are listed at the end (exit 1). Safe to run again.',
    ], env, true),
    ...itemLoop([
      'disable() {',
      `  if ${dev('show', ...quiet)} 2>/dev/null; then`,
      `    ${dev('update', '--status', 'disabled', optEq('status-reason', '"$2"'), ...quiet)} || failed "disable $1"`,
      '  else',
      `    ${dev('create', '--auth-method', 'x509_ca', '--status', 'disabled', optEq('status-reason', '"$2"'), ...quiet)} || failed "create disabled $1"`,
      '  fi',
      '}',
      'pin() {',
      `  if ${dev('show', ...quiet)} 2>/dev/null; then`,
      `    ${dev('update', '--auth-method', 'x509_thumbprint', optEq('primary-thumbprint', '"$2"'), ...quiet)} || failed "pin $1"`,
      '  else',
      `    ${dev('create', '--auth-method', 'x509_thumbprint', optEq('primary-thumbprint', '"$2"'), ...quiet)} || failed "create pinned $1"`,
      '  fi',
      '}',
    ], [
      ...disable.map(([id, reason]) => cmd('disable', shellWord(id), shellWord(reason))),
      ...pin.map((x) => cmd('pin', shellWord(x.deviceId), x.liveThumbprint)),
    ], 'device ID(s)'),
    '',
  ].join('\n');
}

/**
 * DPS, as Azure documents it: a disabled individual enrollment with the
 * device's certificate blocks one device of an enrollment group, a disabled
 * enrollment group with a CA's certificate every device under that CA. A
 * device whose older certificate is revoked gets an enabled individual
 * enrollment with its live certificate, which takes precedence over the group.
 */
function dpsScript(block: readonly IssuedCertificate[], cas: readonly IssuedCertificate[], live: readonly StillAccepted[], env: Parameters<typeof scriptHead>[1]): string {
  const en = (kind: string, ...words: string[]) => cmd('az', 'iot', 'dps', kind, ...words, ...dpsBase, optEq('enrollment-id', '"$1"'));
  const upsert = (fn: string, kind: string, status: 'disabled' | 'enabled', attestation: string[], what: { update: string; create: string }) => [
    `${fn}() {`,
    `  if ${en(kind, 'show', ...quiet)} 2>/dev/null; then`,
    `    ${en(kind, 'update', ...(status === 'enabled' ? ['--certificate-path', '"$2"'] : []), '--provisioning-status', status, ...quiet)} || failed "${what.update} $1"`,
    '  else',
    `    ${en(kind, 'create', ...attestation, '--certificate-path', '"$2"', '--provisioning-status', status, ...quiet)} || failed "${what.create} $1"`,
    '  fi',
    '}',
  ];
  return [
    ...scriptHead([
      'Block revoked certificates at DPS: a disabled individual enrollment with the device\'s certificate blocks one',
      'device of an enrollment group; a disabled enrollment group with a CA\'s certificate blocks every device under that CA;',
      'an enabled individual enrollment with a renewed device\'s live certificate takes precedence over the group.',
      'Device IDs DPS cannot take as enrollment IDs are in not-enrollable.txt. Every item is done on its own; failures are',
      'listed at the end (exit 1). Safe to run again.',
    ], env, true),
    ...itemLoop([
      ...upsert('block_device', 'enrollment', 'disabled', ['--attestation-type', 'x509'], { update: 'disable enrollment', create: 'create disabled enrollment' }),
      ...upsert('block_ca', 'enrollment-group', 'disabled', [], { update: 'disable enrollment group', create: 'create disabled enrollment group' }),
      ...upsert('enroll_live', 'enrollment', 'enabled', ['--attestation-type', 'x509'], { update: 'update live enrollment', create: 'create live enrollment' }),
    ], [
      ...block.map((c) => cmd('block_device', shellWord(c.deviceId), here(`certs/${c.serialHex}.pem`))),
      ...cas.map((c) => cmd('block_ca', shellWord(`revoked-ca-${c.serialHex}`), here(`certs/${c.serialHex}.pem`))),
      ...live.map((x) => cmd('enroll_live', shellWord(x.deviceId), here(`live/${x.liveSerial}.pem`))),
    ], 'enrollment(s)'),
    '',
  ].join('\n');
}

function readme(register: string, group: string, devices: number, disabled: number, cas: number, still: readonly StillAccepted[], notEnrollable: number): string {
  return [
    'Hand-over to Azure IoT Hub / DPS from a Custodian station (docs/lifecycle.md).',
    'Run the scripts on a connected machine with the Azure CLI and its azure-iot extension; set HUB, DPS and RG',
    '(and GROUP) where they ask.',
    '',
    `1. sh hub-ca.sh upload, make the verification certificate at the station of "${register}", sh hub-ca.sh verify <file>`,
    `2. DPS: sh dps-ca.sh upload / verify the same way, then sh dps-ca.sh group (enrollment group on "${group}")`,
    `3. Hubs that pre-register devices: upload devices.txt (${devices} device ID(s)) to the import blob container`,
    '   and run `az iot hub device-identity import` with it.',
    `4. Revocations: sh revoked/hub-disable.sh (${disabled} device ID(s) in revoked/device-ids.txt), sh revoked/dps-disable.sh${cas ? ` (and ${cas} revoked CA(s))` : ''}`,
    '   Each script does every item on its own, lists the ones that failed and exits 1; run it again once fixed.',
    ...(still.length > 0 ? [
      `   Revoked certificate still accepted by CA authentication: ${still.length} device(s) in revoked/still-accepted.txt`,
      '   hold a revoked certificate and a newer live one; both chain to the verified CA with CN = device ID. The scripts pin',
      '   the live one: at the hub `az iot hub device-identity update --auth-method x509_thumbprint --primary-thumbprint <SHA-1>`,',
      '   at DPS an enabled individual enrollment with the live certificate (revoked/live/<serial>.pem), which takes precedence',
      '   over the enrollment group.',
      ...still.map((x) => `     ${x.deviceId}: revoked ${x.revokedSerials.join(', ')}; live ${x.liveSerial} (SHA-1 ${x.liveThumbprint})`),
    ] : []),
    ...(notEnrollable > 0 ? [`   ${notEnrollable} device ID(s) in revoked/not-enrollable.txt cannot be DPS enrollment IDs (${HubExportCodes.NOT_ENROLLMENT_ID}): block them at the hub only.`] : []),
    '   A revoked CA does not stop IoT Hub (it checks no CRL): disable the devices under it; `custodian audit` lists them',
    '   (devicesUnderRevokedCa), including those issued at other stations.',
    '',
  ].join('\n');
}

/** Folders an export owns whole: --force empties them, so no file of an earlier export (a certificate since renewed) is left behind. */
const OWNED_FOLDERS = ['revoked'];

/**
 * Write the files under `dir`. Throws HUB_EXPORT_OUTPUT_EXISTS when `dir`
 * holds files and `force` is not set, or when it cannot be written (not a
 * folder, no permission).
 */
export function writeHubExport(dir: string, e: HubExport, force = false): string[] {
  const cannot = (err: unknown): never => {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CustodianError(HubExportCodes.OUTPUT_EXISTS, `cannot write the hand-over to ${dir}: ${code === 'ENOTDIR' || code === 'EEXIST' ? 'a path on the way is a file, not a folder' : (err as Error).message}`, { dir, reason: code });
  };
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) cannot(Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }));
  if (st && readdirSync(dir).length > 0 && !force) {
    throw new CustodianError(HubExportCodes.OUTPUT_EXISTS, `${dir} is not empty: choose a new folder (or --force to write over it)`, { dir });
  }
  const out: string[] = [];
  try {
    if (st && force) for (const f of OWNED_FOLDERS) rmSync(join(dir, f), { recursive: true, force: true });
    for (const f of e.files) {
      const p = join(dir, f.path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.content, { mode: f.mode });
      out.push(p);
    }
  } catch (err) {
    cannot(err);
  }
  return out;
}

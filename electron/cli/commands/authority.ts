/**
 * `custodian authority …`: the station's CA ceremonies (docs/ceremonies.md).
 * Each command that needs the CA key unlocks it for this run only, from
 * --passphrase-file, CUSTODIAN_PASSPHRASE or a TTY prompt (a key in a token:
 * its PIN, from --pin-file, CUSTODIAN_PIN or a TTY prompt), and locks it again.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Authority, type AuthorityJournal, type CaSubject, type RootPinInput } from '../../core/authority/index';
import { ENTRIES_FILE, LedgerAuthorityJournal, openStationLedger, type Ledger } from '../../core/ledger/index';
import { createKeyedLedger, unlockLedgerKey, type HeldLedgerKey } from '../../core/line/ledger-key';
import { defaultStationId } from '../../core/line/station-id';
import { CA_KEY_SPECS, readCsr, type CaKeySpec } from '../../core/pki/index';
import { DEFAULT_LOG_N, MAX_READ_LOG_N, MIN_WRITE_LOG_N } from '../../core/vault/index';
import { parsePkcs11Uri } from '../../core/token/index';
import { optBool, optInt, optString, positional, reqInt, reqString } from '../args';
import { CustodianError } from '../../core/errors';
import { CliCodes } from '../codes';
import { readInputFile, writeOutputFile } from '../files';
import { obtainPin } from '../passphrase';
import { OPERATOR_OPTION, operatorFrom } from '../operator';
import type { CliCommand, CommandContext, CommandGroup, CommandResult, OptionSpec } from '../types';
import { renderChain, renderReport, renderRootCheck } from './authority-format';
import { indexProgress, ledgerDir } from './ledger';

const OUT_FORCE: Record<string, OptionSpec> = {
  force: { type: 'boolean', description: 'replace output files that already exist' },
};
const WORK_FACTOR: Record<string, OptionSpec> = {
  'work-factor': { type: 'string', valueName: 'LOGN', description: `scrypt work factor log2(N) for the key file (default ${DEFAULT_LOG_N}, minimum ${MIN_WRITE_LOG_N})` },
};
const SUBJECT: Record<string, OptionSpec> = {
  cn: { type: 'string', valueName: '<name>', description: 'common name of this CA, e.g. Factory-Y (required)' },
  org: { type: 'string', valueName: '<org>', description: 'organization (O)' },
  'key-spec': { type: 'string', valueName: '<spec>', description: `CA key type: ${CA_KEY_SPECS.join(', ')} (default P-256)` },
};

export const PIN: Record<string, OptionSpec> = {
  'pin-file': { type: 'string', valueName: '<file>', description: 'read the token PIN from <file> (`-` = stdin); else CUSTODIAN_PIN or a prompt' },
};
const TOKEN: Record<string, OptionSpec> = {
  token: { type: 'string', valueName: '<pkcs11-uri>', description: 'generate the CA key in this PKCS#11 token instead of the vault, e.g. "pkcs11:token=Custodian;object=factory-y?module-path=/usr/lib/softhsm/libsofthsm2.so" (docs/hsm.md)' },
  ...PIN,
};

/** The token PIN for `purpose`, from --pin-file, CUSTODIAN_PIN or a prompt. */
export function pinFrom(ctx: CommandContext, purpose: string): Promise<string> {
  const file = optString(ctx, 'pin-file');
  return obtainPin({ io: ctx.io, ...(file !== undefined ? { file: file === '-' ? '-' : ctx.resolvePath(file) } : {}) }, purpose);
}

/** The secret that unlocks this authority's key: its token PIN, or the vault passphrase. */
export function keySecret(ctx: CommandContext, a: Authority): Promise<string> {
  const name = a.metadata?.subject.commonName ?? '?';
  if (a.secretKind === 'pin') return pinFrom(ctx, `the token holding the CA key of "${name}" (${a.metadata?.keyLocation?.tokenLabel ?? '?'})`);
  return ctx.passphrase({ purpose: `the CA key of "${name}"` });
}

/** Where a new key goes: `--token <uri>` (its PIN asked) or the vault (a new passphrase asked twice). */
async function placement(ctx: CommandContext, commonName: string): Promise<{ passphrase: string } | { token: { uri: string; pin: string } }> {
  const uri = optString(ctx, 'token');
  if (uri === undefined) return { passphrase: await ctx.passphrase({ purpose: `the new CA key of "${commonName}"`, confirm: true }) };
  parsePkcs11Uri(uri); // a malformed URI is refused before a PIN is asked
  return { token: { uri, pin: await pinFrom(ctx, `the token that will hold the CA key of "${commonName}"`) } };
}

const ROOT: Record<string, OptionSpec> = {
  root: { type: 'string', valueName: '<file>', description: 'the upstream root certificate (PEM/DER) from the hand-over: a bundle must end in it' },
  'root-sha256': { type: 'string', valueName: '<hex>', description: 'or the SHA-256 fingerprint of that root (64 hex digits, colons allowed)' },
};

/** --root <file> or --root-sha256 <hex> (not both), or undefined when neither is given. */
function rootFrom(ctx: CommandContext): RootPinInput | undefined {
  const file = optString(ctx, 'root');
  const sha256 = optString(ctx, 'root-sha256');
  if (file !== undefined && sha256 !== undefined) {
    throw new CustodianError(CliCodes.USAGE, 'give the upstream root either as --root <file> or as --root-sha256 <hex>, not both', { options: ['root', 'root-sha256'] });
  }
  if (file !== undefined) return { certificate: readInputFile(ctx, file, 'root certificate', 'certificates') };
  return sha256 !== undefined ? { sha256 } : undefined;
}

function openAuthority(ctx: CommandContext, journal?: AuthorityJournal): Authority {
  const workFactor = optInt(ctx, 'work-factor', { min: MIN_WRITE_LOG_N, max: MAX_READ_LOG_N });
  return Authority.open({ home: ctx.home, ...(workFactor !== undefined ? { workFactor } : {}), ...(journal ? { journal } : {}) });
}

/**
 * Run a ceremony that touches the CA key with the authority journalled into
 * the station ledger (`<home>/ledger`, created on first use): imports, key
 * loads, sessions and CA signings are recorded, and a signing whose intent
 * cannot be recorded does not happen. The ledger is opened before any
 * passphrase is asked (LEDGER_LOCKED while the app holds it) and closed,
 * with a covering checkpoint, after the key is locked.
 */
async function withJournalledAuthority<T>(
  ctx: CommandContext, fn: (a: Authority, ledger: Ledger, held: (k: HeldLedgerKey | null) => void) => Promise<T>, initialKey: HeldLedgerKey | null = null,
): Promise<T> {
  const operator = operatorFrom(ctx);
  const { ledger, recorder } = openStationLedger({ dir: ledgerDir(ctx), stationId: defaultStationId(), onIndexProgress: indexProgress(ctx) });
  // A checkpoint key unlocked with the authority is closed after the ledger's closing checkpoint.
  let checkpointKey: HeldLedgerKey | null = initialKey;
  try {
    if (initialKey) ledger.unlockKey(initialKey);
    if (ledger.openReport.tornTail) ctx.warn(ledger.openReport.tornTail.message);
    const a = openAuthority(ctx, new LedgerAuthorityJournal(recorder, { operator: () => operator }));
    try {
      return await fn(a, ledger, (k) => { checkpointKey = k; });
    } finally {
      if ((checkpointKey as HeldLedgerKey | null)?.onToken) ledger.lockKey();
      await a.lock();
    }
  } finally {
    ledger.close();
    await (checkpointKey as HeldLedgerKey | null)?.close();
  }
}

function subjectFrom(ctx: CommandContext): CaSubject & { keySpec: CaKeySpec } {
  const spec = optString(ctx, 'key-spec') ?? 'P-256';
  if (!(CA_KEY_SPECS as readonly string[]).includes(spec)) {
    throw new CustodianError(CliCodes.USAGE, `--key-spec must be one of ${CA_KEY_SPECS.join(', ')}`, { option: 'key-spec', value: spec });
  }
  const org = optString(ctx, 'org');
  return { commonName: reqString(ctx, 'cn'), ...(org !== undefined ? { organization: org } : {}), keySpec: spec as CaKeySpec };
}

/**
 * A ceremony that creates the CA key: refused before a ledger is created or a
 * passphrase asked when the station already has an authority; `fn` gets
 * where the key goes: the vault with a new passphrase (asked twice), or the
 * token of --token with its PIN.
 */
async function withNewKey<T>(ctx: CommandContext, commonName: string, fn: (a: Authority, where: Awaited<ReturnType<typeof placement>>) => Promise<T>): Promise<T> {
  openAuthority(ctx).assertNone();
  if (optString(ctx, 'token') !== undefined) parsePkcs11Uri(optString(ctx, 'token')!);
  if (existsSync(join(ledgerDir(ctx), ENTRIES_FILE))) return withJournalledAuthority(ctx, async (a) => fn(a, await placement(ctx, commonName)));
  // A new station: its ledger is created with the checkpoint key where the CA key goes (never a plain key file).
  const where = await placement(ctx, commonName);
  const logN = optInt(ctx, 'work-factor', { min: MIN_WRITE_LOG_N, max: MAX_READ_LOG_N });
  const key = await createKeyedLedger(ledgerDir(ctx), defaultStationId(), 'token' in where ? where : { passphrase: where.passphrase, logN });
  return withJournalledAuthority(ctx, async (a) => fn(a, where), key);
}

/**
 * A ceremony that signs with the CA key: refused before a passphrase is asked
 * unless the authority is active; the key is unlocked for this run only
 * (withJournalledAuthority locks it again).
 */
export async function withSigningKey<T>(ctx: CommandContext, fn: (a: Authority, ledger: Ledger) => Promise<T>): Promise<T> {
  openAuthority(ctx).assertActive();
  return withJournalledAuthority(ctx, async (a, ledger, held) => {
    a.assertActive();
    const secret = await keySecret(ctx, a);
    await a.unlock(secret);
    held(await unlockLedgerKey(ledger, a.secretKind, secret));
    return fn(a, ledger);
  });
}

const iso = (d: Date) => d.toISOString();
const keyWhere = (r: { keyFile: string | null; tokenUri: string | null }): string => (r.tokenUri !== null ? `in the token ${r.tokenUri}` : `sealed in ${r.keyFile ?? '?'}`);

const initRootCmd: CliCommand = {
  name: 'init-root',
  summary: 'create a self-signed root CA on this station (brand root, e.g. Company-X)',
  usage: '--cn <name> [--org <org>] [--key-spec P-256] [--path-len N] [--days D] [--token <pkcs11-uri>]',
  options: {
    ...SUBJECT,
    ...TOKEN,
    'path-len': { type: 'string', valueName: 'N', description: 'CA levels allowed below the root (default 2: factory → installer)' },
    days: { type: 'string', valueName: 'D', description: 'validity in days (default 7305, max 9132)' },
    ...WORK_FACTOR,
    ...OPERATOR_OPTION,
  },
  async run(ctx) {
    const s = subjectFrom(ctx);
    const pathLen = optInt(ctx, 'path-len', { min: 0, max: 8 });
    const days = optInt(ctx, 'days', { min: 1 });
    return withNewKey(ctx, s.commonName, async (a, where) => {
      const r = await a.initRoot({ ...s, ...where, ...(pathLen !== undefined ? { pathLen } : {}), ...(days !== undefined ? { days } : {}) });
      const data = { subject: r.subject, fingerprint: r.fingerprint, serialHex: r.serialHex, notBefore: iso(r.notBefore), notAfter: iso(r.notAfter), pathLen: r.pathLen, keySpec: r.keySpec, keyFile: r.keyFile, tokenUri: r.tokenUri, home: ctx.home };
      return { data, human: [`Root CA created: ${r.subject}`, `  SHA-256   ${r.fingerprint}`, `  valid     ${iso(r.notBefore)} → ${iso(r.notAfter)}`, `  pathLen   ${r.pathLen}`, `  key       ${r.keySpec}, ${keyWhere(r)}`, 'Next: `custodian authority export-chain --out <file>` and hand the root certificate to downstream custodians.'] };
    });
  },
};

const requestCmd: CliCommand = {
  name: 'request',
  summary: 'create this station\'s CA key and a CSR for the upstream custodian (--successor: the next CA, while this one keeps signing)',
  usage: '--cn <name> [--org <org>] [--key-spec P-256] [--root <file> | --root-sha256 <hex>] [--out <csr>] [--token <pkcs11-uri>] | --successor [--cn <name>] [--out <csr>]',
  description: 'With --successor, on an active subordinate station: a new key and CSR for the CA that follows this one (same name unless --cn); this CA keeps signing until `authority import` takes the signed successor, then stays for CRLs and its devices\' chains (docs/lifecycle.md).',
  options: {
    ...SUBJECT, ...TOKEN, ...ROOT,
    successor: { type: 'boolean', description: 'the successor of this station\'s active CA (CA rollover)' },
    out: { type: 'string', valueName: '<file>', description: 'also write the CSR (PEM) here, to hand to the upstream custodian' }, ...OUT_FORCE, ...WORK_FACTOR, ...OPERATOR_OPTION,
  },
  async run(ctx) {
    if (optBool(ctx, 'successor')) return successorRequest(ctx);
    const s = subjectFrom(ctx);
    const root = rootFrom(ctx);
    const out = optString(ctx, 'out');
    return withNewKey(ctx, s.commonName, async (a, where) => {
      const r = await a.createRequest({ ...s, ...where, ...(root ? { root } : {}) });
      const written = out !== undefined ? writeOutputFile(ctx, out, r.csrPem, optBool(ctx, 'force')) : null;
      const data = { subject: r.subject, csrSha256: r.csrSha256, spkiSha256: r.spkiSha256, keySpec: r.keySpec, requestFile: r.requestFile, out: written, keyFile: r.keyFile, tokenUri: r.tokenUri, pinnedRootSha256: r.pinnedRootSha256 };
      const next = r.pinnedRootSha256 !== null
        ? 'Next: hand the CSR to the upstream custodian; import the bundle they return with `custodian authority import <bundle>`.'
        : 'Next: hand the CSR to the upstream custodian; import the bundle they return with `custodian authority import <bundle> --root <root.pem>` (or --root-sha256), the root taken from the upstream hand-over.';
      return { data, human: [`Request created for ${r.subject}`, `  CSR       ${written ?? r.requestFile}`, `  CSR SHA-256  ${r.csrSha256}`, `  key SHA-256  ${r.spkiSha256} (SPKI), ${keyWhere(r)}`, `  root      ${r.pinnedRootSha256 !== null ? `SHA-256 ${r.pinnedRootSha256} (pinned: a bundle must end in it)` : 'not pinned yet: give it at import'}`, next] };
    });
  },
};

/**
 * Where the successor's key goes. In the vault it is sealed under the
 * current CA key's passphrase (proved by unlocking that key): the station's
 * checkpoint key is sealed under the same passphrase, and provisioning unlocks
 * both with one. A vault successor of a token-held CA takes a new passphrase.
 */
async function successorPlacement(ctx: CommandContext, a: Authority, name: string): Promise<{ passphrase: string } | { token: { uri: string; pin: string } }> {
  if (optString(ctx, 'token') !== undefined || a.secretKind === 'pin') return placement(ctx, `${name} (successor)`);
  const passphrase = await ctx.passphrase({ purpose: `the CA key of "${a.metadata?.subject.commonName ?? '?'}" (its successor is sealed under the same passphrase)` });
  await a.unlock(passphrase);
  await a.lock();
  return { passphrase };
}

/** `authority request --successor`: the next CA's key (vault, or --token) and CSR; the ledger records the request. */
async function successorRequest(ctx: CommandContext): Promise<CommandResult> {
  if (optString(ctx, 'root') !== undefined || optString(ctx, 'root-sha256') !== undefined) {
    throw new CustodianError(CliCodes.USAGE, 'a successor belongs to the root this station is already pinned to: --root is not taken with --successor', { option: 'root' });
  }
  const cn = optString(ctx, 'cn');
  const s = cn !== undefined ? subjectFrom(ctx) : undefined;
  const keySpec = optString(ctx, 'key-spec');
  const out = optString(ctx, 'out');
  const current = openAuthority(ctx);
  current.assertActive();
  const name = s?.commonName ?? current.metadata?.subject.commonName ?? '?';
  return withJournalledAuthority(ctx, async (a) => {
    const where = await successorPlacement(ctx, a, name);
    const r = await a.createSuccessorRequest({ ...where, ...(s ? { subject: s } : {}), ...(keySpec !== undefined ? { keySpec: keySpec as CaKeySpec } : {}) });
    const written = out !== undefined ? writeOutputFile(ctx, out, r.csrPem, optBool(ctx, 'force')) : null;
    const data = { successor: true, subject: r.subject, csrSha256: r.csrSha256, spkiSha256: r.spkiSha256, keySpec: r.keySpec, requestFile: r.requestFile, out: written, keyFile: r.keyFile, tokenUri: r.tokenUri, current: r.current };
    return {
      data,
      human: [
        `Successor request created for ${r.subject}`,
        `  CSR       ${written ?? r.requestFile}`,
        `  CSR SHA-256  ${r.csrSha256}`,
        `  key SHA-256  ${r.spkiSha256} (SPKI), ${keyWhere(r)}`,
        `  current   ${r.current.subject} (SHA-256 ${r.current.fingerprint}) keeps signing until ${r.current.notAfter} or the successor is imported`,
        'Next: hand the CSR to the upstream custodian; import the bundle they return with `custodian authority import <bundle>`.',
      ],
    };
  });
}

const signSubordinateCmd: CliCommand = {
  name: 'sign-subordinate',
  summary: 'sign a downstream custodian\'s CA request; write the bundle to hand back',
  usage: '<csr> --path-len N --days D --out <bundle> [--require-work-orders]',
  positionals: { min: 1, max: 1 },
  options: {
    'path-len': { type: 'string', valueName: 'N', description: 'path length of the new CA (0 = it signs devices only) (required)' },
    'require-work-orders': { type: 'boolean', description: 'the new CA signs devices only under signed work orders (a certificate policy its station enforces)' },
    days: { type: 'string', valueName: 'D', description: 'validity in days, clamped to this CA\'s validity (required)' },
    out: { type: 'string', valueName: '<bundle>', description: 'where to write the bundle: new certificate + chain to the root, PEM (required)' },
    ...OUT_FORCE,
    ...PIN,
    ...OPERATOR_OPTION,
  },
  async run(ctx) {
    const csrPath = positional(ctx, 0, 'CSR file');
    const pathLen = reqInt(ctx, 'path-len', { min: 0, max: 8 });
    const days = reqInt(ctx, 'days', { min: 1 });
    const out = reqString(ctx, 'out');
    const csr = readInputFile(ctx, csrPath, 'CSR', 'csr');
    readCsr(csr); // refuse a bad request before asking for the passphrase
    return withSigningKey(ctx, async (a) => {
      const r = await a.signSubordinate(csr, { pathLen, days, requireWorkOrders: optBool(ctx, 'require-work-orders') });
      const written = writeOutputFile(ctx, out, r.bundlePem, optBool(ctx, 'force'));
      const data = { subject: r.subject, requestedSubject: r.requestedSubject, ignoredRequests: r.ignoredRequests, serialHex: r.serialHex, fingerprint: r.fingerprint, notBefore: iso(r.notBefore), notAfter: iso(r.notAfter), clamped: r.clamped, pathLen: r.pathLen, requireWorkOrders: r.requireWorkOrders, csrSha256: r.csrSha256, bundle: written, chainLength: r.chainDer.length };
      const human = [`Signed ${r.subject} (pathLen ${r.pathLen}${r.requireWorkOrders ? ', signs devices only under work orders' : ''})`, `  CSR SHA-256  ${r.csrSha256} (must equal what the requester's \`authority request\` printed)`, `  serial    ${r.serialHex}`, `  SHA-256   ${r.fingerprint}`, `  valid     ${iso(r.notBefore)} → ${iso(r.notAfter)}${r.clamped ? ' (clamped to this CA\'s validity)' : ''}`, `  bundle    ${written} (${r.chainDer.length} certificates, leaf first)`];
      if (r.ignoredRequests.length > 0) human.push('  ignored from the CSR:', ...r.ignoredRequests.map((x) => `    - ${x}`));
      return { data, human };
    });
  },
};

const importCmd: CliCommand = {
  name: 'import',
  summary: 'activate this station with the bundle signed by the upstream custodian (or migrate an OpenSSL CA with --key)',
  usage: '<bundle> [--root <file> | --root-sha256 <hex>] [--key <key.pem>]',
  description: 'The upstream root must be known: given here, or pinned by `authority request`. A bundle whose chain does not end in it is refused (AUTHORITY_ROOT_MISMATCH).',
  positionals: { min: 1, max: 1 },
  options: { ...ROOT, key: { type: 'string', valueName: '<key.pem>', description: 'existing CA private key (PEM) to import into the vault with this bundle' }, ...WORK_FACTOR, ...OPERATOR_OPTION },
  async run(ctx) {
    const bundle = readInputFile(ctx, positional(ctx, 0, 'bundle file'), 'bundle', 'bundle');
    const root = rootFrom(ctx);
    const keyPath = optString(ctx, 'key');
    let key: Buffer | undefined;
    openAuthority(ctx).assertRootPinned(root); // before a ledger is opened or a passphrase asked
    return withJournalledAuthority(ctx, async (a) => {
      let passphrase: string | undefined;
      if (keyPath !== undefined) {
        key = readInputFile(ctx, keyPath, 'key', 'key');
        if (a.state !== 'none') a.assertNone();
        passphrase = await ctx.passphrase({ purpose: 'the imported CA key (new passphrase)', confirm: true });
      }
      const r = await a.importBundle(bundle, { ...(key ? { key } : {}), ...(passphrase !== undefined ? { passphrase } : {}), ...(root ? { root } : {}) });
      for (const w of r.warnings) ctx.warn(w);
      const chain = r.chain.map((l) => ({ subject: l.subject, fingerprintSha256: l.fingerprintSha256, notAfter: iso(l.notAfter), pathLenRoom: l.pathLenRoom ?? null }));
      const data = { kind: r.kind, subject: r.subject, fingerprint: r.fingerprint, notAfter: iso(r.notAfter), keyImported: r.keyImported, chain, warnings: r.warnings, root: r.root, ...(r.previous ? { previous: r.previous } : {}) };
      const head = r.previous
        ? [`Successor active: ${r.subject} signs from now on; ${r.previous.slice(0, 16)}… is retired (kept for CRLs and its devices' chains). Unlock the successor's key to provision.`]
        : [`Authority active: ${r.subject} (${r.kind}${r.keyImported ? ', key imported into the vault' : ''})`];
      return { data, human: [...head, ...renderRootCheck(r.root), ...renderChain(chain)] };
    }).finally(() => key?.fill(0));
  },
};

const verificationCmd: CliCommand = {
  name: 'verification-cert',
  summary: 'make the IoT Hub / DPS proof-of-possession certificate (CN = the code)',
  usage: '<code> --out <base> [--days D]',
  positionals: { min: 1, max: 1 },
  options: {
    out: { type: 'string', valueName: '<base>', description: 'writes <base>.pem and <base>.cer (DER) (required)' },
    days: { type: 'string', valueName: 'D', description: 'validity in days (default 30, max 90)' },
    ...OUT_FORCE,
    ...PIN,
    ...OPERATOR_OPTION,
  },
  async run(ctx) {
    const code = positional(ctx, 0, 'verification code');
    const base = reqString(ctx, 'out').replace(/\.(pem|cer)$/i, '');
    const days = optInt(ctx, 'days', { min: 1 });
    return withSigningKey(ctx, async (a) => {
      const r = await a.verificationCert(code, days !== undefined ? { days } : {});
      const force = optBool(ctx, 'force');
      const pem = writeOutputFile(ctx, `${base}.pem`, r.pem, force);
      const cer = writeOutputFile(ctx, `${base}.cer`, r.der, force);
      const data = { code: r.code, subject: r.subject, serialHex: r.serialHex, fingerprint: r.fingerprint, notBefore: iso(r.notBefore), notAfter: iso(r.notAfter), issuerFingerprint: r.issuerFingerprint, files: { pem, cer } };
      return { data, human: [`Verification certificate for code ${r.code}`, `  ${pem}`, `  ${cer}`, `  valid until ${iso(r.notAfter)}; upload either file where the hub asks for the verification certificate.`] };
    });
  },
};

const workOrderSignerCmd: CliCommand = {
  name: 'work-order-signer',
  summary: 'issue a work-order signing certificate and seal its key (docs/work-orders.md)',
  usage: '--cn <name> --out <dir> [--org <org>] [--key-spec <spec>] [--days D]',
  description: 'Signs once with the CA key; work orders are then signed with `custodian work-order sign --signer <dir>`, so the CA key stays offline. Writes <dir>/signer.key (sealed under a new passphrase) and <dir>/signer.pem (the certificate, then this CA\'s chain to the root).',
  options: {
    ...SUBJECT,
    out: { type: 'string', valueName: '<dir>', description: 'directory for signer.key and signer.pem (required; created if missing)' },
    days: { type: 'string', valueName: 'D', description: 'validity in days (default 365, max 825; never past this CA)' },
    ...OUT_FORCE,
    ...PIN,
    ...WORK_FACTOR,
    ...OPERATOR_OPTION,
  },
  async run(ctx) {
    const { keySpec, ...subject } = subjectFrom(ctx);
    const dir = ctx.resolvePath(reqString(ctx, 'out'));
    const days = optInt(ctx, 'days', { min: 1 });
    const keyFile = join(dir, 'signer.key');
    const force = optBool(ctx, 'force');
    if (existsSync(keyFile)) throw new CustodianError(CliCodes.OUTPUT_UNWRITABLE, `${keyFile} already exists: choose another --out directory`, { path: keyFile });
    if (!force && existsSync(join(dir, 'signer.pem'))) throw new CustodianError(CliCodes.OUTPUT_UNWRITABLE, `${join(dir, 'signer.pem')} already exists (use --force to replace it)`, { path: join(dir, 'signer.pem') });
    return withSigningKey(ctx, async (a) => {
      const passphrase = await ctx.passphrase({ purpose: `the new work-order signing key of "${subject.commonName}"`, confirm: true });
      const r = await a.workOrderSigner({ ...subject, keySpec, keyFile, passphrase, ...(days !== undefined ? { days } : {}) });
      const pem = writeOutputFile(ctx, join(dir, 'signer.pem'), r.chainPem, force);
      const data = { subject: r.subject, serialHex: r.serialHex, fingerprint: r.fingerprint, notBefore: iso(r.notBefore), notAfter: iso(r.notAfter), issuerFingerprint: r.issuerFingerprint, files: { key: r.keyFile, chain: pem } };
      return { data, human: [`Work-order signer ${r.subject}`, `  key    ${r.keyFile} (sealed)`, `  chain  ${pem}`, `  valid until ${iso(r.notAfter)}; sign work orders with: custodian work-order sign <order.json> --signer ${dir} --out <order.cms>`] };
    });
  },
};

const showCmd: CliCommand = {
  name: 'show',
  summary: 'show the authority: chain, fingerprints, expiry, path length room',
  async run(ctx) {
    const r = openAuthority(ctx).show();
    return { data: r, human: renderReport(r) };
  },
};

const exportChainCmd: CliCommand = {
  name: 'export-chain',
  summary: 'write the public chain (PEM, this CA first, root last) for hub/DPS upload',
  usage: '[--out <file>] [--ca-only]',
  options: {
    out: { type: 'string', valueName: '<file>', description: 'write the PEM here (default: print it)' },
    'ca-only': { type: 'boolean', description: "only this CA's certificate (for portals that take one certificate per upload)" },
    ...OUT_FORCE,
  },
  async run(ctx) {
    const full = openAuthority(ctx).exportChain();
    const r = optBool(ctx, 'ca-only') ? { pem: `${full.pem.split(/(?<=-----END CERTIFICATE-----\n)/)[0]!}`, certificates: full.certificates.slice(0, 1) } : full;
    const out = optString(ctx, 'out');
    if (out === undefined) return { data: { pem: r.pem, certificates: r.certificates }, human: r.pem };
    const written = writeOutputFile(ctx, out, r.pem, optBool(ctx, 'force'));
    return { data: { out: written, certificates: r.certificates }, human: [`Wrote ${r.certificates.length} certificate(s) to ${written}:`, ...r.certificates.map((c) => `  ${c.subject}  ${c.fingerprintSha256}`)] };
  },
};

export const authorityCommands: CommandGroup = {
  kind: 'group',
  name: 'authority',
  summary: "manage this station's certificate authority (root, request, sign, import, export)",
  commands: [initRootCmd, requestCmd, signSubordinateCmd, importCmd, verificationCmd, workOrderSignerCmd, showCmd, exportChainCmd],
};

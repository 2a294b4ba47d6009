/** `custodian ledger …`: the station's signing ledger (docs/ledger-format.md). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Authority } from '../../core/authority';
import { CustodianError, isCustodianError } from '../../core/errors';
import {
  Ledger, LedgerCodes, LedgerRecorder, SEAL_KEY_COMMAND, certificatesFrom, exportBundle, proofsFor, renderSummaryLine, type LedgerOptions,
} from '../../core/ledger';
import { crlsDue, renderCrlDue } from '../../core/lifecycle/index';
import { moveLedgerKey, type HeldLedgerKey } from '../../core/line/ledger-key';
import { MAX_READ_LOG_N, MIN_WRITE_LOG_N } from '../../core/vault/index';
import { optInt, optString, positional, reqString } from '../args';
import { OPERATOR_OPTION, operatorFrom } from '../operator';
import { obtainPin } from '../passphrase';
import { CliCodes } from '../codes';
import { readInputFile } from '../files';
import type { CliCommand, CommandContext, CommandGroup } from '../types';

/** The station's ledger lives in `<home>/ledger`. */
export function ledgerDir(ctx: CommandContext): string {
  return join(ctx.home, 'ledger');
}

/** A progress line at most once a second (and at the end): "<what> 42% (1,234,567 entries)". */
function progressLine(ctx: CommandContext, what: string): (p: { bytes: number; total: number; entries: number }) => void {
  let last = 0;
  return (p) => {
    const now = performance.now();
    if (now - last < 1000 && p.bytes < p.total) return;
    last = now;
    ctx.info(`${what} ${p.total ? Math.floor((100 * p.bytes) / p.total) : 100}% (${p.entries.toLocaleString('en-US')} entries)`);
  };
}

/** Progress on stderr while an open builds or catches up the ledger's index (LedgerOptions.onIndexProgress). */
export function indexProgress(ctx: CommandContext): NonNullable<LedgerOptions['onIndexProgress']> {
  let show: ((p: { bytes: number; total: number; entries: number }) => void) | null = null;
  return (p) => (show ??= progressLine(ctx, p.reason === 'behind' ? 'index: catching up' : `index: building (${p.reason})`))(p);
}

/** Open the station's ledger for `fn` (warning about a torn tail, showing the index being built) and close it when `fn` has finished. */
async function withLedger<T>(ctx: CommandContext, opts: Partial<LedgerOptions>, fn: (l: Ledger) => T | Promise<T>): Promise<T> {
  const ledger = Ledger.open({ dir: ledgerDir(ctx), ...opts, onIndexProgress: indexProgress(ctx) });
  try {
    if (ledger.openReport.tornTail) ctx.warn(ledger.openReport.tornTail.message);
    return await fn(ledger);
  } finally {
    ledger.close();
  }
}

const status: CliCommand = {
  name: 'status',
  summary: 'open the ledger: its index and the entries after it checked against the signed checkpoint (ledger verify re-hashes all)',
  async run(ctx) {
    return withLedger(ctx, { readOnly: true }, (l) => {
      const data = {
        origin: l.origin, vkey: l.vkey, vkeys: l.vkeys, key: l.keyPlacement, entries: l.size, checkpointSize: l.checkpoint.size,
        root: l.checkpoint.root.toString('base64'), unreconciled: l.openReport.unreconciled,
        tornTail: l.openReport.tornTail?.details ?? null, openMillis: Math.round(l.openReport.millis), index: l.openReport.index,
        crlsDue: crlsDue(l, new Date()),
      };
      for (const d of data.crlsDue) ctx.warn(renderCrlDue(d));
      return { data, human: [
        `ledger ${l.origin}: ${l.size} entries, verified against checkpoint ${l.checkpoint.size} (index ${l.openReport.index.state}${l.openReport.index.hashed ? `, ${l.openReport.index.hashed} entries hashed` : ''})`,
        `vkey ${l.vkey}`,
        keyLine(l.keyPlacement),
        ...(data.unreconciled.length ? [`unreconciled intents: ${data.unreconciled.join(', ')} (custodian ledger reconcile)`] : []),
      ] };
    });
  },
};

/** Where the checkpoint key is, in the operator's words; a plain key names the command that seals it. */
function keyLine(placement: Ledger['keyPlacement']): string {
  switch (placement) {
    case 'token': return 'checkpoint key: on the authority\'s token';
    case 'sealed': return 'checkpoint key: sealed by the vault, unlocked with the authority';
    case 'plain': return `checkpoint key: UNSEALED (a plain file, ledger.key): run \`${SEAL_KEY_COMMAND}\` to seal it`;
    default: return 'checkpoint key: none on this station';
  }
}

const sealKey: CliCommand = {
  name: 'seal-key',
  summary: 'move a plain checkpoint key (ledger.key) onto the authority\'s token (Ed25519) or into the vault under its passphrase',
  usage: '[--pin-file <file>] [--work-factor LOGN] [--operator <name>]',
  options: {
    'pin-file': { type: 'string', valueName: '<file>', description: 'a token-held authority: read the token PIN from <file> (`-` = stdin); else CUSTODIAN_PIN or a prompt' },
    'work-factor': { type: 'string', valueName: 'LOGN', description: `scrypt work factor log2(N) for the sealed key (minimum ${MIN_WRITE_LOG_N})` },
    ...OPERATOR_OPTION,
  },
  async run(ctx) {
    const operator = operatorFrom(ctx);
    const logN = optInt(ctx, 'work-factor', { min: MIN_WRITE_LOG_N, max: MAX_READ_LOG_N });
    const a = Authority.open({ home: ctx.home });
    a.assertActive();
    const loc = a.metadata?.keyLocation;
    const name = a.metadata?.subject.commonName ?? '?';
    let key: HeldLedgerKey | null = null;
    try {
      return await withLedger(ctx, {}, async (l) => {
        if (l.keyPlacement !== 'plain') throw new CustodianError(LedgerCodes.EXISTS, `the ledger's checkpoint key is already ${l.keyPlacement === 'token' ? 'on the token' : 'sealed'}`, { key: l.keyPlacement });
        const pinFile = optString(ctx, 'pin-file');
        const secret = a.secretKind === 'pin'
          ? await obtainPin({ io: ctx.io, ...(pinFile !== undefined ? { file: pinFile === '-' ? '-' : ctx.resolvePath(pinFile) } : {}) }, `the token holding the CA key of "${name}" (${loc?.tokenLabel ?? '?'})`)
          : await ctx.passphrase({ purpose: `the CA key of "${name}"` });
        // The authority's own unlock proves the secret before the key is stored under it.
        await a.unlock(secret);
        try {
          const r = await moveLedgerKey(l, { secretKind: a.secretKind, token: loc }, secret, operator, logN !== undefined ? { logN } : {});
          key = r.key;
          const { key: _held, ...data } = r;
          return {
            data: { ...data, key: l.keyPlacement },
            human: [
              r.location === 'token' ? `checkpoint key generated on the token: ${r.ref}` : `checkpoint key sealed in ${r.ref}`,
              ...(r.index >= 0 ? [`key-rotation recorded as entry ${r.index}; the previous key signed the checkpoint covering it`] : []),
              `vkey ${r.vkey}`,
            ],
          };
        } finally {
          if ((key as HeldLedgerKey | null)?.onToken) l.lockKey();
          await a.lock();
        }
      });
    } finally {
      await (key as HeldLedgerKey | null)?.close(); // after the ledger's closing checkpoint
    }
  },
};

const proof: CliCommand = {
  name: 'proof',
  summary: 'write a C2SP tlog-proof for the certificate of a device ID or serial',
  usage: '<device-id|serial> [--out <dir>]',
  options: { out: { type: 'string', valueName: '<dir>', description: 'directory for the .tlog-proof files (default: current directory)' } },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const query = positional(ctx, 0, 'device ID or serial');
    const out = ctx.resolvePath(optString(ctx, 'out') ?? '.');
    return withLedger(ctx, { readOnly: true }, (l) => {
      mkdirSync(out, { recursive: true });
      const written = proofsFor(l, query).map((p) => {
        const file = join(out, `${p.deviceId.replace(/[^A-Za-z0-9._-]/g, '_')}-${p.serialHex}.tlog-proof`);
        writeFileSync(file, p.proof);
        return { file, index: p.index, deviceId: p.deviceId, serialHex: p.serialHex };
      });
      return { data: { proofs: written }, human: written.map((w) => `${w.file}  (entry ${w.index})`) };
    });
  },
};

const exportCmd: CliCommand = {
  name: 'export',
  summary: 'write an audit bundle (entries, checkpoints, vkey, custodian chain, tlog tiles)',
  usage: '<dir> [--chain <custodian-chain.pem>] [--no-tiles]',
  options: {
    chain: { type: 'string', valueName: '<pem>', description: "this station's CA chain, issuing CA first (default: the station authority's chain)" },
    'no-tiles': { type: 'boolean', description: 'skip the tlog-tiles layout' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const out = ctx.resolvePath(positional(ctx, 0, 'bundle directory'));
    const chainFile = optString(ctx, 'chain');
    const authority = chainFile ? null : Authority.open({ home: ctx.home });
    const chainPem = chainFile ? readInputFile(ctx, chainFile, 'chain', 'certificates').toString('utf8') : authority!.exportChain().pem;
    const retiredChainsPem = authority?.retiredChainsPem() ?? [];
    // Writable when possible (to sign a checkpoint over the newest entries); while the station app holds
    // the ledger (LEDGER_LOCKED), export what its latest checkpoint covers.
    const run = (readOnly: boolean) => withLedger(ctx, { readOnly }, (l) => {
      if (!readOnly && !l.keyLocked && l.checkpoint.size < l.size) l.signCheckpoint();
      if (!readOnly && l.keyLocked && l.checkpoint.size < l.size) ctx.warn(`the checkpoint key is locked: exporting the ${l.checkpoint.size} entries its latest checkpoint covers`);
      const r = exportBundle(l, out, { chainPem, retiredChainsPem, tiles: ctx.values['no-tiles'] !== true });
      return { data: r, human: `bundle of ${r.size} entries from ${r.origin} written to ${r.dir} (${r.files} files)` };
    });
    try {
      return await run(false);
    } catch (e) {
      if (!isCustodianError(e, LedgerCodes.LOCKED)) throw e;
      ctx.warn('the station app has the ledger open: exporting up to its latest checkpoint');
      return run(true);
    }
  },
};

const list: CliCommand = {
  name: 'list',
  summary: 'list entries by index range, or search by device ID, serial or work order',
  usage: '[--from N] [--count N] [--device <id>] [--serial <hex>] [--work-order <wo>]',
  options: {
    from: { type: 'string', valueName: 'N', description: 'first index (default: the last --count entries)' },
    count: { type: 'string', valueName: 'N', description: 'entries to show (default 50)' },
    device: { type: 'string', valueName: '<id>', description: 'entries about this device ID' },
    serial: { type: 'string', valueName: '<hex>', description: 'entries about this serial' },
    'work-order': { type: 'string', valueName: '<wo>', description: 'entries of this work order' },
  },
  async run(ctx) {
    return withLedger(ctx, { readOnly: true }, (l) => {
      const count = optInt(ctx, 'count', { min: 1, max: 10_000 }) ?? 50;
      const q = { deviceId: optString(ctx, 'device'), serialHex: optString(ctx, 'serial'), workOrder: optString(ctx, 'work-order') };
      const entries = q.deviceId || q.serialHex || q.workOrder
        ? l.search(q).slice(0, count)
        : l.list(optInt(ctx, 'from', { min: 0 }) ?? Math.max(0, l.size - count), count);
      return { data: { total: l.size, entries }, human: entries.map(renderSummaryLine) };
    });
  },
};

const reconcile: CliCommand = {
  name: 'reconcile',
  summary: 'close an intent left open by an interruption, with the operator\'s finding',
  usage: '<intent-index> --resolution abandoned|issued --reason <text> --operator <name> [--cert <file>]',
  options: {
    resolution: { type: 'string', valueName: 'abandoned|issued', description: 'nothing from it reached a device (not signed, or signed and never sent), or it did (give --cert)' },
    reason: { type: 'string', valueName: '<text>', description: 'what the operator found' },
    operator: { type: 'string', valueName: '<name>', description: 'operator recording the finding' },
    cert: { type: 'string', valueName: '<file>', description: 'the certificate that was signed (PEM or DER), for issued' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const index = Number(positional(ctx, 0, 'intent index'));
    const resolution = reqString(ctx, 'resolution');
    if (resolution !== 'abandoned' && resolution !== 'issued') {
      throw new CustodianError(CliCodes.USAGE, '--resolution must be abandoned or issued', { option: 'resolution' });
    }
    const certPath = optString(ctx, 'cert');
    const der = certPath ? certificatesFrom(readInputFile(ctx, certPath, 'certificate', 'certificates'))[0] : undefined;
    return withLedger(ctx, {}, async (ledger) => {
      await new LedgerRecorder(ledger).reconcile(index, {
        resolution, reason: reqString(ctx, 'reason'), operator: reqString(ctx, 'operator'), ...(der ? { certificateDer: der } : {}),
      });
      return { data: { intent: index, resolution, entry: ledger.size - 1 }, human: `intent ${index} reconciled as ${resolution}` };
    });
  },
};

const addCosigned: CliCommand = {
  name: 'add-cosigned',
  summary: 'store a checkpoint cosigned by an auditor (from `custodian audit cosign`)',
  usage: '<cosigned-checkpoint> [--cosigner <vkey>]',
  options: { cosigner: { type: 'string', multiple: true, valueName: '<vkey>', description: "auditor's cosigner vkey to verify (repeatable)" } },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const note = readInputFile(ctx, positional(ctx, 0, 'cosigned checkpoint file'), 'cosigned checkpoint', 'note').toString('utf8');
    const cosigners = (ctx.values.cosigner as string[] | undefined) ?? [];
    return withLedger(ctx, {}, (l) => {
      const c = l.addCosignedCheckpoint(note, cosigners);
      return { data: { origin: c.origin, size: c.size }, human: `stored cosigned checkpoint of size ${c.size}` };
    });
  },
};

const verify: CliCommand = {
  name: 'verify',
  summary: 'verify every entry: re-hash the whole ledger against every checkpoint (open checks the index and the tail only)',
  async run(ctx) {
    return withLedger(ctx, { readOnly: true }, (l) => {
      const steps = l.verify();
      const show = progressLine(ctx, 'verify:');
      let r = steps.next();
      for (; !r.done; r = steps.next()) show(r.value);
      const v = r.value;
      return {
        data: { origin: l.origin, entries: v.entries, bytes: v.bytes, checkpoints: v.checkpoints, millis: Math.round(v.millis) },
        human: `ledger ${l.origin}: all ${v.entries} entries verified against ${v.checkpoints} checkpoints in ${(v.millis / 1000).toFixed(1)} s`,
      };
    });
  },
};

const vkey: CliCommand = {
  name: 'vkey',
  summary: "print this station's ledger verifier key (C2SP vkey)",
  async run(ctx) {
    const v = readFileSync(join(ledgerDir(ctx), 'ledger.vkey'), 'utf8').trim();
    return { data: { vkey: v }, human: v };
  },
};

export const ledgerCommands: CommandGroup = {
  kind: 'group',
  name: 'ledger',
  summary: 'the signing ledger: status, verify, list, proof, export, reconcile, cosigned checkpoints, seal-key',
  commands: [status, verify, list, proof, exportCmd, reconcile, addCosigned, vkey, sealKey],
};

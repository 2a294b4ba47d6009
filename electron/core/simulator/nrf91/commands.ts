/**
 * AT command semantics of the simulated nRF91 modem, after Nordic's nRF91 AT
 * command reference: the identity queries, `+CFUN`, `+CMEE`, `%KEYGEN` and
 * `%CMNG`, with the reference's CME numbers (cme-errors.ts). Anything else is
 * `ERROR`. Framing, echo, URCs and link faults are the host's (./modem.ts).
 */
import { generateKeyPairSync } from 'node:crypto';
import { SEC_TAG_MAX } from '../../device/nrf91/cmng';
import { parseModemFirmware } from '../../device/nrf91/modem-identity';
import { coseAttestation } from './attestation';
import { buildCsr, parseAttributes } from './csr';
import type { Nrf91FaultPlan, Nrf91Step } from './faults';
import { otherImei } from './imei';
import { sha256Upper, type ModemStore } from './store';

export type Final = { kind: 'ok' } | { kind: 'error' } | { kind: 'cme'; code: number };
export interface Reply {
  lines: string[];
  final: Final;
}

/** CFUN modes in which credential writes and key generation are refused (518). */
const ACTIVE_MODES = new Set([1, 2, 21]);
const CFUN_MODES = new Set([0, 1, 2, 4, 20, 21, 30, 31, 40, 41, 44]);
/** Credential types %CMNG knows (0 root CA … 6 device identity public key). */
const CMNG_TYPES = new Set([0, 1, 2, 3, 4, 5, 6]);
/** Types whose content the modem never gives back (private key, PSK). */
const UNREADABLE = new Set([2, 3]);

export const OK: Reply = { lines: [], final: { kind: 'ok' } };
export const ERROR: Reply = { lines: [], final: { kind: 'error' } };
export const cme = (code: number): Reply => ({ lines: [], final: { kind: 'cme', code } });
const ok = (...lines: string[]): Reply => ({ lines, final: { kind: 'ok' } });

export interface ModemCommandOptions {
  store: ModemStore;
  faults: Nrf91FaultPlan;
  initialCfun: number;
  nullParamsCsr: boolean;
  /** Writing a (sec_tag, type) that exists: replace it, or refuse with 519. */
  existingItem: 'overwrite' | 'refuse';
  storageBytes: number;
  itemBytes: number;
  keygenDelayMs: number;
  sleep: (ms: number) => Promise<void>;
}

/** The station's name for a command line (the fault steps), or null for anything else. */
export function stepOf(command: string): Nrf91Step | null {
  const c = command.trim().toUpperCase();
  if (c === 'AT') return 'sync';
  const m = /^AT([+%#][A-Z0-9]+)(.?)(.?)/.exec(c);
  if (!m) return null;
  switch (m[1]) {
    case '+CMEE':
      return 'cmee';
    case '+CGSN':
      return 'cgsn';
    case '+CGMR':
      return 'cgmr';
    case '+CGMM':
      return 'cgmm';
    case '%DEVICEUUID':
      return 'uuid';
    case '+CFUN':
      return m[2] === '?' ? 'cfun-read' : 'cfun-set';
    case '%KEYGEN':
      return 'keygen';
    case '%CMNG':
      return m[2] !== '=' ? null : (({ '0': 'cmng-write', '1': 'cmng-list', '2': 'cmng-read', '3': 'cmng-delete' } as const)[m[3] as '0'] ?? null);
    default:
      return null;
  }
}

/** Parameters after `=`, split on commas outside quotes; quoted ones lose their quotes. */
function params(text: string): Array<{ value: string; quoted: boolean }> | null {
  const out: Array<{ value: string; quoted: boolean }> = [];
  let cur = '';
  let quoted = false;
  let inQuote = false;
  for (const ch of text) {
    if (ch === '"') {
      if (!inQuote && (quoted || cur.trim() !== '')) return null;
      if (!inQuote) cur = '';
      inQuote = !inQuote;
      quoted = true;
    } else if (ch === ',' && !inQuote) {
      out.push({ value: quoted ? cur : cur.trim(), quoted });
      cur = '';
      quoted = false;
    } else if (!(quoted && !inQuote)) {
      cur += ch;
    } else if (ch.trim() !== '') {
      return null; // text after a closing quote
    }
  }
  if (inQuote) return null;
  out.push({ value: quoted ? cur : cur.trim(), quoted });
  return out;
}

const int = (p: { value: string; quoted: boolean } | undefined): number | null =>
  p && !p.quoted && /^[0-9]{1,10}$/.test(p.value) ? Number(p.value) : null;

/** Splits `AT+X;%Y` into sub-commands on `;` outside quotes. */
export function subCommands(line: string): string[] {
  const body = line.slice(2);
  const parts: string[] = [];
  let cur = '';
  let inQuote = false;
  for (const ch of body) {
    if (ch === '"') inQuote = !inQuote;
    if (ch === ';' && !inQuote) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

export class ModemCommands {
  cfun: number;
  cmee = 0;
  /** `AT+CGSN` answers given (the imei-change fault counts them). */
  identifies = 0;

  constructor(private readonly o: ModemCommandOptions) {
    this.cfun = o.initialCfun;
  }

  /** Volatile state back to power-on values. */
  reset(): void {
    this.cfun = this.o.initialCfun;
    this.cmee = 0;
  }

  private get firmwareMajor(): number {
    try {
      return parseModemFirmware([this.o.store.identity.firmware]).version[0];
    } catch {
      return 1;
    }
  }

  private get firmwareHasKeygen(): boolean {
    try {
      const v = parseModemFirmware([this.o.store.identity.firmware]).version;
      return v[0] > 1 || (v[0] === 1 && v[1] >= 3);
    } catch {
      return true;
    }
  }

  /** One command line (starting with AT); sub-commands run in order until one fails. */
  async execute(line: string): Promise<Reply> {
    if (!/^AT/i.test(line)) return ERROR;
    if (line.trim().length === 2) return OK; // bare AT
    const lines: string[] = [];
    for (const sub of subCommands(line)) {
      const r = await this.one(sub);
      lines.push(...r.lines);
      if (r.final.kind !== 'ok') return { lines, final: r.final };
    }
    return { lines, final: { kind: 'ok' } };
  }

  private async one(sub: string): Promise<Reply> {
    const m = /^([+%#][A-Za-z0-9]+)(\?|=\?|=(.*))?$/s.exec(sub.trim());
    if (!m) return ERROR;
    const name = m[1]!.toUpperCase();
    const query = m[2] === '?';
    const test = m[2] === '=?';
    const args = m[3] !== undefined ? params(m[3]) : [];
    if (args === null) return ERROR;
    const set = m[3] !== undefined;
    const id = this.o.store.identity;
    switch (name) {
      case '+CMEE':
        if (query) return ok(`+CMEE: ${this.cmee}`);
        if (test) return ok('+CMEE: (0,1)');
        if (!set) return ERROR;
        if (int(args[0]) === 0 || int(args[0]) === 1) {
          this.cmee = int(args[0])!;
          return OK;
        }
        return ERROR;
      case '+CGSN': {
        if (query || test) return test ? ok('+CGSN: (0-3)') : ERROR;
        const snt = set ? int(args[0]) : 0;
        if (snt === null || snt > 3) return ERROR;
        const imei = this.imei();
        if (snt === 0) return ok(imei);
        if (snt === 1) return ok(`+CGSN: "${imei}"`);
        if (snt === 2) return ok(`+CGSN: "${imei.slice(0, 14)}01"`);
        return ok('+CGSN: "01"');
      }
      case '+CGMR':
        return set || query ? ERROR : ok(id.firmware);
      case '+CGMM':
        return set || query ? ERROR : ok(id.model);
      case '+CGMI':
        return set || query ? ERROR : ok('Nordic Semiconductor ASA');
      case '%DEVICEUUID':
        // The command came with modem firmware 2.0 (nRF91x1).
        if (this.firmwareMajor < 2 || set || query) return ERROR;
        return ok(`%DEVICEUUID: ${id.uuid.toUpperCase()}`);
      case '+CFUN': {
        if (query) return ok(`+CFUN: ${this.cfun}`);
        if (test) return ok('+CFUN: (0,1,4,20,21,30,31,40,41,44)');
        const mode = int(args[0]);
        if (!set || mode === null || !CFUN_MODES.has(mode)) return ERROR;
        this.cfun = mode;
        return OK;
      }
      case '%KEYGEN':
        if (!this.firmwareHasKeygen || !set) return ERROR;
        return this.keygen(args);
      case '%CMNG':
        if (!set) return ERROR;
        return this.cmng(args);
      default:
        return ERROR;
    }
  }

  private imei(): string {
    const real = this.o.store.identity.imei;
    const f = this.o.faults.take('imei-change', 'cgsn', (x) => this.identifies >= x.afterIdentifies);
    this.identifies++;
    return f ? (f.imei ?? otherImei(real)) : real;
  }

  private get active(): boolean {
    return ACTIVE_MODES.has(this.cfun);
  }

  private fits(secTag: number, type: number, bytes: number): boolean {
    const old = this.o.store.get(secTag, type);
    const used = this.o.store.usedBytes() - (old ? Buffer.byteLength(old.content, 'utf8') : 0);
    return bytes <= this.o.itemBytes && used + bytes <= this.o.storageBytes;
  }

  private async keygen(args: Array<{ value: string; quoted: boolean }>): Promise<Reply> {
    const secTag = int(args[0]);
    const keyType = int(args[1]);
    const format = int(args[2]);
    if (secTag === null || keyType === null || format === null || args.length > 5) return ERROR;
    if (args[3] && !args[3].quoted) return ERROR;
    if (secTag > SEC_TAG_MAX) return cme(514);
    if (keyType !== 2 || (format !== 0 && format !== 1)) return cme(50);
    if (this.active) return cme(518);
    let attrs = parseAttributes(args[3]?.value ?? '');
    if (attrs === null) return cme(50);
    const id = this.o.store.identity;
    if (!attrs.some(([k]) => k === 'CN')) attrs.push(['CN', id.uuid]);
    const wrong = this.o.faults.take('wrong-cn', 'keygen');
    if (wrong) attrs = attrs.map(([k, v]) => [k, k === 'CN' ? (wrong.cn ?? `${v}-wrong`) : v]);
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const pkcs8 = key.export({ format: 'pem', type: 'pkcs8' }) as string;
    if (!this.fits(secTag, 2, Buffer.byteLength(pkcs8))) return cme(515);
    if (this.o.keygenDelayMs > 0) await this.o.sleep(this.o.keygenDelayMs);
    const body =
      format === 0
        ? buildCsr(key, attrs, { nullParams: this.o.nullParamsCsr, badSignature: this.o.faults.take('bad-csr-signature', 'keygen') !== null })
        : new Uint8Array(key.export({ format: 'der', type: 'spki' }));
    const cose = coseAttestation(this.o.store.identityPrivateKey, {
      payloadId: format === 0 ? 9 : 8,
      uuid: new Uint8Array(Buffer.from(id.uuid.replaceAll('-', ''), 'hex')),
      secTag,
      body,
      badSignature: this.o.faults.take('bad-attestation-signature', 'keygen') !== null,
    });
    await this.o.store.put(secTag, 2, pkcs8);
    return ok(`%KEYGEN: "${Buffer.from(body).toString('base64url')}.${Buffer.from(cose).toString('base64url')}"`);
  }

  private async cmng(args: Array<{ value: string; quoted: boolean }>): Promise<Reply> {
    const op = int(args[0]);
    const secTag = args[1] !== undefined ? int(args[1]) : undefined;
    const type = args[2] !== undefined ? int(args[2]) : undefined;
    if (op === null || secTag === null || type === null) return ERROR;
    if (type !== undefined && !CMNG_TYPES.has(type)) return cme(50);
    const store = this.o.store;
    switch (op) {
      case 0: {
        const content = args[3];
        if (secTag === undefined || type === undefined || args.length > 5 || (content && !content.quoted)) return ERROR;
        if (secTag > SEC_TAG_MAX) return cme(514);
        if (this.active) return cme(518);
        if (!content || content.value === '') return cme(527);
        if ((type === 0 || type === 1) && !content.value.includes('-----BEGIN CERTIFICATE-----')) return cme(527);
        if (store.get(secTag, type) && this.o.existingItem === 'refuse') return cme(519);
        if (!this.fits(secTag, type, Buffer.byteLength(content.value, 'utf8'))) return cme(515);
        await store.put(secTag, type, content.value);
        return OK;
      }
      case 1: {
        if (args.length > 3) return ERROR;
        const items = store.list().filter((c) => (secTag === undefined || c.secTag === secTag) && (type === undefined || c.type === type));
        return ok(...items.map((c) => `%CMNG: ${c.secTag},${c.type},"${sha256Upper(c.content)}"`));
      }
      case 2: {
        if (secTag === undefined || type === undefined || args.length > 3) return ERROR;
        if (UNREADABLE.has(type) || secTag > SEC_TAG_MAX) return cme(514);
        const c = store.get(secTag, type);
        if (!c) return cme(513);
        return ok(`%CMNG: ${secTag},${type},"${sha256Upper(c.content)}","${c.content}"`);
      }
      case 3: {
        if (secTag === undefined || type === undefined || args.length > 3) return ERROR;
        if (secTag > SEC_TAG_MAX) return cme(514);
        if (this.active) return cme(518);
        return (await store.delete(secTag, type)) ? OK : cme(513);
      }
      default:
        return ERROR;
    }
  }
}

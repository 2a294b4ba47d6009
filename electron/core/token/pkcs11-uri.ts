/**
 * RFC 7512 `pkcs11:` URIs, as far as a CA key needs them:
 *
 *   pkcs11:token=Custodian;serial=1a2b3c;object=factory-y;id=%0a%1b?module-path=/usr/lib/softhsm/libsofthsm2.so
 *
 * The token is found by label and/or serial, never by slot (tokens are
 * renumbered as they come and go); the key by object label and/or id. A PIN
 * is never taken from the URI (`pin-value` is refused): the URI is stored and
 * shown, a PIN must not be.
 */
import { CustodianError } from '../errors';
import { TokenCodes } from './codes';

export interface Pkcs11Uri {
  /** Absolute path of the PKCS#11 module (query attribute `module-path`). */
  modulePath: string;
  tokenLabel?: string;
  tokenSerial?: string;
  /** CKA_LABEL of the key. */
  objectLabel?: string;
  /** CKA_ID of the key. */
  objectId?: Uint8Array;
}

const PATH_ATTRS = new Set(['token', 'serial', 'object', 'id', 'type', 'manufacturer', 'model', 'library-manufacturer', 'library-description', 'library-version', 'slot-description', 'slot-manufacturer', 'slot-id']);
const QUERY_ATTRS = new Set(['module-path', 'module-name', 'pin-source', 'pin-value']);
/** Label-like attributes are at most 32 bytes in PKCS#11 token info; object labels are free length but kept sane. */
const MAX_VALUE_BYTES = 256;

function invalid(message: string, details: Record<string, unknown> = {}): CustodianError {
  return new CustodianError(TokenCodes.URI_INVALID, `invalid pkcs11: URI: ${message}`, details);
}

function decode(raw: string, attr: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '%') {
      const hex = raw.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw invalid(`bad percent-encoding in "${attr}"`, { attribute: attr });
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(...Buffer.from(ch, 'utf8'));
    }
  }
  if (out.length > MAX_VALUE_BYTES) throw invalid(`"${attr}" is longer than ${MAX_VALUE_BYTES} bytes`, { attribute: attr });
  return Uint8Array.from(out);
}

function text(raw: string, attr: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(decode(raw, attr));
  } catch (e) {
    if (e instanceof CustodianError) throw e;
    throw invalid(`"${attr}" is not UTF-8 text`, { attribute: attr });
  }
}

function attributes(part: string, sep: string, known: Set<string>, where: string): Map<string, string> {
  const m = new Map<string, string>();
  if (part === '') return m;
  for (const item of part.split(sep)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw invalid(`"${item}" is not name=value`, { item });
    const name = item.slice(0, eq).toLowerCase();
    if (!known.has(name) && !name.startsWith('x-')) throw invalid(`unknown ${where} attribute "${name}"`, { attribute: name });
    if (m.has(name)) throw invalid(`"${name}" is given twice`, { attribute: name });
    m.set(name, item.slice(eq + 1));
  }
  return m;
}

export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (typeof uri !== 'string' || !/^pkcs11:/i.test(uri)) throw invalid('it must start with "pkcs11:"');
  if (uri.length > 4096) throw invalid('it is longer than 4096 characters');
  if (/[\s"<>\\^`{|}]/.test(uri)) throw invalid('it contains spaces or characters that must be percent-encoded');
  const body = uri.slice('pkcs11:'.length);
  const q = body.indexOf('?');
  const path = attributes(q < 0 ? body : body.slice(0, q), ';', PATH_ATTRS, 'path');
  const query = attributes(q < 0 ? '' : body.slice(q + 1), '&', QUERY_ATTRS, 'query');
  if (query.has('pin-value')) throw invalid('a PIN is never taken from the URI: use the PIN prompt, --pin-file or CUSTODIAN_PIN', { attribute: 'pin-value' });
  if (query.has('pin-source')) throw invalid('pin-source is not supported: use the PIN prompt, --pin-file or CUSTODIAN_PIN', { attribute: 'pin-source' });
  if (query.has('module-name')) throw invalid('module-name is not supported: give the module\'s absolute path as module-path', { attribute: 'module-name' });
  if (path.has('slot-id')) throw invalid('slot-id is not accepted (tokens are renumbered): name the token by "token" (label) or "serial"', { attribute: 'slot-id' });
  const type = path.get('type');
  if (type !== undefined && text(type, 'type') !== 'private') throw invalid('"type" must be "private" (the URI names a CA private key)', { type });
  const modulePath = query.has('module-path') ? text(query.get('module-path')!, 'module-path') : '';
  if (!modulePath.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(modulePath)) {
    throw invalid('the module-path query attribute must give the PKCS#11 module\'s absolute path, e.g. ?module-path=/usr/lib/softhsm/libsofthsm2.so');
  }
  const out: Pkcs11Uri = { modulePath };
  if (path.has('token')) out.tokenLabel = text(path.get('token')!, 'token');
  if (path.has('serial')) out.tokenSerial = text(path.get('serial')!, 'serial');
  if (path.has('object')) out.objectLabel = text(path.get('object')!, 'object');
  if (path.has('id')) out.objectId = decode(path.get('id')!, 'id');
  if (!out.tokenLabel && !out.tokenSerial) throw invalid('name the token by "token" (its label) or "serial"');
  if (out.objectId?.length === 0) throw invalid('"id" is empty');
  return out;
}

/** The key must be named (object and/or id) for the URI to address one key. */
export function requireKeyName(uri: Pkcs11Uri): void {
  if (!uri.objectLabel && !uri.objectId) throw invalid('name the key by "object" (its label) or "id"');
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;
function encode(bytes: Uint8Array, keep: RegExp = UNRESERVED): string {
  let s = '';
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    s += b < 0x80 && keep.test(ch) ? ch : `%${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}
const enc = (t: string, keep?: RegExp): string => encode(Buffer.from(t, 'utf8'), keep);

/** The canonical form: token, serial, object, id, type=private; module-path in the query. */
export function formatPkcs11Uri(u: Pkcs11Uri): string {
  const path: string[] = [];
  if (u.tokenLabel !== undefined) path.push(`token=${enc(u.tokenLabel)}`);
  if (u.tokenSerial !== undefined) path.push(`serial=${enc(u.tokenSerial)}`);
  if (u.objectLabel !== undefined) path.push(`object=${enc(u.objectLabel)}`);
  if (u.objectId !== undefined) path.push(`id=${encode(u.objectId, /(?!)/)}`);
  path.push('type=private');
  return `pkcs11:${path.join(';')}?module-path=${enc(u.modulePath, /[A-Za-z0-9\-._~/]/)}`;
}

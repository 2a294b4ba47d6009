/**
 * The simulated modem's non-volatile memory: one state.json in the state
 * directory holding its IMEI, modem firmware name, device UUID, identity key
 * (PKCS#8, the key that signs KEYGEN attestations) and the credential store
 * by (sec_tag, type), private keys made by KEYGEN included. Writes are atomic
 * (temp file + rename), so a run killed mid-write leaves the previous state.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomImei } from './imei';

export interface ModemIdentity {
  imei: string;
  /** `mfw_nrf9160_1.3.5`, `mfw_nrf91x1_2.0.2` … */
  firmware: string;
  /** AT+CGMM answer. */
  model: string;
  /** 8-4-4-4-12, lower case. */
  uuid: string;
}

export interface StoredCredential {
  secTag: number;
  type: number;
  /** Exactly as written (PEM text with its line ends); a KEYGEN key as PKCS#8 PEM. */
  content: string;
}

interface StateFile extends ModemIdentity {
  identityKeyPkcs8: string;
  credentials: StoredCredential[];
}

const keyOf = (secTag: number, type: number): string => `${secTag},${type}`;

/** The model a firmware family reports when none is configured. */
export function defaultModel(firmware: string): string {
  return /^mfw_nrf91x1_/.test(firmware) ? 'nRF9151-LACA' : 'nRF9160-SICA';
}

export class ModemStore {
  private readonly items = new Map<string, StoredCredential>();
  private readonly identityKey: KeyObject;

  private constructor(
    readonly dir: string,
    private readonly s: StateFile,
  ) {
    this.identityKey = createPrivateKey(s.identityKeyPkcs8);
    for (const c of s.credentials) this.items.set(keyOf(c.secTag, c.type), c);
  }

  /** Opens (or creates) the state directory; `initial` applies to a new one only. */
  static async open(dir: string, initial: Partial<ModemIdentity> = {}): Promise<ModemStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const json = await readFile(join(dir, 'state.json'), 'utf8').catch(() => null);
    if (json) return new ModemStore(dir, JSON.parse(json) as StateFile);
    const firmware = initial.firmware ?? 'mfw_nrf9160_1.3.5';
    const s: StateFile = {
      imei: initial.imei ?? randomImei(),
      firmware,
      model: initial.model ?? defaultModel(firmware),
      uuid: (initial.uuid ?? randomUUID()).toLowerCase(),
      identityKeyPkcs8: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      credentials: [],
    };
    const store = new ModemStore(dir, s);
    await store.save();
    return store;
  }

  get identity(): ModemIdentity {
    const { imei, firmware, model, uuid } = this.s;
    return { imei, firmware, model, uuid };
  }

  get identityPrivateKey(): KeyObject {
    return this.identityKey;
  }

  identityPublicKeySpki(): Uint8Array {
    return new Uint8Array(createPublicKey(this.identityKey).export({ format: 'der', type: 'spki' }));
  }

  get(secTag: number, type: number): StoredCredential | undefined {
    return this.items.get(keyOf(secTag, type));
  }

  /** Sorted by sec_tag, then type, as the modem lists them. */
  list(): StoredCredential[] {
    return [...this.items.values()].sort((a, b) => a.secTag - b.secTag || a.type - b.type);
  }

  /** Bytes the store holds (content as UTF-8). */
  usedBytes(): number {
    let n = 0;
    for (const c of this.items.values()) n += Buffer.byteLength(c.content, 'utf8');
    return n;
  }

  async put(secTag: number, type: number, content: string): Promise<void> {
    this.items.set(keyOf(secTag, type), { secTag, type, content });
    await this.save();
  }

  async delete(secTag: number, type: number): Promise<boolean> {
    const had = this.items.delete(keyOf(secTag, type));
    if (had) await this.save();
    return had;
  }

  private async save(): Promise<void> {
    this.s.credentials = this.list();
    const tmp = join(this.dir, `.state.json.${process.pid}.tmp`);
    await writeFile(tmp, JSON.stringify(this.s, null, 2), { mode: 0o600 });
    await rename(tmp, join(this.dir, 'state.json'));
  }
}

/** Upper-case hex SHA-256 of the exact bytes, as `%CMNG=1` lists it. */
export const sha256Upper = (content: string): string => createHash('sha256').update(content, 'utf8').digest('hex').toUpperCase();

/**
 * The simulated device's non-volatile memory: a state directory holding its
 * identity, private key (key.pem, never sent over the wire), installed leaf,
 * chain and trust anchors (leaf.der, chain.der, anchors.der: the DER as
 * written), and lock flag (state.json). Writes are atomic (temp file + rename).
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, sign, webcrypto, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DeviceKeyAlgorithm } from '../device/client';
import { x509 } from '../pki/crypto';

export type SimKeyAlgorithm = DeviceKeyAlgorithm | 'RSA-1024' | 'secp256k1';

/** What the credential store holds besides the key: the leaf, the chain, and the hub's TLS server roots (revision 1.1). */
export type StoreObject = 'leaf' | 'chain' | 'anchors';

export interface SimIdentity {
  deviceId: string;
  hardwareSerial: string;
  model: string;
  firmware: string;
}

interface StateFile extends SimIdentity {
  algorithm: SimKeyAlgorithm | null;
  locked: boolean;
}

const pexecFile = promisify(execFile);

export class DeviceStore {
  private constructor(
    readonly dir: string,
    private s: StateFile,
    private key: KeyObject | null,
    private leaf: Uint8Array,
    private chain: Uint8Array,
    private anchors: Uint8Array,
  ) {}

  static async open(dir: string, initial: Partial<SimIdentity> = {}): Promise<DeviceStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const read = async (name: string): Promise<Buffer | null> => readFile(join(dir, name)).catch(() => null);
    const json = await read('state.json');
    let s: StateFile;
    if (json) {
      s = JSON.parse(json.toString('utf8')) as StateFile;
    } else {
      const hw = initial.hardwareSerial ?? `HW${randomBytes(6).toString('hex').toUpperCase()}`;
      s = {
        deviceId: initial.deviceId ?? `sim-${hw.slice(2, 10).toLowerCase()}`,
        hardwareSerial: hw,
        model: initial.model ?? 'custodian-sim-1',
        firmware: initial.firmware ?? '1.0.0-sim',
        algorithm: null,
        locked: false,
      };
    }
    const pem = await read('key.pem');
    const store = new DeviceStore(dir, s, pem ? createPrivateKey(pem) : null, (await read('leaf.der')) ?? new Uint8Array(0), (await read('chain.der')) ?? new Uint8Array(0),
      (await read('anchors.der')) ?? new Uint8Array(0));
    if (!json) await store.saveState();
    return store;
  }

  private async atomic(name: string, data: Uint8Array | string, mode = 0o600): Promise<void> {
    const tmp = join(this.dir, `.${name}.${process.pid}.tmp`);
    await writeFile(tmp, data, { mode });
    await rename(tmp, join(this.dir, name));
  }
  private saveState(): Promise<void> {
    return this.atomic('state.json', JSON.stringify(this.s, null, 2));
  }

  get identity(): SimIdentity {
    const { deviceId, hardwareSerial, model, firmware } = this.s;
    return { deviceId, hardwareSerial, model, firmware };
  }
  get algorithm(): SimKeyAlgorithm | null {
    return this.key ? this.s.algorithm : null;
  }
  get locked(): boolean {
    return this.s.locked;
  }
  get leafDer(): Uint8Array {
    return this.leaf;
  }
  get chainDer(): Uint8Array {
    return this.chain;
  }
  /** The trust anchors as written: concatenated DER, empty when none. */
  get anchorsDer(): Uint8Array {
    return this.anchors;
  }
  object(which: StoreObject): Uint8Array {
    return which === 'leaf' ? this.leaf : which === 'chain' ? this.chain : this.anchors;
  }
  get hasKey(): boolean {
    return this.key !== null;
  }

  async generateKey(alg: SimKeyAlgorithm): Promise<void> {
    const gen = promisify(generateKeyPair);
    let pair: { privateKey: KeyObject };
    if (alg === 'P-256' || alg === 'P-384' || alg === 'secp256k1') {
      pair = await gen('ec', { namedCurve: alg === 'P-256' ? 'prime256v1' : alg === 'P-384' ? 'secp384r1' : 'secp256k1' });
    } else {
      pair = await gen('rsa', { modulusLength: Number(alg.slice(4)), publicExponent: 0x10001 });
    }
    this.key = pair.privateKey;
    this.s.algorithm = alg;
    // A new key invalidates the installed leaf.
    this.leaf = new Uint8Array(0);
    await rm(join(this.dir, 'leaf.der'), { force: true });
    await this.atomic('key.pem', this.key.export({ format: 'pem', type: 'pkcs8' }) as string);
    await this.saveState();
  }

  spki(): Uint8Array {
    if (!this.key) throw new Error('no key');
    return new Uint8Array(createPublicKey(this.key).export({ format: 'der', type: 'spki' }));
  }

  privateKeyPem(): string {
    if (!this.key) throw new Error('no key');
    return this.key.export({ format: 'pem', type: 'pkcs8' }) as string;
  }

  /** PoP signature as specified: ECDSA P1363 (SHA-256 / SHA-384 for P-384), RSASSA-PKCS1-v1_5 SHA-256. */
  signChallenge(data: Uint8Array): Uint8Array {
    if (!this.key) throw new Error('no key');
    if (this.key.asymmetricKeyType === 'ec') {
      const hash = this.s.algorithm === 'P-384' ? 'sha384' : 'sha256';
      return new Uint8Array(sign(hash, data, { key: this.key, dsaEncoding: 'ieee-p1363' }));
    }
    return new Uint8Array(sign('sha256', data, this.key));
  }

  /** PKCS#10 CSR for `cn`, signed with the device key (SHA-256; SHA-384 for P-384). */
  async csr(cn: string): Promise<Uint8Array> {
    if (!this.key) throw new Error('no key');
    const alg = this.s.algorithm;
    if (alg === 'secp256k1') return this.opensslCsr(cn);
    const { subtle } = webcrypto;
    const signing =
      this.key.asymmetricKeyType === 'ec'
        ? { name: 'ECDSA', namedCurve: alg === 'P-384' ? 'P-384' : 'P-256', hash: alg === 'P-384' ? 'SHA-384' : 'SHA-256' }
        : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const pkcs8 = this.key.export({ format: 'der', type: 'pkcs8' });
    const privateKey = await subtle.importKey('pkcs8', pkcs8, signing, false, ['sign']);
    const publicKey = await subtle.importKey('spki', this.spki(), signing, true, ['verify']);
    const req = await x509.Pkcs10CertificateRequestGenerator.create({
      name: [{ CN: [cn] }],
      keys: { privateKey, publicKey } as webcrypto.CryptoKeyPair as never,
      signingAlgorithm: signing,
    });
    return new Uint8Array(req.rawData);
  }

  private async opensslCsr(cn: string): Promise<Uint8Array> {
    const keyFile = join(this.dir, 'key.pem');
    const { stdout } = await pexecFile('openssl', ['req', '-new', '-key', keyFile, '-subj', `/CN=${cn}`, '-outform', 'DER', '-sha256'], {
      encoding: 'buffer',
    });
    return new Uint8Array(stdout);
  }

  async writeCerts(target: StoreObject, der: Uint8Array): Promise<void> {
    await this.atomic(`${target}.der`, der);
    if (target === 'leaf') this.leaf = der;
    else if (target === 'chain') this.chain = der;
    else this.anchors = der;
  }

  async setLocked(locked: boolean): Promise<void> {
    this.s.locked = locked;
    await this.saveState();
  }
}

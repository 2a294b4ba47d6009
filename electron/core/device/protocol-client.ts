/**
 * DeviceClient over any Transport, speaking docs/device-protocol.md v1.
 * Create it with `ProtocolDeviceClient.start(transport, opts)` (does HELLO) or via
 * openSerialDevice / connectInProcess in ./connect.ts.
 */
import { createHash } from 'node:crypto';
import { CustodianError } from '../errors';
import { x509 } from '../pki/crypto';
import type { DeviceClient, DeviceIdentity, DeviceKeyAlgorithm, InstalledCredentials } from './client';
import { FRAME_OVERHEAD, MAX_FRAME_PAYLOAD } from './frame';
import { checkDeviceKey } from './keys';
import {
  ALGORITHM_IDS,
  ByteReader,
  ByteWriter,
  bytesEqual,
  capabilitiesFromMask,
  Command,
  concatBytes,
  DEFAULT_TIMEOUTS_MS,
  MAX_CHALLENGE,
  MAX_OBJECT_SIZE,
  MIN_CHALLENGE,
  POP_LABEL,
  PROTOCOL_VERSION,
  protocolError,
  splitDer,
  storeStateFromByte,
  WriteTarget,
  type CommandName,
} from './protocol';
import type { Transport } from './transport';
import { RequestQueue, type RequestQueueStats } from './waitress';
import { wireTimeMs } from './wire';

export interface DeviceClientOptions {
  /** Line rate used to add wire time to each timeout and to compute the wire floor. Default 115200. */
  baud?: number;
  /** Override named timeouts (ms, excluding wire time). */
  timeouts?: Partial<Record<CommandName, number>>;
  interByteTimeoutMs?: number;
  /** Verify CSR self-signature and CN in getCsr(). Default true. */
  verifyCsr?: boolean;
}

export interface HelloInfo {
  protocolVersion: number;
  maxPayload: number;
  /** Random per device boot; a change within a session means the device reset. */
  bootId: number;
}

export interface DeviceSessionStats extends RequestQueueStats {
  baud: number;
  /** Wire floor for all bytes moved so far: (sent + received) × 10 / baud. */
  wireTimeMs: number;
}

export class ProtocolDeviceClient implements DeviceClient {
  private readonly queue: RequestQueue;
  private readonly baud: number;
  private readonly timeouts: Record<CommandName, number>;
  private readonly verifyCsr: boolean;
  private helloInfo: HelloInfo | null = null;
  private firstIdentity: DeviceIdentity | null = null;
  private generated: DeviceKeyAlgorithm | null = null;

  private constructor(
    readonly transport: Transport,
    opts: DeviceClientOptions,
  ) {
    this.baud = opts.baud ?? 115200;
    if (!(this.baud > 0)) throw new RangeError(`baud must be > 0, got ${this.baud}`);
    this.timeouts = { ...DEFAULT_TIMEOUTS_MS, ...opts.timeouts };
    this.verifyCsr = opts.verifyCsr ?? true;
    this.queue = new RequestQueue(transport, opts.interByteTimeoutMs !== undefined ? { interByteTimeoutMs: opts.interByteTimeoutMs } : {});
  }

  /** Attach to a transport and perform HELLO. Closes the transport if HELLO fails. */
  static async start(transport: Transport, opts: DeviceClientOptions = {}): Promise<ProtocolDeviceClient> {
    const c = new ProtocolDeviceClient(transport, opts);
    try {
      await c.hello();
    } catch (e) {
      await c.close().catch(() => undefined);
      throw e;
    }
    return c;
  }

  get session(): { hello: HelloInfo | null; identity: DeviceIdentity | null } {
    return { hello: this.helloInfo, identity: this.firstIdentity };
  }

  stats(): DeviceSessionStats {
    const s = { ...this.queue.stats };
    return { ...s, baud: this.baud, wireTimeMs: wireTimeMs(s.bytesSent + s.bytesReceived, this.baud) };
  }

  private call(name: CommandName, payload: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
    const wire = wireTimeMs(payload.length + 2 * FRAME_OVERHEAD + MAX_FRAME_PAYLOAD, this.baud);
    return this.queue.request(Command[name], payload, { name, timeoutMs: Math.ceil(this.timeouts[name] + wire) });
  }

  private decode<T>(name: CommandName, payload: Uint8Array, fn: (r: ByteReader) => T): T {
    try {
      return fn(new ByteReader(payload));
    } catch (e) {
      if (e instanceof CustodianError) throw new CustodianError(e.code, `${name}: ${e.message}`, { command: name, ...e.details });
      throw protocolError(`${name}: ${String(e)}`, { command: name });
    }
  }

  async hello(): Promise<HelloInfo> {
    const req = new ByteWriter().u8(PROTOCOL_VERSION).u8(PROTOCOL_VERSION).u16(MAX_FRAME_PAYLOAD).build();
    const info = this.decode('HELLO', await this.call('HELLO', req), (r) => ({
      protocolVersion: r.u8(),
      maxPayload: r.u16(),
      bootId: r.u32(),
    }));
    if (info.protocolVersion !== PROTOCOL_VERSION) {
      throw new CustodianError('DEVICE_PROTOCOL_VERSION', `device chose protocol ${info.protocolVersion}, station speaks ${PROTOCOL_VERSION}`, {
        deviceVersion: info.protocolVersion,
      });
    }
    if (info.maxPayload < 64 || info.maxPayload > MAX_FRAME_PAYLOAD) throw protocolError(`device max payload ${info.maxPayload} out of range 64..1024`);
    if (this.helloInfo && this.helloInfo.bootId !== info.bootId) {
      throw new CustodianError('DEVICE_RESET', 'device rebooted during the session', { before: this.helloInfo.bootId, after: info.bootId });
    }
    this.helloInfo = info;
    this.queue.maxOutgoingPayload = info.maxPayload;
    return info;
  }

  private get maxPayload(): number {
    return this.helloInfo?.maxPayload ?? 64;
  }

  async identify(): Promise<DeviceIdentity> {
    const id = this.decode('IDENTIFY', await this.call('IDENTIFY'), (r) => {
      const deviceId = r.str8();
      const hardwareSerial = r.str8();
      const model = r.str8();
      const firmware = r.str8();
      const protocolVersion = r.u8();
      const capabilities = capabilitiesFromMask(r.u16());
      const maxPayload = r.u16();
      const identity: DeviceIdentity = { deviceId: deviceId || hardwareSerial, hardwareSerial, model, firmware, protocolVersion, capabilities, maxPayload };
      if (r.remaining > 0) identity.store = storeStateFromByte(r.u8()); // optional trailing field (§4.2)
      return identity;
    });
    const first = this.firstIdentity;
    if (first && (first.deviceId !== id.deviceId || first.hardwareSerial !== id.hardwareSerial)) {
      throw new CustodianError('DEVICE_IDENTITY_CHANGED', `device identity changed from ${first.deviceId} to ${id.deviceId}`, {
        before: first.deviceId,
        after: id.deviceId,
        hardwareSerialBefore: first.hardwareSerial,
        hardwareSerialAfter: id.hardwareSerial,
      });
    }
    this.firstIdentity ??= id;
    return id;
  }

  async generateKey(algorithm: DeviceKeyAlgorithm): Promise<void> {
    const id = ALGORITHM_IDS[algorithm];
    if (id === undefined) throw new CustodianError('DEVICE_BAD_ARGUMENT', `unknown key algorithm ${String(algorithm)}`);
    this.generated = null;
    await this.call('GENERATE_KEY', new ByteWriter().u8(id).build());
    this.generated = algorithm;
  }

  /** Read a device object in chunks: request [prefix][u32 offset][u16 maxLen], reply [u32 total][u8 flags][data]. */
  private async readObject(name: CommandName, prefix: Uint8Array, suffix: Uint8Array = new Uint8Array(0)): Promise<{ data: Uint8Array; flags: number }> {
    const parts: Uint8Array[] = [];
    let offset = 0;
    let total = -1;
    let flags = 0;
    const maxLen = this.maxPayload - 5;
    do {
      const req = new ByteWriter().bytes(prefix).u32(offset).u16(maxLen).bytes(suffix).build();
      const chunk = this.decode(name, await this.call(name, req), (r) => ({ total: r.u32(), flags: r.u8(), data: r.rest() }));
      if (total === -1) {
        total = chunk.total;
        if (total > MAX_OBJECT_SIZE) throw protocolError(`${name}: object of ${total} bytes exceeds ${MAX_OBJECT_SIZE}`);
      } else if (chunk.total !== total) {
        throw protocolError(`${name}: object size changed during read (${total} → ${chunk.total})`);
      }
      flags = chunk.flags;
      if (chunk.data.length > maxLen || offset + chunk.data.length > total || (chunk.data.length === 0 && offset < total)) {
        throw protocolError(`${name}: bad chunk of ${chunk.data.length} bytes at ${offset}/${total}`);
      }
      parts.push(chunk.data);
      offset += chunk.data.length;
    } while (offset < total);
    return { data: concatBytes(parts), flags };
  }

  async getPublicKey(): Promise<Uint8Array> {
    const { data } = await this.readObject('GET_PUBLIC_KEY', new Uint8Array(0));
    checkDeviceKey(data, this.generated);
    return data;
  }

  async getCsr(commonName: string): Promise<Uint8Array> {
    const cnBytes = new TextEncoder().encode(commonName).length;
    if (cnBytes === 0 || cnBytes > 64) {
      throw new CustodianError('DEVICE_BAD_ARGUMENT', `common name must be 1..64 bytes of UTF-8 (RFC 5280 ub-common-name), got ${cnBytes}`);
    }
    const cn = new ByteWriter().str8(commonName).build();
    const { data } = await this.readObject('GET_CSR', new Uint8Array(0), cn);
    if (!this.verifyCsr) return data;
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(data);
    } catch (e) {
      throw new CustodianError('DEVICE_CSR_INVALID', 'device CSR does not parse as PKCS#10', {}, { cause: e });
    }
    checkDeviceKey(new Uint8Array(csr.publicKey.rawData), this.generated);
    const cns = csr.subjectName.getField('CN');
    if (cns.length !== 1 || cns[0] !== commonName) {
      throw new CustodianError('DEVICE_CSR_CN_MISMATCH', `CSR subject CN is ${JSON.stringify(cns)}, requested ${commonName}`, {
        requested: commonName,
        got: cns,
      });
    }
    let ok = false;
    try {
      ok = await csr.verify();
    } catch {
      ok = false;
    }
    if (!ok) throw new CustodianError('DEVICE_CSR_INVALID', 'device CSR self-signature does not verify', { commonName });
    return data;
  }

  async signChallenge(challenge: Uint8Array): Promise<Uint8Array> {
    if (challenge.length < MIN_CHALLENGE || challenge.length > MAX_CHALLENGE || !bytesEqual(challenge.subarray(0, POP_LABEL.length), POP_LABEL)) {
      throw new CustodianError(
        'DEVICE_BAD_ARGUMENT',
        `challenge must start with "custodian-pop-v1\\0" and be ${MIN_CHALLENGE}..${MAX_CHALLENGE} bytes`,
        { length: challenge.length },
      );
    }
    return this.call('SIGN_CHALLENGE', challenge);
  }

  private async writeObject(target: number, data: Uint8Array): Promise<void> {
    if (data.length === 0 || data.length > MAX_OBJECT_SIZE) {
      throw new CustodianError('DEVICE_BAD_ARGUMENT', `object must be 1..${MAX_OBJECT_SIZE} bytes, got ${data.length}`);
    }
    const sha = createHash('sha256').update(data).digest();
    await this.call('WRITE_BEGIN', new ByteWriter().u8(target).u32(data.length).bytes(sha).build());
    const step = this.maxPayload - 4;
    for (let off = 0; off < data.length; off += step) {
      await this.call('WRITE_CHUNK', new ByteWriter().u32(off).bytes(data.subarray(off, off + step)).build());
    }
    await this.call('WRITE_END');
  }

  async writeLeaf(certificateDer: Uint8Array): Promise<void> {
    await this.writeObject(WriteTarget.LEAF, certificateDer);
  }

  async writeChain(chainDer: Uint8Array[]): Promise<void> {
    await this.writeObject(WriteTarget.CHAIN, concatBytes(chainDer));
  }

  async readCredentials(): Promise<InstalledCredentials> {
    const leaf = await this.readObject('READ_CERTS', Uint8Array.of(WriteTarget.LEAF));
    const chain = await this.readObject('READ_CERTS', Uint8Array.of(WriteTarget.CHAIN));
    return {
      leaf: leaf.data.length ? leaf.data : null,
      chain: splitDer(chain.data),
      locked: (chain.flags & 1) === 1,
    };
  }

  /** Persist and (by default) lock the credential store; afterwards keygen and writes are refused. */
  async commit(opts: { lock?: boolean } = {}): Promise<void> {
    await this.call('COMMIT', Uint8Array.of(opts.lock === false ? 0 : 1));
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

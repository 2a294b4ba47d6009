/**
 * DeviceClient for a Nordic nRF91 modem over its AT host (Serial LTE Modem,
 * at_client, or an nRF Connect SDK shell's `at` command).
 *
 * What it can do: generate a P-256 key under a sec_tag with `AT%KEYGEN` and
 * hand over its CSR with the modem identity's COSE_Sign1 attestation; store
 * the client certificate (leaf + intermediates, type 1) and the hub's root
 * CAs (type 0) with `AT%CMNG`, read both back byte for byte and compare the
 * digests the modem lists. It cannot sign a challenge, report a key it did
 * not just generate, or lock its store: the workflow's policy decides what
 * that means (the final proof is then the CSR of a key made in this run).
 *
 * Credential writes and key generation need the modem offline: the client
 * puts it in `AT+CFUN=4` first and restores the previous mode when done.
 */
import { timingSafeEqual } from 'node:crypto';
import { CustodianError, isCustodianError } from '../../errors';
import type {
  CsrAfterKeygen,
  DeviceClient,
  DeviceIdentity,
  DeviceKeyAlgorithm,
  DevicePart,
  GeneratedKey,
  InstallOptions,
  InstalledCredentials,
  KeyAttestation,
  ReadBackResult,
  StorePlan,
} from '../client';
import { DeviceErrorCodes } from '../codes';
import type { Transport } from '../transport';
import { AtClient, type AtClientOptions } from './at-client';
import { nrf91Error, type Nrf91Command } from './cme-errors';
import {
  assertSecTag,
  certificatesFromPem,
  contentSha256,
  CredentialType,
  deleteCommand,
  listCommand,
  MAX_CREDENTIAL_BYTES,
  parseList,
  parseRead,
  pemText,
  readCommand,
  writeCommand,
  type ListedCredential,
} from './cmng';
import { Nrf91ErrorCodes } from './codes';
import { parseKeygenResponse } from './keygen-response';
import { assertMinimumFirmware, deviceIdFromTemplate, parseImei, parseModemFirmware, parseDeviceUuid, type ModemFirmware } from './modem-identity';

/** Per-command timeouts (ms): key generation and flash writes take far longer than a query. */
export const NRF91_TIMEOUTS_MS = {
  query: 3000,
  cfun: 15_000,
  keygen: 30_000,
  write: 15_000,
  read: 5000,
} as const;

/** The oldest modem firmware the station provisions: AT%KEYGEN with CSR and attestation output came with 1.3.0. */
export const NRF91_MIN_FIRMWARE: readonly [number, number, number] = [1, 3, 0];
/** CFUN modes in which the modem refuses credential writes (the reference: "normal operation mode 1, 2 or 21"). */
const ACTIVE_MODES: ReadonlySet<number> = new Set([1, 2, 21]);
const OFFLINE_MODE = 4;

export interface Nrf91Options {
  /** The sec_tag the station's credentials live under (docs/devices/nrf91.md). */
  secTag: number;
  /** The device ID from the modem's names (`nrf-{imei}`), policy data from the station settings. */
  deviceIdTemplate: string;
  minFirmware?: readonly [number, number, number];
  /** Device identity public keys (SPKI DER) by modem UUID, as the brand owner supplied them. */
  identityKeys?: ReadonlyMap<string, Uint8Array>;
  at?: AtClientOptions;
  /** Per-command timeouts, where a test or a slow fixture needs others than NRF91_TIMEOUTS_MS. */
  timeoutsMs?: Partial<Record<keyof typeof NRF91_TIMEOUTS_MS, number>>;
  /** Line rate, for the wire time of long commands at 115200 baud. */
  baud?: number;
}

const CAPABILITIES = ['csr', 'keygen', 'read-back', 'read-back-digest'] as const;

export class Nrf91DeviceClient implements DeviceClient {
  private readonly at: AtClient;
  private readonly secTag: number;
  private readonly baud: number;
  private readonly timeouts: Record<keyof typeof NRF91_TIMEOUTS_MS, number>;
  private first: DeviceIdentity | null = null;
  private uuid: string | undefined;
  /** The CFUN mode found before the client took the modem offline, to restore. */
  private restoreMode: number | null = null;

  private constructor(
    readonly transport: Transport,
    private readonly opts: Nrf91Options,
  ) {
    this.secTag = assertSecTag(opts.secTag);
    this.baud = opts.baud ?? 115_200;
    this.timeouts = { ...NRF91_TIMEOUTS_MS, ...opts.timeoutsMs };
    this.at = new AtClient(transport, { timeoutMs: NRF91_TIMEOUTS_MS.query, ...opts.at });
  }

  /**
   * Attach to a modem: a bare `AT` (twice, since bytes left on the line
   * before, such as another driver's probe, make the first one ERROR), then
   * numeric CME errors on. Closes the transport if the modem does not answer.
   */
  static async attach(transport: Transport, opts: Nrf91Options): Promise<Nrf91DeviceClient> {
    const c = new Nrf91DeviceClient(transport, opts);
    try {
      await c.run('AT', 'sync').catch(() => c.run('AT', 'sync'));
      await c.run('AT+CMEE=1', 'cmee');
    } catch (e) {
      await c.close().catch(() => undefined);
      throw e;
    }
    return c;
  }

  private async run(command: string, name: Nrf91Command, kind: keyof typeof NRF91_TIMEOUTS_MS = 'query'): Promise<string[]> {
    try {
      return (await this.at.send(command, { name, timeoutMs: this.timeouts[kind] + this.wireMs(command.length + 256) })).lines;
    } catch (e) {
      throw nrf91Error(e, name);
    }
  }

  /** Wire time of `bytes` at the line rate (10 bits a byte), so a long write's timeout is not eaten by the UART. */
  private wireMs(bytes: number): number {
    return Math.ceil((bytes * 10 * 1000) / this.baud);
  }

  async identify(): Promise<DeviceIdentity> {
    const imei = parseImei(await this.run('AT+CGSN', 'cgsn'));
    const firmware: ModemFirmware = parseModemFirmware(await this.run('AT+CGMR', 'cgmr'));
    assertMinimumFirmware(firmware, this.opts.minFirmware ?? NRF91_MIN_FIRMWARE);
    const model = (await this.run('AT+CGMM', 'cgmm'))[0]?.trim() || firmware.family;
    if (this.uuid === undefined && firmware.version[0] >= 2) this.uuid = await this.deviceUuid();
    const stored = await this.list();
    const id: DeviceIdentity = {
      driver: 'nrf91',
      deviceId: deviceIdFromTemplate(this.opts.deviceIdTemplate, { imei, ...(this.uuid ? { uuid: this.uuid } : {}) }),
      hardwareSerial: imei,
      model: model.slice(0, 64),
      firmware: firmware.text,
      capabilities: [...CAPABILITIES],
      facts: { imei, modemFirmware: firmware.text, secTag: String(this.secTag), ...(this.uuid ? { uuid: this.uuid } : {}) },
      store: {
        hasKey: stored.some((c) => c.type === CredentialType.CLIENT_KEY),
        hasLeaf: stored.some((c) => c.type === CredentialType.CLIENT_CERT),
        hasChain: stored.some((c) => c.type === CredentialType.CLIENT_CERT),
        locked: false,
      },
    };
    const first = this.first;
    if (first && (first.hardwareSerial !== id.hardwareSerial || first.deviceId !== id.deviceId)) {
      throw new CustodianError(DeviceErrorCodes.DEVICE_IDENTITY_CHANGED, `device identity changed from ${first.deviceId} to ${id.deviceId}`, {
        before: first.deviceId,
        after: id.deviceId,
        hardwareSerialBefore: first.hardwareSerial,
        hardwareSerialAfter: id.hardwareSerial,
      });
    }
    this.first ??= id;
    return id;
  }

  /**
   * `AT%DEVICEUUID` (nRF91x1 modem firmware 2.x): the UUID the modem's
   * identity key attests. A firmware without it answers ERROR, and the UUID
   * then comes only with the key attestation.
   */
  private async deviceUuid(): Promise<string | undefined> {
    try {
      return parseDeviceUuid(await this.run('AT%DEVICEUUID', 'uuid'));
    } catch (e) {
      if (isCustodianError(e) && e.code === Nrf91ErrorCodes.NRF91_AT_ERROR) return undefined;
      throw e;
    }
  }

  /** The IMEI again: a modem swapped on the fixture answers another one. */
  private async confirm(expected: DeviceIdentity | undefined, part: DevicePart): Promise<void> {
    if (!expected) return;
    const imei = await within(part, async () => parseImei(await this.run('AT+CGSN', 'cgsn')));
    if (imei !== expected.hardwareSerial) {
      throw inPart(
        new CustodianError(DeviceErrorCodes.DEVICE_IDENTITY_CHANGED, `device identity changed from IMEI ${expected.hardwareSerial} to ${imei}`, {
          before: expected.deviceId,
          hardwareSerialBefore: expected.hardwareSerial,
          hardwareSerialAfter: imei,
        }),
        part,
      );
    }
  }

  /** Everything the modem lists (`AT%CMNG=1`, as modem_key_mgmt lists it), kept to the station's sec_tag. */
  private list(): Promise<ListedCredential[]> {
    return this.run(listCommand(), 'cmng-list').then((lines) => parseList(lines).filter((c) => c.secTag === this.secTag));
  }

  /** Take the modem out of normal operation for writes, once; remember what to restore. */
  private async offline(): Promise<void> {
    if (this.restoreMode !== null) return;
    const lines = await this.run('AT+CFUN?', 'cfun-read');
    const m = /^\+CFUN: ?([0-9]{1,3})$/.exec(lines[0]?.trim() ?? '');
    if (!m) throw new CustodianError(Nrf91ErrorCodes.NRF91_CMNG_FORMAT, 'AT+CFUN? did not answer +CFUN: <mode>', { reason: 'cfun' });
    const mode = Number(m[1]);
    if (!ACTIVE_MODES.has(mode)) return;
    await this.run(`AT+CFUN=${OFFLINE_MODE}`, 'cfun-set', 'cfun');
    this.restoreMode = mode;
  }

  /** Back to the mode the modem was found in. */
  private async restore(): Promise<void> {
    const mode = this.restoreMode;
    if (mode === null) return;
    this.restoreMode = null;
    await this.run(`AT+CFUN=${mode}`, 'cfun-set', 'cfun');
  }

  async generateKey(algorithm: DeviceKeyAlgorithm, opts: CsrAfterKeygen = {}): Promise<GeneratedKey> {
    if (algorithm !== 'P-256') {
      throw new CustodianError(Nrf91ErrorCodes.NRF91_KEY_TYPE_UNSUPPORTED, `the nRF91 modem generates P-256 keys only, not ${algorithm}`, { algorithm, part: 'keygen' });
    }
    const cn = opts.csr;
    if (cn === undefined) throw new CustodianError('DEVICE_BAD_ARGUMENT', 'the nRF91 modem generates a key only together with its CSR');
    if (!/^[A-Za-z0-9._:@-]{1,64}$/.test(cn)) {
      // The modem parses the attribute string itself: nothing that could end or split it is sent.
      throw new CustodianError('DEVICE_BAD_ARGUMENT', `the device ID ${JSON.stringify(cn)} cannot be sent as an AT%KEYGEN subject`, { part: 'keygen' });
    }
    const line = await within('keygen', async () => {
      await this.offline();
      const lines = await this.run(`AT%KEYGEN=${this.secTag},${CredentialType.CLIENT_KEY},0,"CN=${cn}"`, 'keygen', 'keygen');
      const l = lines.find((x) => x.startsWith('%KEYGEN:'));
      if (!l) throw new CustodianError(Nrf91ErrorCodes.NRF91_CMNG_FORMAT, 'AT%KEYGEN answered OK without a %KEYGEN line', { reason: 'keygen' });
      return l;
    });
    // The key now exists; what follows is about its CSR.
    const answer = await within('csr', async () => parseKeygenResponse(line, { expectedSecTag: this.secTag }));
    const attestation = await within('csr', async () => this.attest(line, answer));
    await this.confirm(opts.confirm, 'csr');
    return { csr: answer.csrDer, attestation };
  }

  private attest(line: string, answer: ReturnType<typeof parseKeygenResponse>): KeyAttestation {
    const attested = answer.attestation.deviceUuidString;
    if (this.uuid !== undefined && attested !== this.uuid) {
      throw new CustodianError(Nrf91ErrorCodes.NRF91_ATTESTATION_DEVICE_MISMATCH, `the key attestation names modem ${attested}, but this modem is ${this.uuid}`, {
        attested,
        reported: this.uuid,
      });
    }
    const token = line.slice(line.indexOf('"') + 1, -1).split('.')[1]!;
    const key = this.opts.identityKeys?.get(attested.toLowerCase());
    if (key) answer.verifyIdentity(key); // a mismatch refuses the device (NRF91_KEYGEN_SIGNATURE_INVALID)
    return { format: 'nrf91-keygen-cose', token, signature: key ? 'verified' : 'unverified' };
  }

  getCsr(): Promise<Uint8Array> {
    return Promise.reject(noKey('a CSR'));
  }

  getPublicKey(): Promise<Uint8Array> {
    return Promise.reject(noKey('its public key'));
  }

  signChallenge(): Promise<Uint8Array> {
    return Promise.reject(new CustodianError(DeviceErrorCodes.DEVICE_UNSUPPORTED, 'the nRF91 modem cannot sign a station challenge', { capability: 'challenge' }));
  }

  async readCredentials(): Promise<InstalledCredentials> {
    const stored = await this.list();
    return this.readStored(stored);
  }

  private async readStored(stored: readonly ListedCredential[]): Promise<InstalledCredentials & { texts: Map<number, string> }> {
    const texts = new Map<number, string>();
    for (const type of [CredentialType.CLIENT_CERT, CredentialType.ROOT_CA] as const) {
      if (!stored.some((c) => c.type === type)) continue;
      const r = parseRead(await this.run(readCommand(this.secTag, type), 'cmng-read', 'read'), this.secTag, type);
      if (r.sha256 !== contentSha256(r.content)) {
        throw new CustodianError(Nrf91ErrorCodes.NRF91_READBACK_DIGEST_MISMATCH, `the modem's digest of credential type ${type} is not that of the content it returned`, { type });
      }
      texts.set(type, r.content);
    }
    const client = texts.has(CredentialType.CLIENT_CERT) ? certificatesFromPem(texts.get(CredentialType.CLIENT_CERT)!) : [];
    const anchors = texts.has(CredentialType.ROOT_CA) ? certificatesFromPem(texts.get(CredentialType.ROOT_CA)!) : [];
    return { leaf: client[0] ?? null, chain: client.slice(1), locked: false, trustAnchors: anchors, texts };
  }

  /**
   * Whether these would fit the modem's credential store, before anything is
   * signed (`leafBytesMax`: the largest the leaf can come out).
   */
  assertFits(plan: StorePlan): void {
    const client = pemText(plan.chain).length + pemLength(plan.leafBytesMax);
    const roots = pemText(plan.trustAnchors).length;
    for (const [object, bytes] of [['client certificate chain', client], ['trust anchors', roots]] as const) {
      if (bytes > MAX_CREDENTIAL_BYTES) {
        throw new CustodianError(Nrf91ErrorCodes.NRF91_CREDENTIAL_TOO_LARGE, `the ${object} would take ${bytes} bytes as PEM; the modem stores at most ${MAX_CREDENTIAL_BYTES} in one credential`, {
          object,
          bytes,
          max: MAX_CREDENTIAL_BYTES,
        });
      }
    }
  }

  async install(leafDer: Uint8Array, chainDer: Uint8Array[], opts: InstallOptions): Promise<ReadBackResult> {
    const anchors = opts.trustAnchors ?? [];
    const clientText = pemText([leafDer, ...chainDer]);
    const rootText = anchors.length ? pemText(anchors) : null;
    for (const [object, text] of [['client certificate chain', clientText], ['trust anchors', rootText ?? '']] as const) {
      if (text.length > MAX_CREDENTIAL_BYTES) {
        throw inPart(new CustodianError(Nrf91ErrorCodes.NRF91_CREDENTIAL_TOO_LARGE, `the ${object} takes ${text.length} bytes as PEM; the modem stores at most ${MAX_CREDENTIAL_BYTES}`, {
          object,
          bytes: text.length,
          max: MAX_CREDENTIAL_BYTES,
        }), 'write');
      }
    }
    await this.confirm(opts.confirm, 'write');
    await within('write', async () => {
      await this.offline();
      const present = await this.list();
      const writes: Array<[CredentialType, string]> = [[CredentialType.CLIENT_CERT, clientText]];
      if (rootText !== null) writes.push([CredentialType.ROOT_CA, rootText]);
      for (const [type, text] of writes) {
        if (present.some((c) => c.type === type)) await this.run(deleteCommand(this.secTag, type), 'cmng-delete', 'write');
        await this.run(writeCommand(this.secTag, type, text), 'cmng-write', 'write');
      }
    });
    return within('read-back', async () => {
      const listed = await this.list();
      const back = await this.readStored(listed);
      const want = new Map<number, string>([[CredentialType.CLIENT_CERT, clientText]]);
      if (rootText !== null) want.set(CredentialType.ROOT_CA, rootText);
      let digestsMatched = true;
      for (const [type, text] of want) {
        const sha = listed.find((c) => c.type === type)?.sha256;
        if (sha === undefined || !hexEqual(sha, contentSha256(text))) digestsMatched = false;
        const read = back.texts.get(type);
        // Byte for byte: the DER comparison the workflow makes would forgive a re-wrapped PEM.
        if (read !== undefined && read !== text) digestsMatched = false;
      }
      await this.restore();
      const { texts: _texts, ...installed } = back;
      return { installed, digestsMatched };
    });
  }

  /** The modem has no lock: nothing to commit (the workflow does not ask). */
  async commit(): Promise<void> {}

  async writeLeaf(): Promise<void> {
    throw new CustodianError(DeviceErrorCodes.DEVICE_UNSUPPORTED, 'the nRF91 stores the leaf with its chain in one credential: use install');
  }

  async writeChain(): Promise<void> {
    throw new CustodianError(DeviceErrorCodes.DEVICE_UNSUPPORTED, 'the nRF91 stores the leaf with its chain in one credential: use install');
  }

  async close(): Promise<void> {
    try {
      await this.restore();
    } catch {
      // The modem went away or refused: the next session finds it offline and says so.
    } finally {
      this.at.dispose();
      await this.transport.close();
    }
  }
}

function noKey(what: string): CustodianError {
  return new CustodianError(DeviceErrorCodes.DEVICE_ERROR_NO_KEY, `the nRF91 modem gives ${what} only for a key it generates now (AT%KEYGEN)`, { driver: 'nrf91' });
}

/** PEM length of a DER of `n` bytes (64 characters a line, LF ends). */
function pemLength(n: number): number {
  const b64 = Math.ceil(n / 3) * 4;
  return '-----BEGIN CERTIFICATE-----\n'.length + b64 + Math.ceil(b64 / 64) + '-----END CERTIFICATE-----\n'.length;
}

function hexEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

function inPart(e: unknown, part: DevicePart): unknown {
  if (!isCustodianError(e) || e.details.part !== undefined) return e;
  return new CustodianError(e.code, e.message, { ...e.details, part }, { cause: e });
}

async function within<T>(part: DevicePart, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw inPart(e, part);
  }
}

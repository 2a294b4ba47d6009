/**
 * The simulated device's firmware host: link attachment, request queue, fault
 * injection on the request/reply path and wire-time emulation at the
 * configured baud (8N1) before each request is "received" and each reply is
 * "sent". Command semantics live in ./commands.ts. One request is processed at
 * a time, in arrival order.
 */
import { randomBytes } from 'node:crypto';
import type { ProtocolCapability } from '../device/protocol';
import { encodeFrame, FRAME_OVERHEAD, FrameParser, type Frame } from '../device/frame';
import { BATCH_ENTRY_OVERHEAD, ByteReader, ByteWriter, Command, decodeBatch, DeviceError, encodeBatch, RESPONSE_BIT, TYPE_ERROR, type BatchEntry, type CommandName, type DeviceErrorName } from '../device/protocol';
import type { Transport } from '../device/transport';
import { wireTimeMs } from '../device/wire';
import { isCustodianError } from '../errors';
import { DeviceCommands, Refuse } from './commands';
import type { FaultPlan, Step } from './faults';
import type { DeviceStore } from './state';

export interface SimulatorStats {
  requests: number;
  bytesIn: number;
  bytesOut: number;
  /** Emulated line time: every byte in and out at 10 bits / baud. Deterministic. */
  wireTimeMs: number;
  /** Emulated device work: key generation delays and slow-reply faults. */
  deviceDelayMs: number;
  /**
   * Time the simulator itself spent between a request's arrival (after its wire
   * time) and its reply being ready, beyond `deviceDelayMs`: its own CPU and
   * scheduling (e.g. building a CSR). Not part of any emulated timing; benches
   * report it to account for cycle time that is neither wire nor station.
   */
  processingMs: number;
  identifies: number;
  byCommand: Partial<Record<CommandName, number>>;
}

export interface DeviceFirmwareOptions {
  store: DeviceStore;
  faults: FaultPlan;
  baud: number;
  emulateWireTime: boolean;
  keygenDelayMs: number;
  maxPayload: number;
  capabilities: ProtocolCapability[];
  announceIdentity: boolean;
  /** Host hook: drop the physical link (and power-cycle the device). */
  disconnect: () => void;
  /** Injected delay (tests record the emulated delays instead of measuring wall-clock time). */
  sleep?: (ms: number, why: 'wire-in' | 'wire-out' | 'keygen' | 'slow-reply') => Promise<void>;
  /** Called once a reply has been handed to the link (`ok`: not an error reply). */
  onReplied?: (command: CommandName, ok: boolean) => void;
}

type Result = Uint8Array | { error: DeviceErrorName; message: string };

const errorPayload = (command: number, r: { error: DeviceErrorName; message: string }): Uint8Array =>
  new ByteWriter().u8(command).u16(DeviceError[r.error]).bytes(new TextEncoder().encode(r.message.slice(0, 200))).build();

const STEP_OF: Record<Exclude<CommandName, 'BATCH'>, Step> = {
  HELLO: 'hello',
  IDENTIFY: 'identify',
  GENERATE_KEY: 'generate-key',
  GET_PUBLIC_KEY: 'get-public-key',
  GET_CSR: 'get-csr',
  SIGN_CHALLENGE: 'sign-challenge',
  WRITE_BEGIN: 'write-begin',
  WRITE_CHUNK: 'write-chunk',
  WRITE_END: 'write-end',
  READ_CERTS: 'read-certs',
  COMMIT: 'commit',
};

const realSleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

export class DeviceFirmware {
  readonly stats: SimulatorStats = { requests: 0, bytesIn: 0, bytesOut: 0, wireTimeMs: 0, deviceDelayMs: 0, processingMs: 0, identifies: 0, byCommand: {} };
  bootId = randomBytes(4).readUInt32BE(0);
  private link: { transport: Transport; parser: FrameParser; off: Array<() => void> } | null = null;
  private work: Promise<void> = Promise.resolve();
  private readonly commands: DeviceCommands;

  private readonly sleep: NonNullable<DeviceFirmwareOptions['sleep']>;

  constructor(private readonly o: DeviceFirmwareOptions) {
    this.sleep = o.sleep ?? realSleep;
    this.commands = new DeviceCommands({
      store: o.store,
      faults: o.faults,
      capabilities: o.capabilities,
      announceIdentity: o.announceIdentity,
      maxPayload: o.maxPayload,
      keygenDelayMs: o.keygenDelayMs,
      bootId: () => this.bootId,
      stats: this.stats,
      sleep: (ms, why) => this.sleep(ms, why),
    });
  }

  attach(transport: Transport): void {
    this.detach();
    const parser = new FrameParser({ maxPayload: this.o.maxPayload, onFrame: (f) => this.enqueue(transport, f) });
    const off = [
      transport.onData((c) => {
        this.stats.bytesIn += c.length;
        this.account(c.length);
        parser.push(c);
      }),
      transport.onClose(() => {
        if (this.link?.transport === transport) this.detach();
      }),
    ];
    this.link = { transport, parser, off };
  }

  detach(): void {
    if (!this.link) return;
    for (const f of this.link.off) f();
    this.link.parser.dispose();
    this.link = null;
  }

  /** Volatile state lost, as on a reset. */
  powerCycle(): void {
    this.bootId = (this.bootId + 1 + randomBytes(2).readUInt16BE(0)) >>> 0;
    this.commands.reset();
  }

  private account(bytes: number): void {
    this.stats.wireTimeMs += wireTimeMs(bytes, this.o.baud);
  }

  private enqueue(transport: Transport, f: Frame): void {
    this.work = this.work.then(() => this.process(transport, f)).catch(() => undefined);
  }

  private async process(transport: Transport, f: Frame): Promise<void> {
    // The request's bytes took this long to arrive on a real line (the pty delivers them at once).
    if (this.o.emulateWireTime) await this.sleep(wireTimeMs(f.payload.length + FRAME_OVERHEAD, this.o.baud), 'wire-in');
    const t0 = performance.now();
    const delay0 = this.stats.deviceDelayMs;
    const ready = (): void => {
      this.stats.processingMs += Math.max(0, performance.now() - t0 - (this.stats.deviceDelayMs - delay0));
    };
    this.stats.requests++;
    if (f.type === Command.BATCH) return this.processBatch(transport, f, ready);
    const name = commandOf(f.type);
    if (!name) {
      ready();
      return this.reply(transport, f, { error: 'UNKNOWN_COMMAND', message: `unknown command 0x${f.type.toString(16)}` }, []);
    }
    const result = await this.run(name, f.payload);
    if (result === 'gone') return;
    ready();
    await this.reply(transport, f, result, [STEP_OF[name]]);
    this.o.onReplied?.(name, result instanceof Uint8Array);
  }

  /**
   * One command with its step's faults, as the firmware would run it alone or
   * as a batch entry; 'gone' when a fault dropped the link or silenced the device.
   */
  private async run(name: Exclude<CommandName, 'BATCH'>, payload: Uint8Array): Promise<Result | 'gone'> {
    const { faults } = this.o;
    this.stats.byCommand[name] = (this.stats.byCommand[name] ?? 0) + 1;
    const step = STEP_OF[name];
    if (faults.take('disconnect', step, (x) => (x.phase ?? 'before') === 'before')) {
      this.o.disconnect();
      return 'gone';
    }
    if (faults.take('silent', step)) return 'gone';
    let result: Result;
    const forced = faults.take('error-reply', step);
    if (forced) {
      result = { error: forced.error, message: 'injected fault' };
    } else {
      try {
        result = await this.commands.execute(name, new ByteReader(payload), payload);
      } catch (e) {
        // A payload too short for its fields is malformed (§5), not the device's own failure.
        result = e instanceof Refuse
          ? { error: e.error, message: e.message }
          : isCustodianError(e, 'DEVICE_PROTOCOL_ERROR') ? { error: 'BAD_REQUEST', message: e.message } : { error: 'INTERNAL', message: String(e) };
      }
    }
    if (faults.take('disconnect', step, (x) => x.phase === 'after')) {
      this.o.disconnect();
      return 'gone';
    }
    const slow = faults.take('slow-reply', step);
    if (slow) {
      this.stats.deviceDelayMs += slow.delayMs;
      await this.sleep(slow.delayMs, 'slow-reply');
    }
    return result;
  }

  /**
   * BATCH (docs/device-protocol.md §4.8): the entries in order, each exactly as
   * if it had come alone, stopping after the first that fails; one reply.
   */
  private async processBatch(transport: Transport, f: Frame, ready: () => void): Promise<void> {
    const refuse = (message: string, error: DeviceErrorName = 'BAD_REQUEST'): Promise<void> => {
      ready();
      return this.reply(transport, f, { error, message }, []);
    };
    if (!this.o.capabilities.includes('batch')) return refuse('BATCH not supported', 'UNKNOWN_COMMAND');
    let entries: BatchEntry[];
    try {
      entries = decodeBatch(f.payload);
    } catch (e) {
      return refuse(`malformed batch: ${(e as Error).message}`);
    }
    if (entries.length === 0) return refuse('empty batch');
    if (entries.some((e) => e.type === Command.HELLO || e.type === Command.BATCH)) return refuse('HELLO and BATCH cannot be batched');
    const limit = this.commands.replyLimit;
    const out: BatchEntry[] = [];
    const steps: Step[] = [];
    const ran: Array<[Exclude<CommandName, 'BATCH'>, boolean]> = [];
    let size = 0;
    for (const e of entries) {
      const name = commandOf(e.type);
      let result: Result;
      if (!name) {
        result = { error: 'UNKNOWN_COMMAND', message: `unknown command 0x${e.type.toString(16)}` };
      } else {
        const r = await this.run(name, e.payload);
        if (r === 'gone') return;
        result = r;
        steps.push(STEP_OF[name]);
        ran.push([name, r instanceof Uint8Array]);
      }
      let entry: BatchEntry = result instanceof Uint8Array ? { type: e.type | RESPONSE_BIT, payload: result } : { type: TYPE_ERROR, payload: errorPayload(e.type, result) };
      if (size + BATCH_ENTRY_OVERHEAD + entry.payload.length > limit) {
        entry = { type: TYPE_ERROR, payload: errorPayload(e.type, { error: 'TOO_LARGE', message: `reply does not fit the batch (${limit} bytes)` }) };
        result = { error: 'TOO_LARGE', message: '' };
      }
      out.push(entry);
      size += BATCH_ENTRY_OVERHEAD + entry.payload.length;
      if (!(result instanceof Uint8Array)) break;
    }
    ready();
    await this.reply(transport, f, encodeBatch(out), steps);
    for (const [name, ok] of ran) this.o.onReplied?.(name, ok);
  }

  /** Send the reply; a corrupt-reply or drop-bytes fault armed for any step it answers damages it. */
  private async reply(transport: Transport, req: Frame, result: Result, steps: readonly Step[]): Promise<void> {
    const frame =
      result instanceof Uint8Array
        ? encodeFrame({ type: req.type | RESPONSE_BIT, requestId: req.requestId, payload: result })
        : encodeFrame({ type: TYPE_ERROR, requestId: req.requestId, payload: errorPayload(req.type, result) });
    let bytes = frame;
    if (steps.some((s) => this.o.faults.take('corrupt-reply', s))) {
      bytes = Uint8Array.from(frame);
      const i = frame.length - 1; // a CRC byte: header stays intact, so the station can attribute the damage
      bytes[i] = bytes[i]! ^ 0x5a;
    }
    let drop = null;
    for (const s of steps) drop ??= this.o.faults.take('drop-bytes', s);
    if (drop) {
      const n = Math.min(drop.count ?? 3, frame.length - 9);
      const at = 8 + Math.floor((frame.length - 8 - n) / 2);
      bytes = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + n)]);
    }
    if (this.o.emulateWireTime) await this.sleep(wireTimeMs(bytes.length, this.o.baud), 'wire-out');
    if (this.link?.transport !== transport || !transport.isOpen) return;
    this.stats.bytesOut += bytes.length;
    this.account(bytes.length);
    await transport.write(bytes).catch(() => undefined);
  }
}

function commandOf(type: number): Exclude<CommandName, 'BATCH'> | undefined {
  return (Object.keys(STEP_OF) as Array<Exclude<CommandName, 'BATCH'>>).find((k) => Command[k] === type);
}

/**
 * Fault injection for the device simulator. Every fault is consumed: it fires
 * `times` times (default 1, Infinity allowed) and is then spent, so a station
 * retry can pass. Faults that are tied to a step name it; the step names are the
 * protocol commands in kebab case.
 */
import type { DeviceErrorName } from '../device/protocol';

export const STEPS = [
  'hello',
  'identify',
  'generate-key',
  'get-public-key',
  'get-csr',
  'sign-challenge',
  'write-begin',
  'write-chunk',
  'write-end',
  'read-certs',
  'commit',
] as const;
export type Step = (typeof STEPS)[number];

export type Fault =
  /** Flip one byte in the reply's payload/CRC: station sees FRAME_CRC. */
  | { kind: 'corrupt-reply'; step: Step; times?: number }
  /** Remove `count` bytes (default 3) from the middle of the reply: station sees FRAME_TRUNCATED. */
  | { kind: 'drop-bytes'; step: Step; count?: number; times?: number }
  /** Drop the link (power-cycle) at the step, before executing it (default) or after executing but before replying. */
  | { kind: 'disconnect'; step: Step; phase?: 'before' | 'after'; times?: number }
  /** Reply only after an extra `delayMs`. */
  | { kind: 'slow-reply'; step: Step; delayMs: number; times?: number }
  /** Execute nothing, reply nothing. */
  | { kind: 'silent'; step: Step; times?: number }
  /** Reply with a protocol ERROR frame. */
  | { kind: 'error-reply'; step: Step; error: DeviceErrorName; times?: number }
  /** GET_CSR carries this CN (default `<requested>-wrong`) instead of the requested one. */
  | { kind: 'wrong-cn'; cn?: string; times?: number }
  /** GET_CSR's signature is corrupted (CSR still parses). */
  | { kind: 'bad-csr-signature'; times?: number }
  /** Persisting fails with device error FLASH_WRITE at WRITE_END (default) or COMMIT. */
  | { kind: 'flash-write-failure'; step?: 'write-end' | 'commit'; times?: number }
  /** After `afterIdentifies` good IDENTIFY replies, the next `times` report `deviceId` (default `<id>-other`). */
  | { kind: 'device-id-change'; afterIdentifies: number; deviceId?: string; times?: number }
  /** The next GENERATE_KEY creates this weak key instead of the one requested. */
  | { kind: 'weak-key'; key: 'rsa-1024' | 'secp256k1'; times?: number };

export type FaultKind = Fault['kind'];
export const FAULT_KINDS: readonly FaultKind[] = [
  'corrupt-reply',
  'drop-bytes',
  'disconnect',
  'slow-reply',
  'silent',
  'error-reply',
  'wrong-cn',
  'bad-csr-signature',
  'flash-write-failure',
  'device-id-change',
  'weak-key',
];

export interface FiredFault {
  kind: FaultKind;
  step: Step;
}

interface Armed {
  fault: Fault;
  remaining: number;
}

const stepOf = (f: Fault): Step | undefined => {
  switch (f.kind) {
    case 'wrong-cn':
    case 'bad-csr-signature':
      return 'get-csr';
    case 'flash-write-failure':
      return f.step ?? 'write-end';
    case 'device-id-change':
      return 'identify';
    case 'weak-key':
      return 'generate-key';
    default:
      return f.step;
  }
};

/** Per-simulator fault state (no module globals). */
export class FaultPlan {
  private armed: Armed[] = [];
  readonly fired: FiredFault[] = [];

  constructor(faults: readonly Fault[] = []) {
    for (const f of faults) this.inject(f);
  }

  inject(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!(times > 0)) throw new RangeError(`fault ${fault.kind}: times must be > 0`);
    if (!FAULT_KINDS.includes(fault.kind)) throw new RangeError(`unknown fault kind ${String(fault.kind)}`);
    const step = stepOf(fault);
    if (step !== undefined && !STEPS.includes(step)) throw new RangeError(`fault ${fault.kind}: unknown step ${String(step)}`);
    this.armed.push({ fault, remaining: times });
  }

  /** Faults not yet spent. */
  pending(): Fault[] {
    return this.armed.filter((a) => a.remaining > 0).map((a) => a.fault);
  }

  clear(): void {
    this.armed = [];
  }

  /** Consume the first matching armed fault of `kind` at `step`, if any. */
  take<K extends FaultKind>(kind: K, step: Step, when: (f: Extract<Fault, { kind: K }>) => boolean = () => true): Extract<Fault, { kind: K }> | null {
    for (const a of this.armed) {
      if (a.remaining <= 0 || a.fault.kind !== kind || stepOf(a.fault) !== step) continue;
      const f = a.fault as Extract<Fault, { kind: K }>;
      if (!when(f)) continue;
      a.remaining--;
      this.fired.push({ kind, step });
      return f;
    }
    return null;
  }
}

/**
 * The fields of a CLI fault spec, `kind[:step][@times][,key=value…]`, before
 * a simulator checks them against its own fault kinds: digits become numbers,
 * `@inf` fires forever.
 */
export function faultSpecFields(spec: string): Record<string, unknown> {
  const [head = '', ...kv] = spec.split(',');
  const m = /^([a-z-]+)(?::([a-z-]+))?(?:@(\d+|inf))?$/.exec(head.trim());
  if (!m) throw new RangeError(`bad fault spec "${spec}"`);
  const obj: Record<string, unknown> = { kind: m[1] };
  if (m[2]) obj.step = m[2];
  if (m[3]) obj.times = m[3] === 'inf' ? Infinity : Number(m[3]);
  for (const pair of kv) {
    const [k, v] = pair.split('=');
    if (!k || v === undefined) throw new RangeError(`bad fault option "${pair}" in "${spec}"`);
    obj[k.trim()] = /^\d+$/.test(v) ? Number(v) : v.trim();
  }
  return obj;
}

/**
 * Parse a CLI fault spec: `kind[:step][@times][,key=value…]`, e.g.
 * `silent:identify@2`, `slow-reply:get-csr,delayMs=3000`, `device-id-change,afterIdentifies=1`,
 * `weak-key,key=rsa-1024`, `error-reply:commit,error=BUSY`, `disconnect:write-end,phase=after`.
 */
export function parseFaultSpec(spec: string): Fault {
  const obj = faultSpecFields(spec);
  const f = obj as Fault;
  new FaultPlan([f]); // validates kind/step/times
  const needs: Partial<Record<FaultKind, string[]>> = {
    'corrupt-reply': ['step'],
    'drop-bytes': ['step'],
    disconnect: ['step'],
    'slow-reply': ['step', 'delayMs'],
    silent: ['step'],
    'error-reply': ['step', 'error'],
    'device-id-change': ['afterIdentifies'],
    'weak-key': ['key'],
  };
  for (const k of needs[f.kind] ?? []) if (obj[k] === undefined) throw new RangeError(`fault ${f.kind} needs ${k}`);
  return f;
}

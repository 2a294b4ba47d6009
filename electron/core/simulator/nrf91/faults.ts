/**
 * Fault injection for the nRF91 modem simulator. Steps are the station's AT
 * command names (cme-errors.ts Nrf91Command: `cgsn`, `keygen`, `cmng-write` …),
 * so a fault names the command it hits the way the driver's errors do. Every
 * fault fires `times` times (default 1, `inf` allowed) and is then spent.
 */
import { NRF91_COMMANDS, type Nrf91Command } from '../../device/nrf91/cme-errors';
import { faultSpecFields } from '../faults';

export type Nrf91Step = Nrf91Command;
export const NRF91_STEPS: readonly Nrf91Step[] = NRF91_COMMANDS;

export type Nrf91Fault =
  /** Execute nothing, answer nothing. */
  | { kind: 'silent'; step: Nrf91Step; times?: number }
  /** Drop the link once `afterBytes` (default 64) of the command line have arrived, or when a shorter line completes; nothing is executed. */
  | { kind: 'disconnect'; step: Nrf91Step; afterBytes?: number; times?: number }
  /** Answer `+CME ERROR: <cme>` (bare `ERROR` without `cme`, or while CMEE is off) instead of executing. */
  | { kind: 'error-reply'; step: Nrf91Step; cme?: number; times?: number }
  /** A `%CMNG` write fails with `+CME ERROR: <cme>` (default 515, memory full); nothing is stored. */
  | { kind: 'write-fail'; cme?: number; times?: number }
  /** Flip one character of the first information line (at index `at`, default its middle). */
  | { kind: 'corrupt-reply'; step: Nrf91Step; at?: number; times?: number }
  /** Answer only after an extra `delayMs`. */
  | { kind: 'slow-reply'; step: Nrf91Step; delayMs: number; times?: number }
  /** The KEYGEN CSR carries this CN (default `<requested>-wrong`). */
  | { kind: 'wrong-cn'; cn?: string; times?: number }
  /** The KEYGEN COSE_Sign1 signature does not verify under the identity key. */
  | { kind: 'bad-attestation-signature'; times?: number }
  /** The KEYGEN CSR's self-signature does not verify. */
  | { kind: 'bad-csr-signature'; times?: number }
  /** After `afterIdentifies` good `AT+CGSN` answers, the next `times` report another IMEI (`imei`, default a neighbour). */
  | { kind: 'imei-change'; afterIdentifies: number; imei?: string; times?: number };

export type Nrf91FaultKind = Nrf91Fault['kind'];
export const NRF91_FAULT_KINDS: readonly Nrf91FaultKind[] = [
  'silent',
  'disconnect',
  'error-reply',
  'write-fail',
  'corrupt-reply',
  'slow-reply',
  'wrong-cn',
  'bad-attestation-signature',
  'bad-csr-signature',
  'imei-change',
];

export interface Nrf91FiredFault {
  kind: Nrf91FaultKind;
  step: Nrf91Step;
}

export function faultStep(f: Nrf91Fault): Nrf91Step {
  switch (f.kind) {
    case 'write-fail':
      return 'cmng-write';
    case 'wrong-cn':
    case 'bad-attestation-signature':
    case 'bad-csr-signature':
      return 'keygen';
    case 'imei-change':
      return 'cgsn';
    default:
      return f.step;
  }
}

interface Armed {
  fault: Nrf91Fault;
  remaining: number;
}

export class Nrf91FaultPlan {
  private armed: Armed[] = [];
  readonly fired: Nrf91FiredFault[] = [];

  constructor(faults: readonly Nrf91Fault[] = []) {
    for (const f of faults) this.inject(f);
  }

  inject(fault: Nrf91Fault): void {
    if (!NRF91_FAULT_KINDS.includes(fault.kind)) throw new RangeError(`unknown fault kind ${String(fault.kind)}`);
    const times = fault.times ?? 1;
    if (!(times > 0)) throw new RangeError(`fault ${fault.kind}: times must be > 0`);
    const step = faultStep(fault);
    if (!NRF91_STEPS.includes(step)) throw new RangeError(`fault ${fault.kind}: unknown step ${String(step)} (one of ${NRF91_STEPS.join(', ')})`);
    this.armed.push({ fault, remaining: times });
  }

  pending(): Nrf91Fault[] {
    return this.armed.filter((a) => a.remaining > 0).map((a) => a.fault);
  }

  clear(): void {
    this.armed = [];
  }

  /** Whether a fault of `kind` at `step` is armed (and `when` accepts it), without consuming it. */
  peek<K extends Nrf91FaultKind>(kind: K, step: Nrf91Step, when: (f: Extract<Nrf91Fault, { kind: K }>) => boolean = () => true): Extract<Nrf91Fault, { kind: K }> | null {
    for (const a of this.armed) {
      if (a.remaining <= 0 || a.fault.kind !== kind || faultStep(a.fault) !== step) continue;
      const f = a.fault as Extract<Nrf91Fault, { kind: K }>;
      if (when(f)) return f;
    }
    return null;
  }

  /** Consume the first armed fault of `kind` at `step` that `when` accepts. */
  take<K extends Nrf91FaultKind>(kind: K, step: Nrf91Step, when: (f: Extract<Nrf91Fault, { kind: K }>) => boolean = () => true): Extract<Nrf91Fault, { kind: K }> | null {
    for (const a of this.armed) {
      if (a.remaining <= 0 || a.fault.kind !== kind || faultStep(a.fault) !== step) continue;
      const f = a.fault as Extract<Nrf91Fault, { kind: K }>;
      if (!when(f)) continue;
      a.remaining--;
      this.fired.push({ kind, step });
      return f;
    }
    return null;
  }
}

/**
 * Parse a CLI fault spec: `kind[:step][@times][,key=value…]`, e.g. `silent:cgmm`,
 * `disconnect:cmng-write,afterBytes=200`, `write-fail,cme=520`, `error-reply:keygen,cme=523`,
 * `corrupt-reply:cmng-read`, `slow-reply:keygen,delayMs=2000`, `wrong-cn`,
 * `bad-attestation-signature`, `imei-change,afterIdentifies=1`.
 */
export function parseNrf91FaultSpec(spec: string): Nrf91Fault {
  const obj = faultSpecFields(spec);
  const needs: Partial<Record<Nrf91FaultKind, string[]>> = {
    silent: ['step'],
    disconnect: ['step'],
    'error-reply': ['step'],
    'corrupt-reply': ['step'],
    'slow-reply': ['step', 'delayMs'],
    'imei-change': ['afterIdentifies'],
  };
  const f = obj as Nrf91Fault;
  if (!NRF91_FAULT_KINDS.includes(f.kind)) throw new RangeError(`unknown fault kind ${String(f.kind)}`);
  for (const k of needs[f.kind] ?? []) if (obj[k] === undefined) throw new RangeError(`fault ${f.kind} needs ${k}`);
  new Nrf91FaultPlan([f]); // validates step and times
  return f;
}

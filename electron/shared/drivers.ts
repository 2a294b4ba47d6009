/**
 * The device drivers the station knows, as data the CLI, the core and the
 * renderer share: their names, what people call them, and the workflow steps
 * a device of each kind goes through (the app's step list). Pure data.
 */
import { STEP_ORDER, type WorkflowStep } from './workflow';

export const DRIVER_NAMES = ['custodian', 'nrf91'] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];
/** `auto`: probe the port (each driver's probe sends only what devices of the others ignore). */
export type DriverChoice = DriverName | 'auto';

export const isDriverName = (v: unknown): v is DriverName => (DRIVER_NAMES as readonly unknown[]).includes(v);

export interface DriverInfo {
  title: string;
  /** Whether its devices lock their credential store (the commit step). */
  locks: boolean;
  /** The proof the default policy ends on for its devices. */
  finalProof: 'challenge' | 'csr-signature';
}

export const DRIVERS: Readonly<Record<DriverName, DriverInfo>> = {
  custodian: { title: 'Custodian protocol', locks: true, finalProof: 'challenge' },
  nrf91: { title: 'Nordic nRF91 modem (AT)', locks: false, finalProof: 'csr-signature' },
};

/** The steps a device of this driver goes through, in the order a run meets them. */
export function driverSteps(name: DriverName): readonly WorkflowStep[] {
  return DRIVERS[name].locks ? STEP_ORDER : STEP_ORDER.filter((s) => s !== 'commit');
}

/** `station.*`: serial ports, provisioning, auto mode and shift counters. */
import { z } from 'zod';
import { Iso, Label, NoArg, SerialHex, Sha256Hex } from './common';
import { DRIVER_NAMES } from '../drivers';
import { FINAL_PROOF_NAMES, PROOF_NAMES } from '../proofs';
import { LedgerVerification } from './ledger';

/** USB vendor/product IDs as 4 lowercase hex digits (as SerialPort.list reports them). */
export const UsbId = z.string().regex(/^[0-9a-f]{4}$/);

/** A device driver by name (shared/drivers.ts). */
export const DriverName = z.enum(DRIVER_NAMES);
/** A port's driver as chosen: a named driver, or `auto` (probe the port). */
export const DriverChoice = z.enum([...DRIVER_NAMES, 'auto'] as const);
export const ProofName = z.enum(PROOF_NAMES);
export const FinalProof = z.enum(FINAL_PROOF_NAMES);

/** The possession proofs a passed run gave (shared/proofs.ts). */
export const RunProofs = z.object({
  /** The final proof the run ended on; null when it gave none itself (a recognised device: nothing was installed). */
  finalProof: FinalProof.nullable(),
  /** Every proof the run passed, in order. */
  proofs: z.array(ProofName).max(16),
});
export type RunProofs = z.output<typeof RunProofs>;

export const PortInfo = z.object({
  path: z.string(),
  vendorId: UsbId.nullable(),
  productId: UsbId.nullable(),
  manufacturer: z.string().nullable(),
  serialNumber: z.string().nullable(),
  /** A pty created by the station's simulator. */
  simulated: z.boolean(),
  /** A provisioning run is using it now. */
  busy: z.boolean(),
  /**
   * The driver that serves it: the one remembered for its USB IDs
   * (settings.drivers.byUsb, set with station.setPortDriver), else `auto`.
   */
  driver: DriverChoice,
  /** The driver that last reached a device on it (probed or served), while it stays attached; null before. */
  detectedDriver: DriverName.nullable(),
  /** Whether `driver` is remembered in the settings (by USB IDs) rather than the default or this session's choice. */
  driverRemembered: z.boolean(),
});
export type PortInfo = z.output<typeof PortInfo>;

/**
 * A port as station.listPorts names it: /dev/ttyUSB0, /dev/cu.usbserial-1, COM4,
 * or `sim:<id>` for a simulated device. The station only opens ports it lists.
 */
export const PortPath = z.string().min(1).max(260).regex(/^(\/[^\0\r\n]+|COM[0-9]{1,3}|\\\\\.\\COM[0-9]{1,3}|sim:[a-z0-9]{1,64})$/);

export const Operator = Label(64);
export const WorkOrder = z.string().trim().regex(/^[A-Za-z0-9._\/-]{1,64}$/);

export const ProvisionRequest = z.strictObject({
  port: PortPath,
  operator: Operator,
  workOrder: WorkOrder.optional(),
  /** Required when the device ID already has a certificate in the ledger. */
  reissueReason: Label(500).optional(),
  /** Replace the device's certificate on purpose: `renew` (same key, in the renewal window) or `re-key` (a new key), with the reason (docs/lifecycle.md). */
  renewal: z.strictObject({ mode: z.enum(['renew', 're-key']), reason: Label(500) }).optional(),
});

export const ProvisionResult = z.object({
  runId: z.string(),
  deviceId: z.string(),
  serialHex: SerialHex,
  fingerprint: Sha256Hex,
  ledgerIndex: z.number().int().min(0),
  reissued: z.boolean(),
  /** A renewal: how, the serial it replaced, and whether that one was revoked or is left to expire. */
  renewal: z.object({ mode: z.enum(['renew', 're-key']), replaces: SerialHex, oldCertificate: z.enum(['revoked', 'expires']) }).optional(),
  durationMs: z.number().min(0),
  /** The driver the device was reached through. */
  driver: DriverName,
  ...RunProofs.shape,
});
export type ProvisionResult = z.output<typeof ProvisionResult>;

export const ShiftCounters = z.object({
  shiftStartedAt: Iso,
  issued: z.number().int().min(0),
  reissued: z.number().int().min(0),
  failed: z.number().int().min(0),
});
export type ShiftCounters = z.output<typeof ShiftCounters>;

export const AutoMode = z.object({
  enabled: z.boolean(),
  operator: z.string().nullable(),
  workOrder: z.string().nullable(),
});

/**
 * The station stopped because its ledger cannot be written: it signs and
 * serves nothing until the cause is fixed and `station.resume` reopens the
 * ledger. The UI shows it as a blocking alert.
 */
export const StationHalt = z.object({
  /** LEDGER_WRITE_FAILED. */
  code: z.string(),
  /** What failed: the file, the reason, what is on disk. */
  message: z.string().max(2000),
  /** What is true after the failure, one statement each: signed or not, recorded or not, open intents and the command that closes each. */
  statements: z.array(z.string().max(2000)).max(64),
  /** When the ledger stopped. */
  at: Iso,
});
export type StationHalt = z.output<typeof StationHalt>;

export const StationStatus = z.object({
  autoMode: AutoMode,
  counters: ShiftCounters,
  /** Ports with a provisioning run in progress. */
  busyPorts: z.array(z.string()),
  /** Set while the ledger cannot be written: nothing is signed or served. */
  halted: StationHalt.nullable(),
  /** The latest full verification of the ledger (running, passed or failed), if one has started. */
  ledgerCheck: LedgerVerification.nullable().optional(),
});
export type StationStatus = z.output<typeof StationStatus>;

export const stationMethods = {
  'station.status': { input: NoArg, output: StationStatus },
  /** Serial ports, optionally only those matching one of the USB IDs (defaults from settings). */
  'station.listPorts': {
    input: z.strictObject({
      filter: z.array(z.strictObject({ vendorId: UsbId, productId: UsbId.optional() })).max(32).optional(),
      /** Ignore the settings' default filter and list every port. */
      all: z.boolean().optional(),
    }).optional(),
    output: z.object({ ports: z.array(PortInfo) }),
  },
  /** Provision one device; progress arrives on `station.progress` with the returned runId. */
  'station.provision': { input: ProvisionRequest, output: ProvisionResult },
  /**
   * Auto mode: serve each matching port as it is plugged in, device after
   * device until it goes away (as `custodian provision --watch` does), and
   * `port` too if given: a fixture's adapter that stays plugged while devices
   * are swapped behind it.
   */
  'station.setAutoMode': {
    input: z.discriminatedUnion('enabled', [
      z.strictObject({ enabled: z.literal(true), operator: Operator, workOrder: WorkOrder.optional(), port: PortPath.optional() }),
      z.strictObject({ enabled: z.literal(false) }),
    ]),
    output: StationStatus,
  },
  /**
   * A port's driver: `custodian`, `nrf91`, or `auto` (probe). Remembered in
   * settings.drivers.byUsb by the port's USB vendor/product ID (`auto` forgets
   * it); a port without USB IDs (a simulated device, a built-in UART) keeps
   * the choice until the station restarts. Refused (API_BUSY) while the port
   * is being provisioned. Returns the port as station.listPorts now lists it.
   */
  'station.setPortDriver': {
    input: z.strictObject({ port: PortPath, driver: DriverChoice }),
    output: z.object({ port: PortInfo }),
  },
  /** Start a new shift: counters back to zero. */
  'station.resetCounters': { input: NoArg, output: ShiftCounters },
  /**
   * After a halt: reopen the ledger. Succeeds (halted: null) once the cause
   * is fixed; fails with LEDGER_WRITE_FAILED, the halt kept, while it is not.
   */
  'station.resume': { input: NoArg, output: StationStatus },
} as const;

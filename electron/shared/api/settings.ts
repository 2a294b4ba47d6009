/** `settings.*`: station settings, persisted as JSON in the station home. */
import { z } from 'zod';
import { LEAF_BACKDATE, LEAF_VALIDITY } from '../leaf-validity';
import { DRIVER_NAMES } from '../drivers';
import { NoArg } from './common';
import { UsbId } from './station';

/** Leaf certificate lifetime: what the device profile can issue, no more (the limit is named when refused). */
const LeafDays = z.number().int()
  .min(1, { message: 'must be at least 1 day' })
  .max(LEAF_VALIDITY.maxDays, { message: `must be at most ${LEAF_VALIDITY.maxDays} days (the device certificate profile's limit)` });
/** notBefore is backdated by this much to absorb device clock skew. */
const BackdateMinutes = z.number().int()
  .min(0, { message: 'must be 0 or more minutes' })
  .max(LEAF_BACKDATE.maxMinutes, { message: `must be at most ${LEAF_BACKDATE.maxMinutes} minutes` });

/** sec_tags above this are the modem's own. */
const SecTag = z.number().int().min(0).max(2_147_483_647, { message: 'must be at most 2147483647 (higher sec_tags are the modem\'s own)' });
const DeviceIdTemplate = z.string().min(1).max(64)
  .refine((t) => t.includes('{imei}') || t.includes('{uuid}'), { message: 'must name {imei} or {uuid}, or every modem gets the same ID' });
const FirmwareVersion = z.string().regex(/^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/, { message: 'must be a version like 1.3.0' });

/** Per-driver settings. */
const Nrf91Settings = z.object({
  secTag: SecTag,
  deviceIdTemplate: DeviceIdTemplate,
  /** `plain`: the Serial LTE Modem or at_client; `shell`: an nRF Connect SDK shell's `at` command. */
  mode: z.enum(['plain', 'shell']),
  minFirmware: FirmwareVersion,
});
/** A port's driver, remembered by its USB IDs (the app's port picker). */
const DriverByUsb = z.object({ vendorId: UsbId, productId: UsbId.optional(), driver: z.enum(DRIVER_NAMES) });

/** An absolute path (POSIX, or Windows with a drive or UNC prefix): the app and the CLI resolve nothing relative to where they run. */
const AbsolutePemPath = z.string().min(1).max(4096)
  .regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, { message: 'must be an absolute path' });
/**
 * The hub's TLS server roots installed into every device (electron/core/hub/trust-bundle.ts):
 * `azure` the bundle Custodian ships (resources/trust-anchors), `custom` the
 * station's own PEM files (1..16, each one or more CA certificates), `none` no anchors.
 */
const TrustAnchorsFields = {
  bundle: z.enum(['azure', 'custom', 'none']),
  pemFiles: z.array(AbsolutePemPath).max(16),
};
const trustAnchorsConsistent = (t: { bundle: string; pemFiles: string[] }): boolean => (t.bundle === 'custom') === (t.pemFiles.length > 0);
const trustAnchorsMessage = { message: 'pemFiles: list 1..16 PEM files with bundle "custom", and none otherwise', path: ['pemFiles'] };
const TrustAnchorsSetting = z.object(TrustAnchorsFields).refine(trustAnchorsConsistent, trustAnchorsMessage);

/**
 * Renewal: `renew` only in the certificate's last windowDays; the replaced
 * certificate revoked or left to expire. Absent = the issuance policy's defaults (station/policy.ts).
 */
const RenewalSetting = z.strictObject({ windowDays: z.number().int().min(1).max(LEAF_VALIDITY.maxDays), oldCertificate: z.enum(['revoke', 'expire']) });
/**
 * When runs must name a signed work order (docs/work-orders.md §Enforcement):
 * `per-ca` when the station's CA certificate states the requirement, `always`
 * on every run. A CA's requirement cannot be waived here.
 */
const WorkOrdersSetting = z.object({ require: z.enum(['per-ca', 'always']) });

export const Settings = z.object({
  /** The device-ID rule: an anchored regular expression every device ID must match. */
  deviceIdRule: z.object({
    pattern: z.string().min(1).max(256),
    /** Shown to operators next to the rule. */
    example: z.string().max(64),
  }),
  validity: z.object({ leafDays: LeafDays, backdateMinutes: BackdateMinutes }),
  /** Lock the CA after this many idle minutes; 0 = never (not recommended). */
  autoLockMinutes: z.number().int().min(0).max(24 * 60),
  sounds: z.boolean(),
  simulatorEnabled: z.boolean(),
  /** Default USB filter for station.listPorts and auto mode; empty = all ports. */
  usbFilter: z.array(z.object({ vendorId: UsbId, productId: UsbId.optional() })).max(32),
  drivers: z.object({ nrf91: Nrf91Settings, byUsb: z.array(DriverByUsb).max(64) }),
  trustAnchors: TrustAnchorsSetting,
  renewal: RenewalSetting.optional(),
  workOrders: WorkOrdersSetting,
});
export type Settings = z.output<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  deviceIdRule: { pattern: '^[a-z0-9][a-z0-9-]{2,62}$', example: 'dev-000123' },
  validity: { leafDays: LEAF_VALIDITY.defaultDays, backdateMinutes: LEAF_BACKDATE.defaultMinutes },
  autoLockMinutes: 15,
  sounds: true,
  simulatorEnabled: true,
  usbFilter: [],
  drivers: { nrf91: { secTag: 10, deviceIdTemplate: 'nrf-{imei}', mode: 'plain', minFirmware: '1.3.0' }, byUsb: [] },
  trustAnchors: { bundle: 'azure', pemFiles: [] },
  workOrders: { require: 'per-ca' },
};

export const SettingsPatch = z.strictObject({
  deviceIdRule: z.strictObject({ pattern: z.string().min(1).max(256), example: z.string().max(64) }).optional(),
  validity: z.strictObject({ leafDays: LeafDays, backdateMinutes: BackdateMinutes }).optional(),
  autoLockMinutes: z.number().int().min(0).max(24 * 60).optional(),
  sounds: z.boolean().optional(),
  simulatorEnabled: z.boolean().optional(),
  usbFilter: z.array(z.strictObject({ vendorId: UsbId, productId: UsbId.optional() })).max(32).optional(),
  drivers: z.strictObject({
    nrf91: z.strictObject({ secTag: SecTag, deviceIdTemplate: DeviceIdTemplate, mode: z.enum(['plain', 'shell']), minFirmware: FirmwareVersion }),
    byUsb: z.array(z.strictObject({ vendorId: UsbId, productId: UsbId.optional(), driver: z.enum(DRIVER_NAMES) })).max(64),
  }).optional(),
  trustAnchors: z.strictObject(TrustAnchorsFields).refine(trustAnchorsConsistent, trustAnchorsMessage).optional(),
  renewal: RenewalSetting.optional(),
  workOrders: z.strictObject({ require: z.enum(['per-ca', 'always']) }).optional(),
});

export const settingsMethods = {
  'settings.get': { input: NoArg, output: Settings },
  /** Merge the given fields; returns the saved settings. Bad regex → API_SETTINGS_INVALID. */
  'settings.update': { input: SettingsPatch, output: Settings },
} as const;

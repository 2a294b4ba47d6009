/** `settings.*`: station settings, persisted as JSON in the station home. */
import { z } from 'zod';
import { LEAF_BACKDATE, LEAF_VALIDITY } from '../leaf-validity';
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
});
export type Settings = z.output<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  deviceIdRule: { pattern: '^[a-z0-9][a-z0-9-]{2,62}$', example: 'dev-000123' },
  validity: { leafDays: LEAF_VALIDITY.defaultDays, backdateMinutes: LEAF_BACKDATE.defaultMinutes },
  autoLockMinutes: 15,
  sounds: true,
  simulatorEnabled: true,
  usbFilter: [],
};

export const SettingsPatch = z.strictObject({
  deviceIdRule: z.strictObject({ pattern: z.string().min(1).max(256), example: z.string().max(64) }).optional(),
  validity: z.strictObject({ leafDays: LeafDays, backdateMinutes: BackdateMinutes }).optional(),
  autoLockMinutes: z.number().int().min(0).max(24 * 60).optional(),
  sounds: z.boolean().optional(),
  simulatorEnabled: z.boolean().optional(),
  usbFilter: z.array(z.strictObject({ vendorId: UsbId, productId: UsbId.optional() })).max(32).optional(),
});

export const settingsMethods = {
  'settings.get': { input: NoArg, output: Settings },
  /** Merge the given fields; returns the saved settings. Bad regex → API_SETTINGS_INVALID. */
  'settings.update': { input: SettingsPatch, output: Settings },
} as const;

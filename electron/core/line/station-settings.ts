/**
 * Station settings persisted as JSON (`settings.json`) in the station home,
 * written atomically. The app edits them; the CLI and the app both provision
 * under the issuance policy they configure (station/policy.ts
 * issuancePolicyFromSettings). A value the station could not honour is
 * refused when it is saved, naming the limit.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CustodianError } from '../errors';
import { ApiCodes } from '../../shared/errors';
import { DEFAULT_SETTINGS, Settings, type SettingsPatch } from '../../shared/api/settings';
import type { z } from 'zod';

type Patch = z.output<typeof SettingsPatch>;

export class SettingsStore {
  private current: Settings = structuredClone(DEFAULT_SETTINGS);
  constructor(private readonly home: string) {}

  get file(): string { return join(this.home, 'settings.json'); }
  get value(): Settings { return structuredClone(this.current); }

  /** Missing file → defaults. Malformed file → defaults, and the file is kept aside as settings.json.bad. */
  async load(): Promise<Settings> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      this.current = structuredClone(DEFAULT_SETTINGS);
      return this.value;
    }
    try {
      const parsed = Settings.parse({ ...DEFAULT_SETTINGS, ...JSON.parse(text) });
      checkRule(parsed.deviceIdRule.pattern);
      this.current = parsed;
    } catch {
      await rename(this.file, `${this.file}.bad`).catch(() => undefined);
      this.current = structuredClone(DEFAULT_SETTINGS);
    }
    return this.value;
  }

  async update(patch: Patch): Promise<Settings> {
    const next: Settings = {
      ...this.current,
      ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
    } as Settings;
    const checked = Settings.safeParse(next);
    if (!checked.success) {
      const issues = checked.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
      throw new CustodianError(ApiCodes.SETTINGS_INVALID, `Not saved: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}.`, {
        fields: issues.map((i) => i.field),
        issues,
      });
    }
    checkRule(checked.data.deviceIdRule.pattern);
    if (!new RegExp(checked.data.deviceIdRule.pattern).test(checked.data.deviceIdRule.example) && checked.data.deviceIdRule.example !== '') {
      throw new CustodianError(ApiCodes.SETTINGS_INVALID, 'The example device ID does not match the device-ID rule.', { fields: ['deviceIdRule.example'] });
    }
    await mkdir(this.home, { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(checked.data, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.file);
    this.current = checked.data;
    return this.value;
  }
}

/** The device-ID rule must compile and be anchored at both ends. */
function checkRule(pattern: string): void {
  try {
    new RegExp(pattern);
  } catch {
    throw new CustodianError(ApiCodes.SETTINGS_INVALID, 'The device-ID rule is not a valid regular expression.', { fields: ['deviceIdRule.pattern'] });
  }
  if (!pattern.startsWith('^') || !pattern.endsWith('$')) {
    throw new CustodianError(ApiCodes.SETTINGS_INVALID, 'The device-ID rule must start with ^ and end with $.', { fields: ['deviceIdRule.pattern'] });
  }
}

/** The settings of the station at `home` (defaults where it has none). */
export async function loadStationSettings(home: string): Promise<Settings> {
  return new SettingsStore(home).load();
}

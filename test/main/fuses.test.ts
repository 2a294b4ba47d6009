import { describe, expect, it, vi } from 'vitest';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
// @ts-expect-error plain ESM hook without type declarations (electron-builder loads it directly)
import { afterPack, electronBinaryPath } from '../../build/after-pack.mjs';

const ctx = (platform: string) => ({
  appOutDir: '/tmp/out',
  electronPlatformName: platform,
  packager: { appInfo: { productFilename: 'Custodian' }, executableName: 'custodian' },
});

describe('afterPack fuses hook', () => {
  it('turns off RunAsNode, NODE_OPTIONS and --inspect, turns on cookie encryption, asar integrity and asar-only', async () => {
    const flip = vi.fn(async () => 0);
    await afterPack(ctx('linux'), flip);
    expect(flip).toHaveBeenCalledTimes(1);
    const [binary, config] = flip.mock.calls[0] as unknown as [string, Record<string | number, unknown>];
    expect(binary).toBe('/tmp/out/custodian');
    expect(config.version).toBe(FuseVersion.V1);
    expect(config[FuseV1Options.RunAsNode]).toBe(false);
    expect(config[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(config[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(config[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(config[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(config[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(config[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
  });

  it('targets the right binary per platform and resets the ad-hoc signature on macOS', async () => {
    expect(electronBinaryPath(ctx('win32'))).toBe('/tmp/out/Custodian.exe');
    expect(electronBinaryPath(ctx('darwin'))).toBe('/tmp/out/Custodian.app');
    const flip = vi.fn(async () => 0);
    await afterPack(ctx('darwin'), flip);
    expect((flip.mock.calls[0] as unknown as [string, { resetAdHocDarwinSignature: boolean }])[1].resetAdHocDarwinSignature).toBe(true);
  });

  it('is the afterPack hook of the electron-builder config, which packages out/ for every platform', async () => {
    const yml = await readFile(new URL('../../electron-builder.yml', import.meta.url), 'utf8');
    expect(yml).toMatch(/^afterPack: \.\/build\/after-pack\.mjs$/m);
    expect(yml).toMatch(/^appId: \S+/m);
    expect(yml).toMatch(/- out\/\*\*\/\*/);
    for (const t of ['AppImage, deb', 'nsis', 'dmg']) expect(yml).toContain(`target: [${t}]`);
    expect(yml).toMatch(/^asar: true$/m);
  });
});

describe('electron-builder.yml', () => {
  it("passes electron-builder's own configuration schema (and the check rejects a bad key)", async () => {
    const req = createRequire(import.meta.url);
    const { validateConfiguration } = req('app-builder-lib/out/util/config/config.js') as { validateConfiguration(c: unknown, l: unknown): Promise<void> };
    const { DebugLogger } = req('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    const yaml = req('js-yaml') as { load(s: string): Record<string, unknown> };
    const config = yaml.load(await readFile(new URL('../../electron-builder.yml', import.meta.url), 'utf8'));
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...config, notAnOption: true }, new DebugLogger(false))).rejects.toThrow();
  });
});

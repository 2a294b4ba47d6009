import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const req = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../..', import.meta.url));

interface IconResult { icons: { file: string; size: number }[]; isFallback: boolean }
const { convertIcon } = req('app-builder-lib/out/util/iconConverter.js') as {
  convertIcon(o: { sources: string[]; fallbackSources: string[]; roots: string[]; format: 'set'; outDir: string }): Promise<IconResult>;
};
const yaml = req('js-yaml') as { load(s: string): { icon?: string; directories?: { buildResources?: string } } };

describe('app icon (resources/)', () => {
  it('electron-builder resolves the configured icon to resources/icon.png, as it does for the Linux packages', async () => {
    const config = yaml.load(await readFile(join(root, 'electron-builder.yml'), 'utf8'));
    expect(config.icon).toBe('resources/icon.png');
    const out = mkdtempSync(join(tmpdir(), 'custodian-icon-'));
    try {
      // The same call electron-builder's platform packager makes: roots are buildResources, then the project.
      const result = await convertIcon({
        sources: [config.icon!], fallbackSources: [], format: 'set', outDir: out,
        roots: [resolve(root, config.directories?.buildResources ?? 'build'), root],
      });
      expect(result.isFallback).toBe(false);
      expect(result.icons.map((i) => i.file)).toEqual([join(root, 'resources/icon.png')]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('is a square RGBA PNG of 1024 px, large enough for the .icns (512) and .ico (256) conversions', async () => {
    const png = await readFile(join(root, 'resources/icon.png'));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1024, 1024]);
    expect(png[25]).toBe(6); // colour type 6: RGBA, so the corners stay transparent
  });

  it('keeps its source artwork beside it', async () => {
    const svg = await readFile(join(root, 'resources/icon.svg'), 'utf8');
    expect(svg).toMatch(/<svg[^>]*viewBox="0 0 1024 1024"/);
  });
});

/**
 * The renderer shows text from outside (subjects, device IDs, messages) only
 * through Vue's text interpolation: no component renders HTML from data.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../renderer/src/', import.meta.url));
const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));

describe('renderer sources', () => {
  it('never render HTML from data (v-html, innerHTML and the like)', () => {
    const sources = files(SRC).filter((f) => /\.(vue|ts)$/.test(f));
    expect(sources.length).toBeGreaterThan(10);
    const offenders = sources.filter((f) => /v-html|innerHTML|outerHTML|insertAdjacentHTML|document\.write/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

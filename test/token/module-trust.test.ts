/** A module path named from the app must be a root-owned library writable by no one else. */
import { chmodSync, copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertTrustedModule } from '../../electron/core/token/module-trust';

const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';
const reason = (path: string): string => {
  try {
    assertTrustedModule(path);
    return 'trusted';
  } catch (e) {
    return `${(e as { code: string }).code}: ${String((e as { details: { reason: string } }).details.reason)}`;
  }
};

describe('assertTrustedModule', () => {
  it("accepts Debian's SoftHSM2 module (root-owned, through its symlink)", () => {
    expect(reason(SOFTHSM)).toBe('trusted');
  });

  it('refuses a library a user could have written, a folder, and a missing path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'module-trust-'));
    const copy = join(dir, 'libsofthsm2.so');
    copyFileSync(SOFTHSM, copy);
    // Run as root the copy is root-owned, so its modes decide; run as a user, its owner does.
    chmodSync(copy, 0o775);
    expect(reason(copy)).toMatch(/^TOKEN_MODULE_UNTRUSTED: its file is (not owned by root|writable by group or others)/);
    chmodSync(copy, 0o755);
    chmodSync(dir, 0o777);
    expect(reason(copy)).toMatch(/^TOKEN_MODULE_UNTRUSTED: its (file is not owned by root|folder is writable by group or others)/);
    expect(reason('/usr/lib')).toBe('TOKEN_MODULE_UNTRUSTED: it is not a regular file');
    expect(reason('/nonexistent/libpkcs11.so')).toBe('TOKEN_MODULE_UNTRUSTED: it does not exist');
  });
});

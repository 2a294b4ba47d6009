/**
 * The C agent builds warning-free under gcc and clang (-Wall -Wextra
 * -Werror), the core's and the PSA Crypto port's unit tests pass (the
 * latter against the system mbedTLS), and its Cortex-M4 footprint stays
 * within the targets.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FLASH_TARGET, measureAgentSize, RAM_TARGET } from '../../scripts/agent-size';
import { AGENT_DIR } from '../support/device-agent';
import { IN_CI, make, missing } from './toolchain';

const header = (path: string, pkg: string): string | null => {
  if (existsSync(path)) return null;
  if (IN_CI) throw new Error(`${path} missing (apt-get install ${pkg}): required under CI`);
  console.warn(`skipping: ${path} missing (apt-get install ${pkg})`);
  return 'missing';
};

describe('device agent builds', () => {
  it('compiles warning-free with gcc -Wall -Wextra -Werror (-pedantic -Wconversion …)', () => {
    if (missing('gcc', 'gcc') || header('/usr/include/psa/crypto.h', 'libmbedtls-dev') || header('/usr/include/openssl/evp.h', 'libssl-dev')) return;
    const r = make('werror-gcc', AGENT_DIR);
    expect(r.status, r.output).toBe(0);
  });

  it('compiles warning-free with clang -Wall -Wextra -Werror', () => {
    if (missing('clang', 'clang') || header('/usr/include/psa/crypto.h', 'libmbedtls-dev') || header('/usr/include/openssl/evp.h', 'libssl-dev')) return;
    const r = make('werror-clang', AGENT_DIR);
    expect(r.status, r.output).toBe(0);
  });

  it('protocol core unit test (ASan, UBSan): check values, two links at once, the caller-clocked inter-byte timeout across a wrap', () => {
    if (missing('gcc', 'gcc')) return;
    const r = make('core-test', AGENT_DIR);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain('core-test: all checks passed');
  });

  it('PSA Crypto port: keys generated in PSA, SPKI, CSR and signatures verified by mbedTLS', () => {
    if (missing('gcc', 'gcc') || header('/usr/include/psa/crypto.h', 'libmbedtls-dev')) return;
    const r = make('psa-test', AGENT_DIR);
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain('psa-test: all checks passed');
  });

  it(`Cortex-M4 footprint: flash ≤ ${FLASH_TARGET} B, static RAM ≤ ${RAM_TARGET} B at a 4 KiB frame buffer`, () => {
    if (missing('arm-none-eabi-gcc', 'gcc-arm-none-eabi libnewlib-arm-none-eabi')) return;
    const s = measureAgentSize();
    expect(s.flash).toBeGreaterThan(1000);
    expect(s.flash).toBeLessThanOrEqual(FLASH_TARGET);
    expect(s.ram).toBeGreaterThan(2 * 4108);
    expect(s.ram).toBeLessThanOrEqual(RAM_TARGET);
  });
});

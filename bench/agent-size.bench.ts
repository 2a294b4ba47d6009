/**
 * The C device agent's footprint on a Cortex-M4 (scripts/agent-size.ts):
 * protocol core only, at a 4096-byte frame buffer. Not a timing: sizes are
 * the same on every machine with the same toolchain.
 */
import { FLASH_TARGET, measureAgentSize, RAM_TARGET } from '../scripts/agent-size';
import type { BenchReport } from './run';

export default async function agentSize(): Promise<BenchReport> {
  const s = measureAgentSize();
  return {
    name: 'device agent size (Cortex-M4, arm-none-eabi-gcc -Os, protocol core)',
    lines: [
      `flash ${s.flash} B  (text ${s.text} + rodata ${s.rodata} + data ${s.data})`,
      `RAM   ${s.ram} B  (data ${s.data} + bss ${s.bss}; includes 2 × ${s.maxPayload + 12} B frame buffers, 512 B CSR, 128 B SPKI)`,
    ],
    targets: [
      { label: `flash ${s.flash} B ≤ ${FLASH_TARGET} B`, met: s.flash <= FLASH_TARGET },
      { label: `RAM ${s.ram} B ≤ ${RAM_TARGET} B at a 4 KiB frame buffer`, met: s.ram <= RAM_TARGET },
    ],
  };
}

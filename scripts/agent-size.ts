/**
 * Size of the C device agent's protocol core on a Cortex-M4 (ports
 * excluded): `make -C device-agent size` links it with arm-none-eabi-gcc
 * -Os -mcpu=cortex-m4 -mthumb at a 4096-byte frame buffer, and
 * arm-none-eabi-size reports its sections. Flash is text + rodata + data
 * (initialised data is stored in flash too), static RAM is data + bss:
 * the agent context, the receive and reply buffers, the CSR and SPKI buffers.
 *
 *   npx tsx scripts/agent-size.ts
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const AGENT_DIR = fileURLToPath(new URL('../device-agent', import.meta.url));
export const FLASH_TARGET = 12 * 1024;
export const RAM_TARGET = 10 * 1024;

export interface AgentSize {
  text: number;
  rodata: number;
  data: number;
  bss: number;
  flash: number;
  ram: number;
  maxPayload: number;
}

export function measureAgentSize(): AgentSize {
  execFileSync('make', ['-s', '-C', AGENT_DIR, join('build', 'agent-m4.elf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const out = execFileSync('arm-none-eabi-size', ['-A', join(AGENT_DIR, 'build', 'agent-m4.elf')], { encoding: 'utf8' });
  const section = (name: string): number => Number(out.match(new RegExp(`^\\${name}\\s+(\\d+)`, 'm'))?.[1] ?? 0);
  const s = { text: section('.text'), rodata: section('.rodata'), data: section('.data'), bss: section('.bss') };
  return { ...s, flash: s.text + s.rodata + s.data, ram: s.data + s.bss, maxPayload: 4096 };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const s = measureAgentSize();
  console.log(`device agent, protocol core, Cortex-M4 -Os, ${s.maxPayload}-byte frame buffer`);
  console.log(`  flash ${s.flash} bytes (text ${s.text}, rodata ${s.rodata}, data ${s.data}); target ≤ ${FLASH_TARGET}`);
  console.log(`  RAM   ${s.ram} bytes (data ${s.data}, bss ${s.bss}); target ≤ ${RAM_TARGET}`);
  if (s.flash > FLASH_TARGET || s.ram > RAM_TARGET) process.exit(1);
}

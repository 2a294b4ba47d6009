/**
 * `custodian demo`: the newcomer's tour of the station's main job, with
 * nothing attached (electron/core/line/demo.ts does the work).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo, type DemoSummary } from '../../core/line/demo';
import { optInt, optString } from '../args';
import type { CliCommand } from '../types';

function render(s: DemoSummary): string[] {
  const lines = [
    '',
    '══ Demo summary ═══════════════════════════════════════════════',
    `  devices passed:     ${s.passed} of ${s.devices.length} (${s.transport === 'pty' ? 'on real socat ptys' : 'in-process links'})`,
    `  devices connected:  ${s.hub === 'mosquitto' ? `${s.connected} of ${s.passed} accepted by Mosquitto under their device ID` : 'not checked (mosquitto missing)'}`,
    `  ledger entries:     ${s.ledgerEntries} in ${s.files.ledger}`,
    `  chain:              Company-X → Factory-Y → Technician-Z (root: ${s.files.rootCertificate})`,
    `  station homes:      ${s.files.homes.companyX}, ${s.files.homes.factoryY}, ${s.files.homes.technicianZ}`,
    `  files exchanged:    ${s.files.handover}`,
    `  simulated devices:  ${s.files.devices}`,
    `  took:               ${(s.durationMs / 1000).toFixed(1)} s`,
  ];
  for (const d of s.devices.filter((x) => x.result === 'failed' || x.connected === false)) {
    lines.push(`  problem: ${d.deviceId} ${d.error ? `${d.error.code}: ${d.error.message}` : `hub: ${d.connectionError}`}`);
  }
  for (const i of s.install) lines.push(`  install: ${i}`);
  lines.push(`  try it:  custodian --home ${s.files.homes.technicianZ} ledger status`);
  return lines;
}

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'build a demo Company-X → Factory-Y → Technician-Z chain and provision simulated devices end to end',
  usage: '[--dir <folder>] [--devices N]',
  description: 'Runs in a fresh folder; nothing on this station is touched. The demo CA passphrase is "custodian-demo-passphrase".',
  options: {
    dir: { type: 'string', valueName: '<folder>', description: 'fresh folder for the demo (default: a new temp folder)' },
    devices: { type: 'string', valueName: 'N', description: 'how many simulated devices (default 3)' },
  },
  async run(ctx) {
    const dirOpt = optString(ctx, 'dir');
    const dir = dirOpt ? ctx.resolvePath(dirOpt) : mkdtempSync(join(tmpdir(), 'custodian-demo-'));
    const devices = optInt(ctx, 'devices', { min: 1, max: 50 }) ?? 3;
    ctx.info(`custodian demo in ${dir}`);
    const summary = await runDemo({ dir, devices, log: (l) => ctx.info(l) });
    return { data: summary, human: render(summary) };
  },
};

/**
 * A stand-in for the Azure CLI that the hand-over scripts run against. It
 * records each command line; parses options as argparse does (`--opt value`
 * or `--opt=value`, and refuses `--opt -x`: "expected one argument"); answers
 * certificate show (an etag) and generate-verification-code; and, given a
 * state file, models the hub's device registry and DPS enrollments: show of
 * a missing item fails, create of an existing one fails, update of a missing
 * one fails, and the IDs in AZ_FAIL fail on create/update (a service error).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const SCHEMA = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/azure/hub-handover-schema.json', import.meta.url)), 'utf8')) as {
  importDevices: { defaultBlobName: string; required: string[]; properties: Record<string, { enum?: string[]; type?: string; maxLength?: number; properties?: Record<string, { enum?: string[] }> }> };
  azCommands: { commands: Record<string, { words: string[]; required: string[]; oneOf?: string[][]; values?: Record<string, string>; fileOptions?: string[] }> };
};

export interface AzCall { cwd: string; argv: string[] }
export interface AzItem { status?: string; auth?: string; thumbprint?: string; certificate?: string }
export interface AzState { hub: Record<string, AzItem>; enrollments: Record<string, AzItem>; groups: Record<string, AzItem> }

const FAKE = `
const fs = require('fs');
const path = require('path');
const a = process.argv.slice(2);
fs.appendFileSync(process.env.AZ_LOG, JSON.stringify({ cwd: process.cwd(), argv: a }) + '\\n');
const opts = {};
for (let i = 0; i < a.length; i++) {
  const w = a[i];
  if (!w.startsWith('-')) continue;
  const eq = w.indexOf('=');
  if (eq > 0) { opts[w.slice(0, eq)] = w.slice(eq + 1); continue; }
  const v = a[i + 1];
  if (v === undefined || v.startsWith('-')) { console.error('az: error: argument ' + w + ': expected one argument'); process.exit(2); }
  opts[w] = v; i++;
}
const noun = a[2], verb = a[3];
if (noun === 'certificate') {
  if (verb === 'show') console.log('AAAAAAFPazE=');
  if (verb === 'generate-verification-code') console.log('A1B2C3D4E5F6');
  process.exit(0);
}
const file = process.env.AZ_STATE;
const table = { 'device-identity': 'hub', enrollment: 'enrollments', 'enrollment-group': 'groups' }[noun];
if (!file || !table) process.exit(0);
const st = JSON.parse(fs.readFileSync(file, 'utf8'));
const id = opts['--device-id'] ?? opts['--enrollment-id'];
const rec = st[table][id];
if (verb === 'show') {
  if (!rec) { console.error('ResourceNotFound: ' + id); process.exit(3); }
  console.log(JSON.stringify(rec)); process.exit(0);
}
if ((process.env.AZ_FAIL || '').split(',').includes(id)) { console.error('InternalServerError'); process.exit(1); }
if (verb === 'create' && rec) { console.error('Conflict: ' + id + ' exists'); process.exit(1); }
if (verb === 'update' && !rec) { console.error('ResourceNotFound: ' + id); process.exit(3); }
const fields = {
  status: opts['--status'] ?? opts['--provisioning-status'], auth: opts['--auth-method'], thumbprint: opts['--primary-thumbprint'],
  certificate: opts['--certificate-path'] && path.resolve(opts['--certificate-path']),
};
const next = { ...(rec || {}) };
for (const [k, v] of Object.entries(fields)) if (v !== undefined) next[k] = v;
st[table][id] = next;
fs.writeFileSync(file, JSON.stringify(st));
`;

/** Write the stand-in `az` into `dir`/fake-bin; returns that folder. */
export function fakeAz(dir: string): string {
  const bin = join(dir, 'fake-bin');
  if (!existsSync(bin)) mkdirSync(bin);
  writeFileSync(join(bin, 'az'), `#!${process.execPath}\n${FAKE}`);
  chmodSync(join(bin, 'az'), 0o755);
  return bin;
}

export interface ScriptRun { calls: AzCall[]; status: number; stdout: string; stderr: string; state?: AzState }

/** Run `script` of the export in `exportDir` from `cwd`, with the stand-in az first on PATH; `state` (a file) models the registry. */
export function runAzScript(bin: string, cwd: string, exportDir: string, script: string, args: string[] = [], env: Record<string, string> = {}, stateFile?: string): ScriptRun {
  const log = join(cwd, `az-${Math.random().toString(16).slice(2)}.log`);
  writeFileSync(log, '');
  const r = spawnSync('sh', [join(exportDir, script), ...args], {
    cwd, encoding: 'utf8',
    env: { PATH: `${bin}:/usr/bin:/bin`, AZ_LOG: log, HUB: 'hub-1', DPS: 'dps-1', RG: 'rg-1', ...(stateFile ? { AZ_STATE: stateFile } : {}), ...env },
  });
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AzCall);
  return { calls, status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, ...(stateFile ? { state: JSON.parse(readFileSync(stateFile, 'utf8')) as AzState } : {}) };
}

/** argparse's reading of a command line: `--opt value` and `--opt=value`. */
export function azOptions(argv: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (!w.startsWith('-')) continue;
    const eq = w.indexOf('=');
    if (eq > 0) m.set(w.slice(0, eq), w.slice(eq + 1));
    else { m.set(w, argv[i + 1]!); i++; }
  }
  return m;
}

/** The schema command a call is (words and fixed values), checked for its required options; the files it names, resolved. */
export function checkCall(call: AzCall): { name: string; files: string[]; opt: (o: string) => string | undefined } {
  const options = azOptions(call.argv);
  const opt = (o: string) => options.get(o);
  const entry = Object.entries(SCHEMA.azCommands.commands).find(([, s]) =>
    s.words.slice(1).every((w, i) => call.argv[i] === w) && Object.entries(s.values ?? {}).every(([o, v]) => opt(o) === v));
  expect(entry, `not a documented command: az ${call.argv.join(' ')}`).toBeDefined();
  const [name, spec] = entry!;
  for (const o of spec.required) expect(opt(o), `${name} lacks ${o}`).toBeTruthy();
  if (spec.oneOf) expect(spec.oneOf.filter((set) => set.every((o) => opt(o) !== undefined))).toHaveLength(1);
  const files = (spec.fileOptions ?? []).map(opt).filter((x): x is string => x !== undefined).map((p) => resolve(call.cwd, p));
  for (const p of files) expect(existsSync(p), `${name} names ${p}, which is not there`).toBe(true);
  return { name, files, opt };
}

export function emptyAzState(path: string): string {
  writeFileSync(path, JSON.stringify({ hub: {}, enrollments: {}, groups: {} } satisfies AzState));
  return path;
}

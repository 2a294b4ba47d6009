/**
 * Crash safety: a child appending in a loop is SIGKILLed at random moments
 * (>= 50 times). After every kill the ledger opens, verifies against its
 * signed checkpoint, and still holds every append the child saw acknowledged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ledger } from '../../electron/core/ledger';
import { tempDir } from './helpers';

const KILLS = 55;
const here = fileURLToPath(new URL('.', import.meta.url));
let childCmd: string[];
let bundleDir: string;

beforeAll(async () => {
  // Bundle the child once with esbuild (tsx's own dependency), so each restart is a plain `node` start.
  bundleDir = tempDir('crash-child-');
  const out = join(bundleDir, 'child.mjs');
  try {
    // Typed locally: esbuild is tsx's dependency, not ours (scripts/check-dependencies.ts).
    const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx'))('esbuild') as
      { build(options: Record<string, unknown>): Promise<unknown> };
    await esbuild.build({
      entryPoints: [join(here, 'crash-child.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22',
      outfile: out, logLevel: 'silent',
    });
    childCmd = [process.execPath, out];
  } catch {
    childCmd = [process.execPath, '--import', 'tsx', join(here, 'crash-child.ts')];
  }
});

afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

function runAndKill(dir: string, delayMs: number): Promise<{ acks: Map<number, string>; ready: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(childCmd[0]!, [...childCmd.slice(1), dir], { stdio: ['ignore', 'pipe', 'pipe'], cwd: join(here, '../..') });
    let buf = '';
    let err = '';
    let ready = -1;
    const acks = new Map<number, string>();
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const [w, a, b] = line.split(' ');
        if (w === 'ready') { ready = Number(a); setTimeout(() => child.kill('SIGKILL'), delayMs); }
        if (w === 'ack') acks.set(Number(a), b!);
      }
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited without being killed: ${err}`));
      else resolve({ acks, ready });
    });
  });
}

describe('crash safety', () => {
  it(`keeps every acknowledged append across ${KILLS} SIGKILLs at random moments`, async () => {
    const dir = join(tempDir('crash-'), 'ledger');
    Ledger.create({ dir, stationId: 'crash' }).close();
    const all = new Map<number, string>();
    let torn = 0;
    let killedMidStream = 0;
    let lastSize = 1;
    for (let k = 0; k < KILLS; k++) {
      const { acks, ready } = await runAndKill(dir, Math.floor(Math.random() * 100));
      expect(ready, `kill ${k}: child opened the ledger`).toBe(lastSize);
      for (const [i, h] of acks) all.set(i, h);
      if (acks.size > 0) killedMidStream++;
      const l = Ledger.open({ dir });
      try {
        if (l.openReport.tornTail) torn++;
        const maxAck = Math.max(-1, ...acks.keys());
        expect(l.size, `kill ${k}`).toBeGreaterThan(maxAck);
        expect(l.checkpoint.size).toBe(l.size);
        for (const [i, h] of acks) expect(createHash('sha256').update(l.entryBytes(i)).digest('hex'), `entry ${i}`).toBe(h);
        lastSize = l.size;
      } finally {
        l.close();
      }
    }
    const l = Ledger.open({ dir });
    for (const [i, h] of all) expect(createHash('sha256').update(l.entryBytes(i)).digest('hex')).toBe(h);
    expect(all.size).toBeGreaterThan(KILLS);
    l.close();
    // The kills must land while appends are in flight, not only before the loop starts.
    expect(killedMidStream).toBeGreaterThan(KILLS / 2);
    expect(torn, 'some kills tore an entry (the child writes in short chunks)').toBeGreaterThan(0);
    console.info(`crash test: ${KILLS} kills, ${killedMidStream} mid-stream, ${torn} torn tails cut, ${all.size} acknowledged entries kept`);
  }, 110_000);

  it('cuts a torn final entry, reports it, and keeps the acknowledged ones', () => {
    const dir = join(tempDir('torn-'), 'ledger');
    const l = Ledger.create({ dir, stationId: 'torn' });
    l.append('config', { key: 'a', value: 1, operator: 'op' });
    const size = l.size;
    l.close();
    const entries = join(dir, 'entries.jsonl');
    const before = statSync(entries).size;
    appendFileSync(entries, '{"t":"config","n":2,"at":"2026-');
    const again = Ledger.open({ dir });
    expect(again.openReport.tornTail).toMatchObject({ code: 'LEDGER_TORN_TAIL', details: { offset: before, bytes: 31 } });
    expect(again.size).toBe(size);
    expect(statSync(entries).size).toBe(before);
    again.append('config', { key: 'b', value: 2, operator: 'op' });
    again.close();
    expect(Ledger.open({ dir }).openReport.tornTail).toBeNull();
  });

  it('cuts a torn checkpoint-history line and keeps verifying', () => {
    const dir = join(tempDir('torn-'), 'ledger');
    Ledger.create({ dir, stationId: 'torn' }).close();
    appendFileSync(join(dir, 'checkpoints.jsonl'), '"custodian.station/torn\\n1\\n');
    const l = Ledger.open({ dir });
    expect(l.history()).toHaveLength(1);
    l.close();
  });

  it('a crash between the entry fsync and the checkpoint is repaired by signing on open', () => {
    const dir = join(tempDir('nocp-'), 'ledger');
    const l = Ledger.create({ dir, stationId: 'nocp' });
    const cp = readFileSync(join(dir, 'checkpoint'), 'utf8');
    const hist = readFileSync(join(dir, 'checkpoints.jsonl'), 'utf8');
    l.append('config', { key: 'a', value: 1, operator: 'op' });
    l.close();
    // Simulate the crash: the checkpoint write never happened.
    writeFileSync(join(dir, 'checkpoint'), cp);
    writeFileSync(join(dir, 'checkpoints.jsonl'), hist);
    const again = Ledger.open({ dir });
    expect(again.openReport.checkpointSize).toBe(1);
    expect(again.checkpoint.size).toBe(2);
    again.close();
  });
});

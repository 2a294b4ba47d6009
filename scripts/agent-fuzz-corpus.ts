/**
 * Regenerates device-agent/fuzz/corpus/: the bytes the station sent in real
 * `custodian provision` runs against the C agent (one at a 4096-byte buffer,
 * one at 256), as whole sessions and frame by frame. Each seed starts with
 * the fuzz target's configuration byte (device-agent/fuzz/agent_fuzz.c).
 *
 *   npx tsx scripts/agent-fuzz-corpus.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameParser, encodeFrame, type Frame } from '../electron/core/device/frame';
import { buildDemoChain } from '../electron/core/line/demo';
import { startAgent } from '../test/support/device-agent';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CORPUS = join(ROOT, 'device-agent', 'fuzz', 'corpus');
const PASS = 'corpus-passphrase';
/** Configuration byte: bits 0..1 pick the max payload (0: 4096, 2: 256), bit 2 announces identity at HELLO. */
const CONFIG = { 4096: 0x04, 256: 0x06 } as const;

const work = mkdtempSync(join(tmpdir(), 'agent-corpus-'));
try {
  const files = await buildDemoChain(join(work, 'pki'), PASS, () => undefined);
  mkdirSync(CORPUS, { recursive: true });
  for (const f of readdirSync(CORPUS)) rmSync(join(CORPUS, f));
  for (const maxPayload of [4096, 256] as const) {
    const capture = join(work, `capture-${maxPayload}.bin`);
    const agent = await startAgent({ deviceId: `corpus-${maxPayload}`, hardwareSerial: `HWCORPUS${maxPayload}`, maxPayload, capture });
    try {
      execFileSync(process.execPath, [join(ROOT, 'bin', 'custodian.js'), '--home', files.homes.technicianZ, 'provision', '--port', agent.path, '--operator', 'corpus'], {
        env: { ...process.env, CUSTODIAN_PASSPHRASE: PASS },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    } finally {
      await agent.stop();
    }
    const bytes = readFileSync(capture);
    const config = Uint8Array.of(CONFIG[maxPayload]);
    writeFileSync(join(CORPUS, `session-${maxPayload}.bin`), Buffer.concat([config, bytes]));
    const frames: Frame[] = [];
    const parser = new FrameParser({ interByteTimeoutMs: 0, onFrame: (f) => frames.push(f) });
    parser.push(bytes);
    parser.dispose();
    frames.forEach((f, i) => {
      const name = `frame-${maxPayload}-${String(i).padStart(2, '0')}-${f.type.toString(16).padStart(2, '0')}.bin`;
      writeFileSync(join(CORPUS, name), Buffer.concat([config, encodeFrame(f)]));
    });
    const records = frames.map((f) => Buffer.concat([Buffer.from([f.type, f.payload.length >> 8, f.payload.length & 0xff]), f.payload]));
    writeFileSync(join(CORPUS, `records-${maxPayload}.bin`), Buffer.concat([Uint8Array.of(CONFIG[maxPayload] | 0x80), ...records]));
    console.log(`${maxPayload}: ${bytes.length} bytes, ${frames.length} frames`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FrameParser, type Frame, type FrameDiagnostic } from '../../electron/core/device/frame';
import { ByteReader, CAPABILITY_BITS, Command, decodeBatch, DeviceError, RESPONSE_BIT, TYPE_ERROR, WriteTarget } from '../../electron/core/device/protocol';

const doc = readFileSync(new URL('../../docs/device-protocol.md', import.meta.url), 'utf8');
const examples = [...doc.matchAll(/`(a5 5a(?: [0-9a-f]{2})+)`/g)].map((m) => Uint8Array.from(Buffer.from(m[1]!.replace(/ /g, ''), 'hex')));

function decode(bytes: Uint8Array): { frames: Frame[]; diags: FrameDiagnostic[] } {
  const frames: Frame[] = [];
  const diags: FrameDiagnostic[] = [];
  new FrameParser({ interByteTimeoutMs: 0, onFrame: (f) => frames.push(f), onDiagnostic: (d) => diags.push(d) }).push(bytes);
  return { frames, diags };
}

describe('docs/device-protocol.md examples', () => {
  it('has the fifteen example frames', () => {
    expect(examples).toHaveLength(15);
  });

  it('every example is exactly one valid frame', () => {
    for (const ex of examples) {
      const { frames, diags } = decode(ex);
      expect(diags).toEqual([]);
      expect(frames).toHaveLength(1);
    }
  });

  it('examples mean what the prose says', () => {
    const f = examples.map((e) => decode(e).frames[0]!);
    expect(f[0]).toMatchObject({ type: Command.HELLO, requestId: 1 });
    expect([...f[0]!.payload]).toEqual([1, 1, 0x10, 0x00]); // the station announces 4096
    expect(f[1]!.type).toBe(Command.HELLO | RESPONSE_BIT);
    const hello = new ByteReader(f[1]!.payload);
    expect([hello.u8(), hello.u16(), hello.u32()]).toEqual([1, 512, 0x1a2b3c4d]);
    const id = new ByteReader(f[3]!.payload);
    expect([id.str8(), id.str8(), id.str8(), id.str8(), id.u8(), id.u16(), id.u16(), id.u8()]).toEqual(['dev-0001', 'HW01', 'm1', '1.0', 1, 0x1f, 512, 0]);
    expect(id.remaining).toBe(0);
    expect(f[8]).toMatchObject({ type: TYPE_ERROR, requestId: 6 });
    const err = new ByteReader(f[8]!.payload);
    expect([err.u8(), err.u16()]).toEqual([Command.GENERATE_KEY, DeviceError.LOCKED]);
    expect(f[11]).toMatchObject({ type: Command.COMMIT, requestId: 9, payload: Uint8Array.of(1) });
    expect(f[12]).toMatchObject({ type: Command.BATCH, requestId: 11 });
    const batch = decodeBatch(f[12]!.payload);
    expect(batch.map((e) => e.type)).toEqual([Command.IDENTIFY, Command.WRITE_END]);
    const guard = new ByteReader(batch[0]!.payload);
    expect([guard.str8(), guard.str8(), guard.remaining]).toEqual(['dev-0001', 'HW01', 0]);
    expect(f[13]).toMatchObject({ type: Command.BATCH | RESPONSE_BIT, requestId: 11 });
    const reply = decodeBatch(f[13]!.payload);
    expect(reply.map((e) => e.type)).toEqual([TYPE_ERROR]);
    const mismatch = new ByteReader(reply[0]!.payload);
    expect([mismatch.u8(), mismatch.u16()]).toEqual([Command.IDENTIFY, DeviceError.IDENTITY_MISMATCH]);
    expect(f[14]).toMatchObject({ type: Command.READ_CERTS, requestId: 12 });
    const anchors = new ByteReader(f[14]!.payload);
    expect([anchors.u8(), anchors.u32(), anchors.u16(), anchors.remaining]).toEqual([WriteTarget.TRUST_ANCHORS, 0, 507, 0]);
  });

  it('the revision 1.1 trust-anchor object is documented as the code has it (§4.2, §4.9)', () => {
    expect(CAPABILITY_BITS['trust-anchors']).toBe(1 << 6);
    expect(doc).toMatch(/6 trust-anchors \(target 0x02, revision 1\.1, §4\.9\)/);
    expect(doc).toContain(`| target | \`0x0${WriteTarget.TRUST_ANCHORS}\` in WRITE_BEGIN and READ_CERTS |`);
    expect(doc).toContain('### 4.9 Trust anchors (revision 1.1)');
  });
});

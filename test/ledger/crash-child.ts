/**
 * Crash-test child: appends to the ledger in `argv[2]` forever, printing
 * `ack <index> <sha256 of the stored entry>` after each append resolves. The
 * parent SIGKILLs it at random moments.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeSync } from 'node:fs';
import { Ledger } from '../../electron/core/ledger/ledger';
import { nodeIo } from '../../electron/core/ledger/files';

// Short, slow writes (at most 128 bytes per syscall, 1 ms apart) so that kills also land inside an entry and tear it.
const pause = new Int32Array(new SharedArrayBuffer(4));
const io = {
  ...nodeIo,
  writeSync: (fd: number, b: Uint8Array, o: number, l: number, p: number | null) => {
    const n = nodeIo.writeSync(fd, b, o, Math.min(l, 128), p);
    if (n < l) Atomics.wait(pause, 0, 0, 1);
    return n;
  },
};
const ledger = Ledger.open({ dir: process.argv[2]!, checkpointEvery: 8, io });
writeSync(1, `ready ${ledger.size}\n`);
const hex = (n: number) => randomBytes(n).toString('hex');
let seq = 0;
for (;;) {
  const intent = ledger.append('intent', {
    deviceId: `dev-${process.pid}-${seq}`, subject: `CN=dev-${process.pid}-${seq}`, serialHex: `1${hex(8)}`, spkiSha256: hex(32),
    issuerFingerprint: hex(32), profile: 'device-leaf', notBefore: '2026-01-01T00:00:00Z', notAfter: '2036-01-01T00:00:00Z', operator: 'op',
  }).index;
  const ack = (index: number) => writeSync(1, `ack ${index} ${createHash('sha256').update(ledger.entryBytes(index)).digest('hex')}\n`);
  ack(intent);
  ack(ledger.append('done', {
    intent, deviceId: `dev-${seq}`, serialHex: 'ab', issuerFingerprint: hex(32), certSha256: hex(32), cert: randomBytes(500).toString('base64'),
  }).index);
  ack(ledger.append('outcome', { intent, result: 'passed' }).index);
  if (seq % 5 === 0) ack(ledger.append('config', { key: 'k', value: seq, operator: 'op' }).index);
  seq++;
}

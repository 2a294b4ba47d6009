/**
 * `custodian provision` against the C agent on a socat pty, exactly as
 * test/cli/provision.test.ts provisions the simulator: PASS, OpenSSL
 * verifies what the agent stored (-x509_strict, to the demo root), and
 * Mosquitto accepts a mutual-TLS connection made with the agent's own key.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proveDeviceConnection } from '../../electron/core/hub/device-connection';
import { startMosquittoHub, type MosquittoHub } from '../../electron/core/hub/mosquitto-hub';
import { buildDemoChain } from '../../electron/core/line/demo';
import { toPem } from '../../electron/core/pki/index';
import { runBin } from '../cli/helpers';
import { startAgent, type AgentHandle } from '../support/device-agent';
import { openssl } from '../support/openssl';

const PASS = 'agent-provision-passphrase';
const W = mkdtempSync(join(tmpdir(), 'agent-provision-'));
const env = { CUSTODIAN_PASSPHRASE: PASS };
let files: Awaited<ReturnType<typeof buildDemoChain>>;
let hub: MosquittoHub;
const agents: AgentHandle[] = [];

const provision = (port: string, ...extra: string[]) => runBin(['--home', files.homes.technicianZ, 'provision', '--port', port, '--operator', 'ci', ...extra], { env });

beforeAll(async () => {
  files = await buildDemoChain(join(W, 'pki'), PASS, () => undefined);
  hub = await startMosquittoHub({ rootCaPem: readFileSync(files.rootCertificate, 'utf8') });
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await hub?.stop();
});

describe('custodian provision against the C device agent (socat pty)', () => {
  for (const maxPayload of [4096, 256]) {
    it(`provisions the agent end to end at a ${maxPayload}-byte buffer; OpenSSL verifies its store strictly, Mosquitto accepts its key`, async () => {
      const deviceId = `agent-line-${maxPayload}`;
      const agent = await startAgent({ deviceId, hardwareSerial: `HWAG${maxPayload}`, maxPayload });
      agents.push(agent);
      const r = await provision(agent.path, '--json');
      expect(r.status, r.stderr + r.stdout).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ result: 'passed', deviceId, how: 'signed' });
      expect(agent.locked()).toBe(true);

      const dir = mkdtempSync(join(W, `${deviceId}-`));
      const creds = agent.tlsCredentials();
      writeFileSync(join(dir, 'leaf.pem'), toPem(agent.leaf()!, 'CERTIFICATE'));
      writeFileSync(join(dir, 'chain.pem'), creds.chainPem.join(''));
      expect(creds.chainPem).toHaveLength(2);
      const v = openssl(['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', files.rootCertificate, '-untrusted', join(dir, 'chain.pem'), join(dir, 'leaf.pem')]);
      expect(v.stdout + v.stderr).toContain(': OK');
      expect(v.code).toBe(0);
      // The default trust bundle (Azure's two roots) went into the agent's store as well.
      writeFileSync(join(dir, 'anchors.pem'), creds.caPem);
      expect(openssl(['crl2pkcs7', '-nocrl', '-certfile', join(dir, 'anchors.pem')]).code).toBe(0);
      expect(creds.caPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);

      const proof = await proveDeviceConnection(hub, deviceId, { keyPem: creds.keyPem, certificateChainPem: creds.fullChainPem });
      expect(proof.identitySeenByHub).toBe(deviceId);

      // A repeat visit is recognised from the read-back: nothing signed.
      const again = await provision(agent.path);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stderr).toMatch(new RegExp(`PASS\\s+${deviceId}`));
      expect(again.stderr).toContain('already provisioned, nothing signed');
    });
  }
});

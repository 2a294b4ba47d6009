/**
 * A station for work-order enforcement tests: Company-X root → Factory-Y,
 * Factory-Y's CA with or without the work-order requirement (the certificate
 * policy), a work-order signer under the root, orders imported into the
 * station home, simulated devices in process, the real ledger.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Authority } from '../../electron/core/authority/index';
import { isCustodianError } from '../../electron/core/errors';
import { connectInProcess } from '../../electron/core/device/connect';
import type { DeviceClient } from '../../electron/core/device/client';
import { startStationSession, stationLedger, type StationLedger, type StationSession } from '../../electron/core/line/index';
import { generateKeyPair, issueCertificate, Oid } from '../../electron/core/pki/index';
import { startSimulator, type SimulatorHandle } from '../../electron/core/simulator/index';
import { admitWorkOrder, WorkOrderStore, type WorkOrderInput } from '../../electron/core/workorder/index';
import { DEFAULT_SETTINGS, type Settings } from '../../electron/shared/api/settings';
import { hierarchy, NOW, order, sign, type Hierarchy, type Party } from './fixtures';

const DAY = 86_400_000;

export interface EnforcingStation {
  h: Hierarchy;
  /** The station's CA (Factory-Y), with the requirement when asked for. */
  ca: Party;
  home: string;
  ledger: StationLedger;
  session: StationSession;
  /** Sign `over` as a work order for this station and import it (as `work-order import` keeps it). */
  importOrder(over?: Partial<WorkOrderInput>): Promise<void>;
  /** A fresh simulated device with this ID (and hardware serial), connected. */
  device(deviceId: string, hardwareSerial?: string): Promise<DeviceClient>;
  close(): Promise<void>;
}

export async function enforcingStation(o: { requireOnCa: boolean; settings?: Partial<Settings> }): Promise<EnforcingStation> {
  const h = await hierarchy();
  const k = await generateKeyPair('P-256', { extractable: false });
  const cert = await issueCertificate({
    profile: 'intermediateCa', commonName: 'Factory-Y', subjectPublicKey: k.publicKey, issuer: { certificate: h.x.cert.der, privateKey: h.x.key },
    notBefore: new Date(NOW.getTime() - 60_000), days: 365, now: NOW, pathLen: 0, ...(o.requireOnCa ? { policies: [Oid.workOrdersRequired] } : {}),
  });
  const ca: Party = { cert, key: k.privateKey };
  const home = mkdtempSync(join(tmpdir(), 'wo-station-'));
  const ledger = stationLedger(home, { stationId: 'factory-y-line-1', idleCheckpointMs: 0 });
  const issuer = { certificate: cert.der, privateKey: k.privateKey, caChain: [cert.der, h.x.cert.der] };
  const authority = { issuer: () => issuer } as unknown as Authority;
  const session = startStationSession({ authority, ledger, settings: { ...DEFAULT_SETTINGS, ...o.settings }, home, stationId: 'factory-y-line-1' });
  const sims: SimulatorHandle[] = [];
  const clients: DeviceClient[] = [];
  return {
    h, ca, home, ledger, session,
    async importOrder(over = {}) {
      const wo = order(h, { for: { caFingerprints: [cert.fingerprintSha256] }, ...over });
      const cms = await sign(wo, h.signer);
      // Kept as import keeps it; an order outside its window is kept too, for the station's own refusal to be seen.
      try {
        admitWorkOrder(cms, { root: h.x.cert.der, caChain: [cert.der, h.x.cert.der], stationId: 'factory-y-line-1' }, new Date());
      } catch (e) {
        if (!isCustodianError(e, 'WORK_ORDER_EXPIRED') && !isCustodianError(e, 'WORK_ORDER_NOT_YET_VALID')) throw e;
      }
      new WorkOrderStore(home).save(wo, cms);
    },
    async device(deviceId, hardwareSerial) {
      const sim = await startSimulator({ stateDir: mkdtempSync(join(home, 'dev-')), identity: { deviceId, ...(hardwareSerial ? { hardwareSerial } : {}) }, emulateWireTime: false });
      sims.push(sim);
      const c = await connectInProcess(sim);
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) await c.close().catch(() => undefined);
      await Promise.all(sims.map((s) => s.stop().catch(() => undefined)));
      ledger.close();
    },
  };
}

export const window = (fromDays: number, toDays: number) => ({
  notBefore: new Date(Date.now() + fromDays * DAY).toISOString(),
  notAfter: new Date(Date.now() + toDays * DAY).toISOString(),
});

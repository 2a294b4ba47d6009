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
import { admitWorkOrder, openEnvelope, parseWorkOrderJson, WorkOrderStore, type WorkOrderInput } from '../../electron/core/workorder/index';
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
  /** Sign `over` as a work order for this station and import it (as `work-order import` keeps it); the signed file. */
  importOrder(over?: Partial<WorkOrderInput>): Promise<Uint8Array>;
  /** Import a signed order made elsewhere. */
  importSigned(cms: Uint8Array): void;
  /** A fresh simulated device with this ID (and hardware serial), connected. */
  device(deviceId: string, hardwareSerial?: string): Promise<DeviceClient>;
  close(): Promise<void>;
}

export async function enforcingStation(o: { requireOnCa: boolean; settings?: Partial<Settings>; hierarchy?: Hierarchy; stationId?: string }): Promise<EnforcingStation> {
  const stationId = o.stationId ?? 'factory-y-line-1';
  const h = o.hierarchy ?? await hierarchy();
  const k = await generateKeyPair('P-256', { extractable: false });
  const cert = await issueCertificate({
    profile: 'intermediateCa', commonName: 'Factory-Y', subjectPublicKey: k.publicKey, issuer: { certificate: h.x.cert.der, privateKey: h.x.key },
    notBefore: new Date(NOW.getTime() - 60_000), days: 365, now: NOW, pathLen: 0, ...(o.requireOnCa ? { policies: [Oid.workOrdersRequired] } : {}),
  });
  const ca: Party = { cert, key: k.privateKey };
  const home = mkdtempSync(join(tmpdir(), 'wo-station-'));
  const ledger = stationLedger(home, { stationId, idleCheckpointMs: 0 });
  const issuer = { certificate: cert.der, privateKey: k.privateKey, caChain: [cert.der, h.x.cert.der] };
  const authority = { issuer: () => issuer } as unknown as Authority;
  const session = startStationSession({ authority, ledger, settings: { ...DEFAULT_SETTINGS, ...o.settings }, home, stationId });
  const sims: SimulatorHandle[] = [];
  const clients: DeviceClient[] = [];
  const importSigned = (cms: Uint8Array): void => {
    // Kept as import keeps it; an order outside its window is kept too, for the station's own refusal to be seen.
    let wo;
    try {
      wo = admitWorkOrder(cms, { root: h.x.cert.der, caChain: [cert.der, h.x.cert.der], stationId }, new Date()).order;
    } catch (e) {
      if (!isCustodianError(e, 'WORK_ORDER_EXPIRED') && !isCustodianError(e, 'WORK_ORDER_NOT_YET_VALID')) throw e;
      wo = parseWorkOrderJson(openEnvelope(cms).content);
    }
    new WorkOrderStore(home).save(wo, cms);
  };
  return {
    h, ca, home, ledger, session, importSigned,
    async importOrder(over = {}) {
      const cms = await sign(order(h, { for: { caFingerprints: [cert.fingerprintSha256] }, ...over }), h.signer);
      importSigned(cms);
      return cms;
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

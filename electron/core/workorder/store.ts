/**
 * Imported work orders under `<home>/work-orders/`: one `<id>.cms` per order,
 * kept exactly as signed, so the file stays the evidence an outside tool can
 * verify again. Written atomically; read back with the bounded reader.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { INPUT_LIMITS, readBoundedSync } from '../bounded-read';
import { CustodianError } from '../errors';
import { bytesEqual } from '../pki/bytes';
import { writeFileAtomic } from '../vault/index';
import { WorkOrderCodes } from './codes';
import { openEnvelope } from './envelope';
import { parseWorkOrderJson, WORK_ORDER_ID_PATTERN, type WorkOrder } from './work-order';

export interface StoredWorkOrder {
  order: WorkOrder;
  path: string;
  signer: string;
  signingTime: Date | null;
}

export class WorkOrderStore {
  readonly dir: string;
  constructor(home: string) { this.dir = join(home, 'work-orders'); }

  #path(id: string): string {
    if (!WORK_ORDER_ID_PATTERN.test(id)) throw new CustodianError(WorkOrderCodes.BAD_INPUT, 'a work-order ID is 1–64 letters, digits, dots, dashes or underscores', { id });
    return join(this.dir, `${id}.cms`);
  }

  #read(path: string): Uint8Array {
    return readBoundedSync(path, { limit: INPUT_LIMITS.workOrder, what: 'stored work order', regularOnly: true });
  }

  /** Keep an admitted order; the same file again is a no-op, another file under the same ID is WORK_ORDER_ID_CONFLICT. */
  save(order: WorkOrder, cms: Uint8Array): { path: string; alreadyImported: boolean } {
    const path = this.#path(order.id);
    if (existsSync(path)) {
      if (bytesEqual(this.#read(path), cms)) return { path, alreadyImported: true };
      throw new CustodianError(WorkOrderCodes.ID_CONFLICT, `another work order with ID ${order.id} is already imported (${path})`, { id: order.id, path });
    }
    writeFileAtomic(path, cms, { mode: 0o644, overwrite: false, dirMode: 0o755 });
    return { path, alreadyImported: false };
  }

  #load(path: string): StoredWorkOrder {
    const env = openEnvelope(this.#read(path));
    return { order: parseWorkOrderJson(env.content), path, signer: env.signer.subject, signingTime: env.signingTime };
  }

  /** WORK_ORDER_NOT_FOUND unless an order with `id` was imported. */
  get(id: string): StoredWorkOrder {
    const path = this.#path(id);
    if (!existsSync(path)) throw new CustodianError(WorkOrderCodes.NOT_FOUND, `no work order ${id} is imported on this station`, { id });
    return this.#load(path);
  }

  /** The signed file of an imported order, exactly as kept (WORK_ORDER_NOT_FOUND). */
  bytes(id: string): Uint8Array {
    const path = this.#path(id);
    if (!existsSync(path)) throw new CustodianError(WorkOrderCodes.NOT_FOUND, `no work order ${id} is imported on this station`, { id });
    return this.#read(path);
  }

  /** Every imported order, by ID. */
  list(): StoredWorkOrder[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((n) => n.endsWith('.cms')).sort().map((n) => this.#load(join(this.dir, n)));
  }
}

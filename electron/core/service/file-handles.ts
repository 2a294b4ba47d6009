/**
 * One-use, expiring handles for files the user picked in a platform dialog.
 * The renderer only ever holds the opaque handle; the path stays here.
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { CustodianError } from '../errors';
import { ApiCodes } from '../../shared/errors';
import type { FilePurpose } from '../../shared/api/common';

export type PickMode = 'open' | 'save' | 'directory';

/** The platform's file dialogs (Electron `dialog` in the app, a scripted picker in tests). */
export interface FilePicker {
  open(o: { purpose: FilePurpose }): Promise<string | null>;
  save(o: { purpose: FilePurpose; suggestedName: string }): Promise<string | null>;
  directory(o: { purpose: FilePurpose }): Promise<string | null>;
}

interface Entry { path: string; purpose: FilePurpose; mode: PickMode; expires: number }

const TTL_MS = 15 * 60_000;

export class FileHandles {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly picker: FilePicker, private readonly now: () => number = Date.now) {}

  async pick(mode: PickMode, purpose: FilePurpose, suggestedName = 'custodian-export'):
    Promise<{ canceled: true } | { canceled: false; handle: string; name: string }> {
    const path = mode === 'open' ? await this.picker.open({ purpose })
      : mode === 'save' ? await this.picker.save({ purpose, suggestedName })
        : await this.picker.directory({ purpose });
    if (!path) return { canceled: true };
    this.sweep();
    const handle = `fh_${randomBytes(18).toString('base64url')}`;
    this.entries.set(handle, { path, purpose, mode, expires: this.now() + TTL_MS });
    return { canceled: false, handle, name: basename(path) };
  }

  /** Consume a handle: it must exist, be unexpired, of this mode and (unless 'any') this purpose. */
  take(handle: string, mode: PickMode, purposes: readonly FilePurpose[]): string {
    const e = this.entries.get(handle);
    this.entries.delete(handle);
    if (!e || e.expires < this.now() || e.mode !== mode || (e.purpose !== 'any' && !purposes.includes(e.purpose))) {
      throw new CustodianError(ApiCodes.FILE_HANDLE_INVALID, 'The chosen file is no longer available. Choose the file again.', { mode });
    }
    return e.path;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, e] of this.entries) if (e.expires < t) this.entries.delete(k);
  }
}

/**
 * The renderer's only door to the station: `window.custodian`, typed by the
 * shared contract (electron/shared). Nothing here computes anything the core
 * owns; it only unwraps results and turns failures into plain words.
 */
import type { CustodianApi } from '../../electron/shared/api';
import { ApiCallError, describeError, fixFor, unwrap } from '../../electron/shared/errors';
import type { ApiResult } from '../../electron/shared/errors';
import type { FilePurpose } from '../../electron/shared/api/common';
import { escapeUnsafe } from '../../electron/shared/unsafe-text';

export { ApiCallError };

/** The bridge, or a typed API_NOT_AVAILABLE failure when the preload is missing. */
export function station(): CustodianApi {
  const api = (globalThis as { custodian?: CustodianApi }).custodian;
  if (!api) {
    throw new ApiCallError({ code: 'API_NOT_AVAILABLE', message: 'The station bridge is not loaded.', details: {} });
  }
  return api;
}

/** Await a station call: the value, or a thrown ApiCallError. */
export function call<T>(result: Promise<ApiResult<T>>): Promise<T> {
  return unwrap(result);
}

/** A failure as the UI shows it: what happened, what to do, and the code for support. */
export interface UserError {
  code: string;
  /** The station's own sentence about this failure (specific: names the device, the field…). */
  what: string;
  /** The code's plain-language message from the contract table: what happened and what to do next. */
  fix: string;
}

const STACK_LINE = /\n\s+at\s|\bat\s+\S+\s+\(.*:\d+:\d+\)/;

export function toUserError(e: unknown): UserError {
  if (e instanceof ApiCallError) {
    const fix = escapeUnsafe(fixFor(e.code, e.details));
    // The station's sentence may quote a device or a file: shown with control and format characters escaped.
    const what = e.message && !STACK_LINE.test(e.message) ? escapeUnsafe(e.message, { keepLineBreaks: true }) : fix;
    return { code: e.code, what, fix };
  }
  // Anything else is a bug or a broken bridge: never show its text or stack.
  return { code: 'INTERNAL', what: describeError('INTERNAL'), fix: describeError('INTERNAL') };
}

export type PickKind = 'open' | 'save' | 'directory';
export interface PickedFile { handle: string; name: string }

/**
 * files.open / files.save / files.pickDirectory: the platform picker runs in the
 * main process and hands back an opaque one-use handle (never a path), or null
 * when the user cancels.
 */
export async function pickFile(kind: PickKind, purpose: FilePurpose, suggestedName = 'custodian.pem'): Promise<PickedFile | null> {
  const files = station().files;
  const r = await call(
    kind === 'open' ? files.open({ purpose }) : kind === 'save' ? files.save({ purpose, suggestedName }) : files.pickDirectory({ purpose }),
  );
  return r.canceled ? null : { handle: r.handle, name: r.name };
}

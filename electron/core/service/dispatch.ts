/**
 * The one place where an untrusted call meets the station core.
 *
 *   name ─▶ known method? ─▶ argument schema ─▶ service ─▶ result schema ─▶ key scan ─▶ ApiResult
 *
 * Invalid names and arguments are refused before the service is reached.
 * Results are parsed again (unknown fields are stripped) and a result that
 * still mentions a private key is withheld. Errors become `{code, message,
 * details}`: a CustodianError keeps its code, message and details; anything
 * else becomes INTERNAL with a fixed message (no stack, no internal text).
 *
 * Shared by the Electron IPC handlers (electron/main) and the HTTP test bridge,
 * so both transports behave identically.
 */
import { CustodianError, isCustodianError } from '../errors';
import {
  ApiCodes, EVENTS, METHODS, describeError, isMethodName,
  type ApiError, type ApiResult, type EventName, type EventPayload, type MethodArg, type MethodName, type MethodOutput,
} from '../../shared/api';

/** What a transport calls: one async function per method, typed by the contract. */
export type StationApiImpl = { [M in MethodName]: (arg: MethodArg<M>) => Promise<MethodOutput<M>> };

/** Matches PEM private keys (PKCS#1/#8, EC, encrypted, OpenSSH) and JWK private members. */
const KEY_MATERIAL = /PRIVATE KEY|BEGIN ENCRYPTED|"d"\s*:\s*"[A-Za-z0-9_-]{20,}/;

/** Called for every refused or failed call (station log). Never receives secrets: arguments are not passed. */
export type DispatchLogger = (entry: { method: string; code: string; internal?: unknown }) => void;

export interface DispatchOptions {
  log?: DispatchLogger;
}

export function apiError(code: string, details: Record<string, unknown> = {}, message = describeError(code)): ApiError {
  return { code, message, details };
}

/** Map anything thrown to the public error shape. */
export function toApiError(e: unknown): ApiError {
  if (isCustodianError(e)) {
    return { code: e.code, message: e.message || describeError(e.code), details: safeDetails(e.details) };
  }
  return apiError(ApiCodes.INTERNAL);
}

/** Details must be plain JSON and must not carry key material; otherwise they are dropped. */
function safeDetails(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  try {
    const json = JSON.stringify(details ?? {});
    if (KEY_MATERIAL.test(json)) return {};
    const parsed: unknown = JSON.parse(json);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Schema issues without the offending values (an argument may be a passphrase). */
function issuesOf(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string }> }) {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

export async function dispatch(impl: StationApiImpl, method: unknown, arg: unknown, opts: DispatchOptions = {}): Promise<ApiResult<unknown>> {
  const name = typeof method === 'string' ? method.slice(0, 80) : '?';
  if (!isMethodName(method)) {
    opts.log?.({ method: name, code: ApiCodes.UNKNOWN_METHOD });
    return { ok: false, error: apiError(ApiCodes.UNKNOWN_METHOD, { method: name }) };
  }
  const def = METHODS[method];
  const parsedArg = def.input.safeParse(arg);
  if (!parsedArg.success) {
    opts.log?.({ method, code: ApiCodes.INVALID_ARGUMENT });
    const issues = issuesOf(parsedArg.error);
    // The schema's own words name the field and its limit (never the value).
    const message = `${describeError(ApiCodes.INVALID_ARGUMENT)} ${issues.slice(0, 3).map((i) => `${i.path || 'argument'}: ${i.message}`).join('; ')}`;
    return { ok: false, error: apiError(ApiCodes.INVALID_ARGUMENT, { method, issues }, message) };
  }
  let raw: unknown;
  try {
    const fn = impl[method] as (a: unknown) => Promise<unknown>;
    raw = await fn.call(impl, parsedArg.data);
  } catch (e) {
    const error = toApiError(e);
    opts.log?.({ method, code: error.code, internal: isCustodianError(e) ? undefined : e });
    return { ok: false, error };
  }
  const parsedResult = def.output.safeParse(raw);
  if (!parsedResult.success) {
    opts.log?.({ method, code: ApiCodes.INVALID_RESULT, internal: issuesOf(parsedResult.error) });
    return { ok: false, error: apiError(ApiCodes.INVALID_RESULT, { method }) };
  }
  if (containsKeyMaterial(parsedResult.data)) {
    opts.log?.({ method, code: ApiCodes.INVALID_RESULT, internal: 'result mentioned key material' });
    return { ok: false, error: apiError(ApiCodes.INVALID_RESULT, { method }) };
  }
  return { ok: true, value: parsedResult.data };
}

export function containsKeyMaterial(value: unknown): boolean {
  let json: string;
  try {
    json = JSON.stringify(value) ?? '';
  } catch {
    return true; // unserialisable results are never sent
  }
  return KEY_MATERIAL.test(json);
}

/**
 * Validate an event payload before a transport pushes it. Returns the parsed
 * payload, or null (the event is dropped) when it does not fit its schema.
 */
export function checkEvent<E extends EventName>(event: E, payload: unknown): EventPayload<E> | null {
  const parsed = EVENTS[event].safeParse(payload);
  if (!parsed.success || containsKeyMaterial(parsed.data)) return null;
  return parsed.data as EventPayload<E>;
}

export { CustodianError };

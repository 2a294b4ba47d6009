/**
 * The PKCS#11 module as process-wide state with one owner: a module is
 * loaded and C_Initialize'd once per path, shared by every token session of
 * the process, and finalised when the last one is released. The native
 * binding is required on first use only, so nothing that never touches a
 * token loads it (and the renderer never can: it imports no core module).
 */
import { createRequire } from 'node:module';
import { CustodianError } from '../errors';
import { TokenCodes } from './codes';
import type * as Pkcs11Js from 'pkcs11js';

export type Pkcs11Binding = typeof Pkcs11Js;
export type Pkcs11 = InstanceType<Pkcs11Binding['PKCS11']>;

let binding: Pkcs11Binding | null = null;

export function pkcs11Binding(): Pkcs11Binding {
  if (binding) return binding;
  try {
    binding = createRequire(import.meta.url)('pkcs11js') as Pkcs11Binding;
  } catch (e) {
    throw new CustodianError(TokenCodes.BINDING_UNAVAILABLE, 'the PKCS#11 binding (pkcs11js) is not available in this installation', { reason: (e as Error).message }, { cause: e });
  }
  return binding;
}

interface Loaded { lib: Pkcs11; refs: number }
const loaded = new Map<string, Loaded>();

/** The initialised module at `path`; pair every call with releaseModule. */
export function acquireModule(path: string): Pkcs11 {
  const have = loaded.get(path);
  if (have) {
    have.refs++;
    return have.lib;
  }
  const b = pkcs11Binding();
  const lib = new b.PKCS11();
  try {
    lib.load(path);
  } catch (e) {
    throw new CustodianError(TokenCodes.MODULE_UNAVAILABLE, `the PKCS#11 module ${path} could not be loaded`, { modulePath: path, reason: (e as Error).message }, { cause: e });
  }
  try {
    lib.C_Initialize({ flags: b.CKF_OS_LOCKING_OK });
  } catch (e) {
    // Another library in this process may have initialised the module already.
    if ((e as { code?: number }).code !== b.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      try { lib.close(); } catch { /* nothing to undo */ }
      throw new CustodianError(TokenCodes.MODULE_UNAVAILABLE, `the PKCS#11 module ${path} could not be initialised`, { modulePath: path, reason: (e as Error).message }, { cause: e });
    }
  }
  loaded.set(path, { lib, refs: 1 });
  return lib;
}

export function releaseModule(path: string): void {
  const have = loaded.get(path);
  if (!have) return;
  if (--have.refs > 0) return;
  loaded.delete(path);
  try { have.lib.C_Finalize(); } catch { /* the token may be gone already */ }
  try { have.lib.close(); } catch { /* idem */ }
}

// electron-builder afterPack hook: flip Electron's fuses on the packaged binary
// before it is signed. Referenced from electron-builder.yml (afterPack).
//
//   RunAsNode                             off  (ELECTRON_RUN_AS_NODE cannot turn the app into node)
//   EnableNodeOptionsEnvironmentVariable  off  (NODE_OPTIONS cannot inject code)
//   EnableNodeCliInspectArguments         off  (--inspect cannot attach a debugger)
//   EnableCookieEncryption                on
//   EnableEmbeddedAsarIntegrityValidation on   (app.asar must match its header hash)
//   OnlyLoadAppFromAsar                   on   (no app/ folder side-loading)
//   GrantFileProtocolExtraPrivileges      off  (we serve the UI from app://, not file://)
import { join } from 'node:path';
import { flipFuses as realFlipFuses, FuseV1Options, FuseVersion } from '@electron/fuses';

/** The fuse configuration applied to every packaged build. */
export const FUSES = {
  version: FuseVersion.V1,
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
};

/**
 * Path of the Electron executable inside an electron-builder output folder.
 * @param {{ appOutDir: string, electronPlatformName: string, packager: { appInfo: { productFilename: string }, executableName?: string } }} context
 */
export function electronBinaryPath(context) {
  const name = context.packager.appInfo.productFilename;
  switch (context.electronPlatformName) {
    case 'darwin':
    case 'mas':
      return join(context.appOutDir, `${name}.app`);
    case 'win32':
      return join(context.appOutDir, `${name}.exe`);
    default:
      return join(context.appOutDir, context.packager.executableName ?? name.toLowerCase());
  }
}

/**
 * @param {Parameters<typeof electronBinaryPath>[0]} context electron-builder AfterPackContext
 * @param {typeof realFlipFuses} [flipFuses] injectable for tests
 */
export async function afterPack(context, flipFuses = realFlipFuses) {
  const mac = context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas';
  await flipFuses(electronBinaryPath(context), {
    ...FUSES,
    // arm64 macOS refuses to run a binary whose ad-hoc signature no longer matches
    resetAdHocDarwinSignature: mac,
  });
}

export default afterPack;

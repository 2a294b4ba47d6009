/** Platform services for the station service, backed by Electron's dialog and Notification. */
import { dialog, Notification, type BrowserWindow } from 'electron';
import type { FilePicker } from '../core/service/file-handles';
import type { FilePurpose } from '../shared/api/common';

const FILTERS: Record<FilePurpose, Electron.FileFilter[]> = {
  csr: [{ name: 'Certificate request', extensions: ['csr', 'pem', 'der', 'req'] }],
  bundle: [{ name: 'Certificate bundle', extensions: ['pem', 'crt', 'cer'] }],
  certificate: [{ name: 'Certificate', extensions: ['pem', 'crt', 'cer'] }],
  chain: [{ name: 'Certificate chain', extensions: ['pem', 'crt'] }],
  key: [{ name: 'Private key (PEM)', extensions: ['pem', 'key'] }],
  'audit-bundle': [],
  proof: [{ name: 'Ledger proof', extensions: ['json', 'txt'] }],
  'work-order': [{ name: 'Signed work order', extensions: ['cms', 'p7m', 'der'] }],
  any: [],
};

export function electronFilePicker(getWindow: () => BrowserWindow | null): FilePicker {
  const parent = () => getWindow() ?? undefined;
  return {
    async open({ purpose }) {
      const opts: Electron.OpenDialogOptions = { properties: ['openFile'], filters: FILTERS[purpose] };
      const w = parent();
      const r = w ? await dialog.showOpenDialog(w, opts) : await dialog.showOpenDialog(opts);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    async save({ purpose, suggestedName }) {
      const opts: Electron.SaveDialogOptions = { defaultPath: suggestedName, filters: FILTERS[purpose] };
      const w = parent();
      const r = w ? await dialog.showSaveDialog(w, opts) : await dialog.showSaveDialog(opts);
      return r.canceled ? null : (r.filePath ?? null);
    },
    async directory() {
      const opts: Electron.OpenDialogOptions = { properties: ['openDirectory', 'createDirectory'] };
      const w = parent();
      const r = w ? await dialog.showOpenDialog(w, opts) : await dialog.showOpenDialog(opts);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
  };
}

export function notify(title: string, body: string): void {
  if (Notification.isSupported()) new Notification({ title, body, silent: true }).show();
}

/**
 * Every IPC message is checked for its sender (Electron security checklist:
 * "Validate the sender of all IPC messages"): it must come from the main
 * frame of the station window, showing a page of the app's own origin.
 */
import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { isAppUrl } from './security.main';

export type SenderCheck = (event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>) => boolean;

export function makeSenderCheck(getWindowContents: () => WebContents | null, appOrigin: string): SenderCheck {
  return (event) => {
    const contents = getWindowContents();
    const frame = event.senderFrame;
    if (!contents || !frame || contents.isDestroyed()) return false;
    if (event.sender !== contents) return false;
    if (frame !== contents.mainFrame) return false;
    return isAppUrl(frame.url, appOrigin);
  };
}

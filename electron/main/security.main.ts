/**
 * Window and session hardening (Electron security checklist): isolated,
 * sandboxed renderer without Node; strict CSP; no navigation, no new windows,
 * no webviews, no permissions.
 */
import type { Session, WebContents } from 'electron';

/** The only origin the packaged app loads from (see protocol.main.ts). */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://custodian`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** Content-Security-Policy for the renderer. Dev adds what Vite's HMR needs (inline styles, websocket). */
export function contentSecurityPolicy(dev: boolean, devOrigin?: string): string {
  const ws = devOrigin ? devOrigin.replace(/^http/, 'ws') : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    dev ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    dev ? `connect-src 'self' ${ws}`.trim() : "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "object-src 'none'",
    "worker-src 'none'",
  ].join('; ');
}

/** True when `url` is the app's own page (same origin and, for the app scheme, its entry document). */
export function isAppUrl(url: string, appOrigin: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const expected = new URL(appOrigin);
  if (u.protocol !== expected.protocol || u.host !== expected.host) return false;
  return u.username === '' && u.password === '';
}

/** Navigation and window-opening rules for every WebContents the app creates. */
export function hardenWebContents(contents: WebContents, appOrigin: string): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, appOrigin)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url, appOrigin)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Deny every permission; add the CSP header to every response (dev server included). */
export function hardenSession(session: Session, csp: string): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [csp],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
}

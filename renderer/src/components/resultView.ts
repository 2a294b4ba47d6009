/** What the full-area verdict screen shows. */
export interface ResultView {
  passed: boolean;
  deviceId?: string;
  /** What happened, in plain words. */
  reason?: string;
  /** What the operator should do next. */
  fix?: string;
  /** Stable error code, shown small for support. */
  code?: string;
  /** Extra line for a pass (e.g. certificate serial). */
  detail?: string;
}

/**
 * Pure geometry for a fixed-row-height virtual list that may hold more rows
 * than a browser can lay out (Chromium caps an element near 33.5 million px).
 * The scroll spacer is clamped to MAX_SPACER_PX and the scroll position is
 * mapped proportionally onto "row space", so the top of the scrollbar is the
 * first row and the bottom of the scrollbar is exactly the last row.
 */
export const MAX_SPACER_PX = 8_000_000;

export interface WindowInput {
  count: number;
  rowHeight: number;
  viewportHeight: number;
  scrollTop: number;
  /** Extra rows rendered above and below the viewport. */
  overscan?: number;
}

export interface WindowOutput {
  /** First rendered row (inclusive). */
  start: number;
  /** Last rendered row (exclusive). */
  end: number;
  /** Height of the scroll spacer in px. */
  spacerHeight: number;
  /** translateY in px for the rendered block, relative to the spacer top. */
  offsetY: number;
}

export function spacerHeight(count: number, rowHeight: number): number {
  return Math.min(count * rowHeight, MAX_SPACER_PX);
}

/** Row-space position (px from the first row's top) at the viewport top. */
function rowSpaceTop(i: WindowInput): number {
  const total = i.count * i.rowHeight;
  const spacer = spacerHeight(i.count, i.rowHeight);
  const scrollable = spacer - i.viewportHeight;
  const rowScrollable = total - i.viewportHeight;
  if (scrollable <= 0 || rowScrollable <= 0) return 0;
  const frac = Math.min(1, Math.max(0, i.scrollTop / scrollable));
  return frac * rowScrollable;
}

export function computeWindow(i: WindowInput): WindowOutput {
  const overscan = i.overscan ?? 4;
  const spacer = spacerHeight(i.count, i.rowHeight);
  if (i.count <= 0) return { start: 0, end: 0, spacerHeight: 0, offsetY: 0 };
  const top = rowSpaceTop(i);
  const first = Math.floor(top / i.rowHeight);
  const visible = Math.ceil(i.viewportHeight / i.rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(i.count, first + visible + overscan);
  // Where row `start` sits in spacer coordinates: the viewport top is at
  // scrollTop, and row `first` begins (top - first*rowHeight) px above it.
  const offsetY = Math.max(0, i.scrollTop - (top - start * i.rowHeight));
  return { start, end, spacerHeight: spacer, offsetY };
}

/** scrollTop that brings row `index` fully into view (minimal movement). */
export function scrollTopFor(index: number, i: WindowInput): number {
  const total = i.count * i.rowHeight;
  const spacer = spacerHeight(i.count, i.rowHeight);
  const scrollable = spacer - i.viewportHeight;
  const rowScrollable = total - i.viewportHeight;
  if (scrollable <= 0 || rowScrollable <= 0) return 0;
  const top = rowSpaceTop(i);
  const rowTop = index * i.rowHeight;
  let target = top;
  if (rowTop < top) target = rowTop;
  else if (rowTop + i.rowHeight > top + i.viewportHeight) target = rowTop + i.rowHeight - i.viewportHeight;
  else return i.scrollTop;
  target = Math.min(rowScrollable, Math.max(0, target));
  return (target / rowScrollable) * scrollable;
}

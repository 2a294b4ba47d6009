import { onBeforeUnmount, onMounted } from 'vue';

/**
 * Window-level keyboard shortcuts for the lifetime of the calling component.
 * Keys use KeyboardEvent.key names ('F2', 'Enter', 'Escape'), letters in lower
 * case ('r' also fires for Shift+R or Caps Lock), 'Ctrl+' prefixed when held.
 * A handler that returns false lets the event through (e.g. Enter in a field).
 */
export type HotkeyHandler = (e: KeyboardEvent) => boolean | void;

export function useHotkeys(map: Record<string, HotkeyHandler>): void {
  const onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.altKey || e.metaKey) return;
    const key = (e.ctrlKey ? 'Ctrl+' : '') + (e.key.length === 1 ? e.key.toLowerCase() : e.key);
    const handler = map[key];
    if (!handler) return;
    if (handler(e) !== false) e.preventDefault();
  };
  onMounted(() => window.addEventListener('keydown', onKey));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey));
}

/** True when the event comes from a control that consumes typing itself. */
export function isTypingTarget(e: Event): boolean {
  const t = e.target as HTMLElement | null;
  if (!t || !t.tagName) return false;
  return t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || (t.tagName === 'INPUT' && (t as HTMLInputElement).type !== 'checkbox');
}

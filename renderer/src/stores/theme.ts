/**
 * Light/dark theme. "system" follows prefers-color-scheme; an explicit choice
 * is stored locally (a display preference, not station configuration) and set
 * as <html data-theme>, which the stylesheet lets win over the media query.
 */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'custodian.theme';

function stored(): ThemeChoice {
  try {
    const v = globalThis.localStorage?.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export const useThemeStore = defineStore('theme', () => {
  const choice = ref<ThemeChoice>(stored());

  function apply(c: ThemeChoice) {
    const root = globalThis.document?.documentElement;
    if (!root) return;
    if (c === 'system') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', c);
  }

  /** The theme actually showing now. */
  function effective(): 'light' | 'dark' {
    if (choice.value !== 'system') return choice.value;
    return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }

  /** Flip between light and dark (leaving "system" for an explicit choice). */
  function toggle() {
    choice.value = effective() === 'dark' ? 'light' : 'dark';
  }

  watch(choice, (c) => {
    apply(c);
    try {
      if (c === 'system') globalThis.localStorage?.removeItem(KEY);
      else globalThis.localStorage?.setItem(KEY, c);
    } catch {
      // Storage unavailable: the choice still applies for this session.
    }
  }, { immediate: true });

  return { choice, effective, toggle };
});

// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { h } from 'vue';
import VirtualList from '../../renderer/src/components/VirtualList.vue';
import { computeWindow, scrollTopFor, MAX_SPACER_PX } from '../../renderer/src/composables/virtualWindow';

const N = 1_000_000;
const ROW = 28;
const VIEW = 560;

describe('virtual window geometry', () => {
  it('renders a screenful, not the whole list, and clamps the spacer below browser limits', () => {
    const w = computeWindow({ count: N, rowHeight: ROW, viewportHeight: VIEW, scrollTop: 0 });
    expect(w.start).toBe(0);
    expect(w.end - w.start).toBeLessThan(40);
    expect(w.spacerHeight).toBe(MAX_SPACER_PX);
    expect(N * ROW).toBeGreaterThan(MAX_SPACER_PX);
  });

  it('shows the last row exactly at the bottom when scrolled to the end', () => {
    const scrollTop = MAX_SPACER_PX - VIEW;
    const w = computeWindow({ count: N, rowHeight: ROW, viewportHeight: VIEW, scrollTop });
    expect(w.end).toBe(N);
    // Bottom of the last rendered row sits at the bottom of the viewport.
    expect(w.offsetY + (w.end - w.start) * ROW).toBeCloseTo(scrollTop + VIEW, 6);
  });

  it('maps a row to a scroll position that brings it into view', () => {
    for (const target of [0, 1, 123_456, N / 2, N - 1]) {
      const scrollTop = scrollTopFor(target, { count: N, rowHeight: ROW, viewportHeight: VIEW, scrollTop: 0 });
      const w = computeWindow({ count: N, rowHeight: ROW, viewportHeight: VIEW, scrollTop });
      const rowTop = w.offsetY + (target - w.start) * ROW;
      expect(target).toBeGreaterThanOrEqual(w.start);
      expect(target).toBeLessThan(w.end);
      expect(rowTop).toBeGreaterThanOrEqual(scrollTop - 1e-6);
      expect(rowTop + ROW).toBeLessThanOrEqual(scrollTop + VIEW + 1e-6);
    }
  });

  it('is a plain list when everything fits', () => {
    const w = computeWindow({ count: 5, rowHeight: ROW, viewportHeight: VIEW, scrollTop: 0 });
    expect([w.start, w.end, w.spacerHeight, w.offsetY]).toEqual([0, 5, 5 * ROW, 0]);
  });
});

describe('VirtualList', () => {
  it('puts only the visible rows of a million in the DOM and asks for their range', () => {
    const w = mount(VirtualList, {
      props: { count: N, rowHeight: ROW, selected: null, label: 'entries' },
      slots: { row: ({ index }: { index: number }) => h('span', { class: 'cell' }, `row ${index}`) },
    });
    const rows = w.findAll('.vrow');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(50);
    expect(rows[0]?.text()).toBe('row 0');
    expect(w.emitted('range')?.[0]).toEqual([0, rows.length]);
  });

  it('moves the selection with the keyboard: End selects the last entry, Enter opens it', async () => {
    const w = mount(VirtualList, {
      props: { count: N, rowHeight: ROW, selected: 10, label: 'entries' },
      slots: { row: ({ index }: { index: number }) => h('span', `row ${index}`) },
    });
    const list = w.get('[data-testid="vlist"]');
    await list.trigger('keydown', { key: 'ArrowDown' });
    await list.trigger('keydown', { key: 'End' });
    await list.trigger('keydown', { key: 'Home' });
    expect(w.emitted('select')).toEqual([[11], [N - 1], [0]]);
    await list.trigger('keydown', { key: 'Enter' });
    expect(w.emitted('open')).toEqual([[10]]);
  });
});

import { createRouter, createWebHashHistory } from 'vue-router';
import type { Router } from 'vue-router';
import StationView from './views/StationView.vue';
import AuthorityView from './views/AuthorityView.vue';
import LedgerView from './views/LedgerView.vue';
import SettingsView from './views/SettingsView.vue';
import FirstRunView from './views/FirstRunView.vue';
import LineView from './views/LineView.vue';
import WorkOrdersView from './views/WorkOrdersView.vue';
import { useAppStore } from './stores/app';

/** Views in navigation order; Ctrl+1…6 jump to them. */
export const NAV = [
  { path: '/station', name: 'station', title: 'Station' },
  { path: '/authority', name: 'authority', title: 'Authority' },
  { path: '/ledger', name: 'ledger', title: 'Ledger' },
  { path: '/settings', name: 'settings', title: 'Settings' },
  { path: '/line', name: 'line', title: 'Line' },
  { path: '/work-orders', name: 'work-orders', title: 'Work orders' },
] as const;

export function createAppRouter(): Router {
  const router = createRouter({
    // Hash history: the renderer is loaded from file:// in the app.
    history: createWebHashHistory(),
    routes: [
      { path: '/', name: 'home', redirect: '/station' },
      { path: '/station', name: 'station', component: StationView },
      { path: '/authority', name: 'authority', component: AuthorityView },
      { path: '/ledger', name: 'ledger', component: LedgerView },
      { path: '/settings', name: 'settings', component: SettingsView },
      { path: '/line', name: 'line', component: LineView },
      { path: '/work-orders', name: 'work-orders', component: WorkOrdersView },
      { path: '/welcome', name: 'welcome', component: FirstRunView },
      { path: '/:rest(.*)', redirect: '/station' },
    ],
  });

  // First run: with no authority configured, the app opens on the welcome
  // guide instead of the Station (other views stay reachable by link).
  let checked = false;
  router.beforeEach(async (to) => {
    if (checked) return true;
    checked = true;
    const status = await useAppStore().load();
    if (status?.firstRun && (to.name === 'home' || to.name === 'station')) return { name: 'welcome' };
    return true;
  });
  return router;
}

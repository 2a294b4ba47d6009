/** `app.*`: what the shell needs before anything else (first run, versions). */
import { z } from 'zod';
import { NoArg } from './common';

export const AppStatus = z.object({
  version: z.string(),
  /** True until an authority exists in the station home: the UI shows the first-run guide. */
  firstRun: z.boolean(),
  authorityConfigured: z.boolean(),
  /** The simulator can be used (installed and enabled in settings). */
  simulatorAvailable: z.boolean(),
  platform: z.enum(['linux', 'darwin', 'win32', 'other']),
  /** Which optional areas are wired in this build (others answer API_NOT_AVAILABLE). */
  features: z.object({
    authority: z.boolean(),
    station: z.boolean(),
    ledger: z.boolean(),
    simulator: z.boolean(),
  }),
});
export type AppStatus = z.output<typeof AppStatus>;

export const appMethods = {
  'app.status': { input: NoArg, output: AppStatus },
} as const;

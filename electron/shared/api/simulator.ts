/** `simulator.*`: simulated devices on ptys, for demos and first-run practice. */
import { z } from 'zod';
import { NoArg } from './common';

export const SimulatedDevice = z.object({
  id: z.string(),
  /** The pty path to provision, e.g. /dev/pts/7. */
  port: z.string(),
  deviceId: z.string(),
  model: z.string(),
});
export type SimulatedDevice = z.output<typeof SimulatedDevice>;

export const SimulatorStatus = z.object({ enabled: z.boolean(), devices: z.array(SimulatedDevice) });

export const simulatorMethods = {
  'simulator.status': { input: NoArg, output: SimulatorStatus },
  'simulator.start': {
    input: z.strictObject({
      deviceId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
      model: z.string().regex(/^[A-Za-z0-9._ -]{1,64}$/).optional(),
    }).optional(),
    output: SimulatedDevice,
  },
  'simulator.stop': { input: z.strictObject({ id: z.string().min(1).max(64) }), output: SimulatorStatus },
} as const;

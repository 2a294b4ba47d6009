/**
 * `files.*`: platform file pickers (Electron `dialog` in the app, a scripted
 * picker in the test bridge). The renderer never sees or sends a path: it gets
 * an opaque one-use handle and passes it to the ceremony or export that reads
 * or writes the file.
 */
import { z } from 'zod';
import { FileHandle, FilePurpose } from './common';

export const PickResult = z.discriminatedUnion('canceled', [
  z.object({ canceled: z.literal(true) }),
  z.object({ canceled: z.literal(false), handle: FileHandle, name: z.string() }),
]);
export type PickResult = z.output<typeof PickResult>;

export const filesMethods = {
  'files.open': { input: z.strictObject({ purpose: FilePurpose }), output: PickResult },
  'files.save': {
    input: z.strictObject({ purpose: FilePurpose, suggestedName: z.string().regex(/^[A-Za-z0-9._ -]{1,128}$/) }),
    output: PickResult,
  },
  'files.pickDirectory': { input: z.strictObject({ purpose: FilePurpose }), output: PickResult },
} as const;

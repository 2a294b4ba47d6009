/**
 * node:sqlite, loaded in one place. Node 22 marks it experimental and prints
 * an ExperimentalWarning when it is first loaded; that warning is for
 * developers, not for operators reading the CLI's stderr or the app's log,
 * so exactly that one warning is filtered out while the module loads.
 */
import type { DatabaseSync } from 'node:sqlite';

let sqlite: typeof import('node:sqlite') | null = null;

function load(): typeof import('node:sqlite') {
  if (sqlite) return sqlite;
  const emit = process.emitWarning;
  process.emitWarning = function filtered(this: NodeJS.Process, warning: string | Error, ...rest: unknown[]): void {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/^SQLite is an experimental feature/.test(text)) return;
    (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    sqlite = process.getBuiltinModule('node:sqlite');
  } finally {
    process.emitWarning = emit;
  }
  return sqlite;
}

export function openDatabase(path: string): DatabaseSync {
  return new (load().DatabaseSync)(path);
}

export type { DatabaseSync, StatementSync } from 'node:sqlite';

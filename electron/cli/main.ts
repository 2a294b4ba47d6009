/**
 * `custodian` entry point (loaded by bin/custodian.js through tsx).
 * All logic is in run.ts so tests can drive the CLI in-process too.
 */
import { nodeIo, runCli } from './run';

process.exitCode = await runCli(process.argv.slice(2), nodeIo());

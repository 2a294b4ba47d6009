#!/usr/bin/env node
// The CLI runs the TypeScript core directly under Node through tsx, so the
// station, the CLI and the tests all execute the very same sources.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`custodian: Node ${process.versions.node} is too old; Node >= 22.12 is required.\n`);
  process.exit(70);
}
const { register } = await import('tsx/esm/api');
register();
await import('../electron/cli/main.ts');

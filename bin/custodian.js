#!/usr/bin/env node
// The CLI runs the TypeScript core directly under Node through tsx, so the
// station, the CLI and the tests all execute the very same sources.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(`custodian: Node ${process.versions.node} is too old; Node >= 22.12 is required.\n${nodeHint()}`);
  process.exit(70);
}
const { register } = await import('tsx/esm/api');
register();
await import('../electron/cli/main.ts');

/** How to get a suitable Node: on Linux, the npm registry's Node 22 build, as .ci/run bootstraps it. */
function nodeHint() {
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  if (process.platform !== 'linux' || !arch) return 'Install Node 22.12 or later and put it first on PATH.\n';
  const pkg = `node-linux-${arch}`;
  const dir = '$HOME/.cache/custodian/node22';
  return [
    `Get Node 22 into ${dir} (as .ci/run does) and put it first on PATH:`,
    `  mkdir -p "${dir}" && (cd "${dir}" && npm pack --silent ${pkg}@22 && tar xzf ${pkg}-22.*.tgz && rm ${pkg}-22.*.tgz) && export PATH="${dir}/package/bin:$PATH"`,
    `In a new shell, run the export again: export PATH="${dir}/package/bin:$PATH"`,
    '',
  ].join('\n');
}

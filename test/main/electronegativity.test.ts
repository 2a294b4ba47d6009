import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { blockedRequests, judge, loadJustifications, scan, type Finding } from '../../scripts/electronegativity';

const f = (id: string, file: string, severityValue: number): Finding =>
  ({ id, file, line: 1, severity: ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH'][severityValue]!, severityValue, confidence: 'FIRM', description: '' });

describe('electronegativity gate', () => {
  it('fails on unjustified MEDIUM+ findings, ignores LOW, and flags stale justifications', () => {
    const findings = [f('SANDBOX_JS_CHECK', 'a.ts', 2), f('CSP_GLOBAL_CHECK', 'b.html', 1), f('PRELOAD_JS_CHECK', 'c.ts', 2)];
    const r = judge(findings, [
      { id: 'PRELOAD_JS_CHECK', file: 'c.ts', reason: 'reviewed: exposes named functions only' },
      { id: 'NODE_INTEGRATION_JS_CHECK', file: 'gone.ts', reason: 'code that no longer exists here' },
    ]);
    expect(r.failing.map((x) => x.id)).toEqual(['SANDBOX_JS_CHECK']);
    expect(r.justified.map((x) => x.id)).toEqual(['PRELOAD_JS_CHECK']);
    expect(r.stale.map((x) => x.file)).toEqual(['gone.ts']);
  });

  it('detects an insecure window offline (the scanner really runs, the network is never used)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'custodian-en-fixture-'));
    try {
      mkdirSync(join(root, 'electron'));
      writeFileSync(join(root, 'electron', 'main.js'), [
        "const { BrowserWindow } = require('electron');",
        "new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });",
      ].join('\n'));
      const { findings } = await scan(['electron'], root);
      const ids = findings.filter((x) => x.severityValue >= 2).map((x) => x.id);
      expect(ids).toEqual(expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK', 'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK']));
      expect(blockedRequests.length).toBeGreaterThan(0); // it tried the translation download and was refused
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('the app itself has no unjustified MEDIUM+ finding and no stale justification', async () => {
    const { findings, parseErrors } = await scan();
    const r = judge(findings, loadJustifications());
    expect(parseErrors).toEqual([]);
    expect(r.failing).toEqual([]);
    expect(r.stale).toEqual([]);
  });
});

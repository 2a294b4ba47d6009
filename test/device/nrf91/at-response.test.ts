import { describe, expect, it } from 'vitest';
import { classifyLine, commandPrefixes, linePrefix, splitCommand } from '../../../electron/core/device/nrf91/at-response';

describe('classifyLine', () => {
  it('final results', () => {
    expect(classifyLine('OK', ['+CGSN'])).toEqual({ kind: 'ok' });
    expect(classifyLine('ERROR', ['+CGSN'])).toEqual({ kind: 'error' });
    expect(classifyLine('+CME ERROR: 513', ['%CMNG'])).toEqual({ kind: 'cme', code: 513 });
    expect(classifyLine('+CMS ERROR: 302', ['+CMGS'])).toEqual({ kind: 'cms', code: 302 });
    expect(classifyLine('+CME ERROR: not found', ['%CMNG'])).toEqual({ kind: 'error' });
  });

  it("the running command's own prefix and bare lines are information", () => {
    expect(classifyLine('%KEYGEN: "MIIB.abc"', ['%KEYGEN'])).toEqual({ kind: 'info', line: '%KEYGEN: "MIIB.abc"' });
    expect(classifyLine('%cmng: 1,0', ['%CMNG'])).toEqual({ kind: 'info', line: '%cmng: 1,0' });
    expect(classifyLine('352656100367872', ['+CGSN'])).toEqual({ kind: 'info', line: '352656100367872' });
  });

  it('other prefixes are URCs, and with no command running everything non-final is', () => {
    for (const l of ['+CEREG: 1,"0A0B","01020304",7', '%CESQ: 54,2,17,3', '%XSIM: 1', '%MDMEV: ME OVERHEATED', '#XSLMVER: "2.5"']) {
      expect(classifyLine(l, ['%KEYGEN'])).toMatchObject({ kind: 'urc', line: l });
    }
    expect(classifyLine('%XSIM: 1', ['%KEYGEN'])).toEqual({ kind: 'urc', prefix: '%XSIM', line: '%XSIM: 1' });
    expect(classifyLine('Ready', null)).toEqual({ kind: 'urc', prefix: '', line: 'Ready' });
    expect(classifyLine('OK', null)).toEqual({ kind: 'ok' });
  });
});

describe('command prefixes', () => {
  it('derives prefixes from simple, compound and quoted commands', () => {
    expect(commandPrefixes('AT+CGSN')).toEqual(['+CGSN']);
    expect(commandPrefixes('at%cmng=2,16842753,0')).toEqual(['%CMNG']);
    expect(commandPrefixes('AT+CFUN=4;%XSUDO=35,"sig;x";%CMNG=1')).toEqual(['+CFUN', '%XSUDO', '%CMNG']);
    expect(commandPrefixes('ATE1')).toEqual([]);
    expect(splitCommand('CGSN')).toBeNull();
    expect(linePrefix('+CEREG: 5')).toBe('+CEREG');
    expect(linePrefix('-----BEGIN')).toBeNull();
  });
});

/**
 * `custodian provision`: the station's main job. One device on a serial port
 * (or, with --watch, device after device on the same port) is identified,
 * proven, signed, injected, read back, challenged and locked through the
 * provisioning workflow (electron/core/station), recording into the ledger
 * under `<home>/ledger`. Progress is a live step list on stderr; the verdict
 * is a PASS/FAIL block with the reason and the fix.
 */
import { CustodianError } from '../../core/errors';
import { openDeviceWithDriver, openStationSession, serveStation, stationHalt, type StationHalt } from '../../core/line/index';
import { parseDriverChoice } from '../../core/line/station-drivers';
import { parseIdentityKeys } from '../../core/device/identity-keys';
import { DRIVER_NAMES, type DriverChoice } from '../../shared/drivers';
import { readInputFile } from '../files';
import { recordStatements, remedyFor } from '../../core/station/remedies';
import type { ProvisioningResult, WorkflowEvent } from '../../core/station/events';
import { optBool, optInt, optString } from '../args';
import type { RenewalRequest } from '../../core/station/renewal';
import { CliCodes } from '../codes';
import { operatorFrom } from '../operator';
import { obtainPin } from '../passphrase';
import type { CliCommand, CommandContext } from '../types';
import { resultJson, stepLine, stoppedLines, verdictLines } from './provision-format';
import { provisionLine } from './provision-line';
import { isPortPattern, portPatternProblem } from '../../core/line/port-pattern';

function workOrderFrom(ctx: CommandContext): string | undefined {
  const wo = optString(ctx, 'work-order');
  if (wo !== undefined && !/^[A-Za-z0-9._/-]{1,64}$/.test(wo)) {
    throw new CustodianError(CliCodes.USAGE, '--work-order is 1–64 letters, digits and . _ / -', { option: 'work-order', value: wo });
  }
  return wo;
}

/** The --port values: one path, or several paths and patterns (a line; needs --watch). */
function portsFrom(ctx: CommandContext): string[] {
  const v = ctx.values.port;
  const ports = (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);
  if (ports.length === 0 || ports.some((p) => p === '')) throw new CustodianError(CliCodes.USAGE, '--port is required', { option: 'port' });
  for (const p of ports) {
    const problem = portPatternProblem(p);
    if (problem) throw new CustodianError(CliCodes.USAGE, `--port ${p}: ${problem}`, { option: 'port', value: p });
  }
  const dup = ports.find((p, i) => ports.indexOf(p) !== i);
  if (dup !== undefined) throw new CustodianError(CliCodes.USAGE, `--port ${dup} is given twice`, { option: 'port', value: dup });
  return ports;
}

function driverFrom(ctx: CommandContext): DriverChoice {
  const v = optString(ctx, 'driver');
  if (v === undefined) return 'custodian';
  try {
    return parseDriverChoice(v);
  } catch (e) {
    throw new CustodianError(CliCodes.USAGE, `--driver ${v}: use ${[...DRIVER_NAMES, 'auto'].join(', ')}`, { option: 'driver', value: v }, { cause: e });
  }
}

function identityKeysFrom(ctx: CommandContext): ReadonlyMap<string, Uint8Array> | undefined {
  const path = optString(ctx, 'identity-keys');
  return path === undefined ? undefined : parseIdentityKeys(readInputFile(ctx, path, 'device identity keys', 'identityKeys'));
}

/** The PIN of the token holding the station CA key: --pin-file, CUSTODIAN_PIN or a prompt, never argv. */
function pinFrom(ctx: CommandContext): Promise<string> {
  const file = optString(ctx, 'pin-file');
  return obtainPin({ io: ctx.io, ...(file !== undefined ? { file: file === '-' ? '-' : ctx.resolvePath(file) } : {}) }, 'the token holding the station CA key');
}

/** --renew / --re-key with their --reason, or none; each misuse is a usage error naming the option. */
function renewalFrom(ctx: CommandContext, reissueReason: string | undefined): RenewalRequest | undefined {
  const renew = optBool(ctx, 'renew');
  const rekey = optBool(ctx, 're-key');
  const reason = optString(ctx, 'reason');
  if (renew && rekey) throw new CustodianError(CliCodes.USAGE, '--renew keeps the key and --re-key replaces it: give one', { option: 're-key' });
  if (!renew && !rekey) {
    if (reason !== undefined) throw new CustodianError(CliCodes.USAGE, '--reason goes with --renew or --re-key (a re-issue takes --reissue-reason)', { option: 'reason' });
    return undefined;
  }
  const option = renew ? 'renew' : 're-key';
  if (reissueReason !== undefined) throw new CustodianError(CliCodes.USAGE, `--${option} takes --reason, not --reissue-reason`, { option: 'reissue-reason' });
  if (reason === undefined || reason.trim() === '') throw new CustodianError(CliCodes.USAGE, `--${option} needs --reason "<why>"`, { option: 'reason' });
  return { mode: renew ? 'renew' : 're-key', reason };
}

/** Turn a failed result into the error the runner prints and maps to an exit status. */
export function failureError(r: Extract<ProvisioningResult, { result: 'failed' }>): CustodianError {
  return new CustodianError(r.error.code, r.error.message, {
    ...r.error.details,
    deviceId: r.deviceId,
    failedStep: r.failedStep,
    signed: r.signed,
    record: r.record,
    fix: remedyFor(r.error.code, r.error.details),
  });
}

export const provisionCommand: CliCommand = {
  name: 'provision',
  summary: 'provision the device on a serial port: identify, prove, sign, inject, verify, lock',
  usage: '--port <path> [--port <path|pattern> … --watch] [--driver custodian|nrf91|auto] [--identity-keys <file>] [--baud N] [--operator <name>] [--work-order <id>] [--reissue-reason <text> | --renew --reason <text> | --re-key --reason <text>] [--watch [--count N]]',
  description: [
    'Needs an active authority on this station (custodian authority …) and its passphrase, or for a token-held key its PIN (--pin-file, CUSTODIAN_PIN or a prompt).',
    'Every signature is recorded in the ledger before the certificate leaves the station.',
    'A device already carrying a valid chain from this station passes without a second signature.',
    'Its certificate is replaced only on purpose: --renew certifies the same key again within the policy\'s renewal window, --re-key has the device generate a new key; both need --reason, are recorded with the serial they replace, and leave the old certificate to expire or revoke it as the policy says (docs/lifecycle.md).',
    'Issues under the station\'s settings (<home>/settings.json: leaf lifetime, backdate, device-ID rule), as the app does.',
    'Installs the hub\'s TLS server roots into every device: the bundle the settings select (trustAnchors, default the shipped Azure roots), or the CA certificates in --trust-anchors.',
    'The driver says what kind of device is on the port: custodian (the Custodian device protocol, the default), nrf91 (a Nordic nRF91 modem over AT commands, docs/devices/nrf91.md) or auto (probe: only what the other kind ignores is sent).',
    'With --watch, serves device after device on the same port until Ctrl-C or SIGTERM (the device in flight ends first, then the ledger is closed).',
    'A line: give --port once per head of a gang fixture, or a pattern such as \'/dev/ttyUSB*\' (quoted; ports that appear later join), with --watch. Every head is served at once under one unlock; a fault on one head never stops another. --count then counts devices across the line.',
    'If the ledger cannot be written (a full disk), the station stops signing and serving at once and exits with the ledger status (7), saying what is signed, recorded and open.',
  ].join('\n'),
  options: {
    'pin-file': { type: 'string', valueName: '<file>', description: 'for a CA key in a token: read its PIN from <file> (`-` = stdin); else CUSTODIAN_PIN or a prompt' },
    port: { type: 'string', multiple: true, valueName: '<path>', description: 'serial port or pty, e.g. /dev/ttyUSB0 (required); repeat it, or give a quoted pattern (/dev/ttyUSB*), with --watch to serve a line' },
    driver: { type: 'string', valueName: '<name>', description: 'custodian, nrf91 or auto (default custodian)' },
    'identity-keys': { type: 'string', valueName: '<file>', description: "the brand owner's device identity public keys (JSON: UUID → PEM); an attestation that does not verify refuses the device" },
    baud: { type: 'string', valueName: 'N', description: "line rate (default the driver's: 115200)" },
    operator: { type: 'string', valueName: '<name>', description: 'who is provisioning (default $CUSTODIAN_OPERATOR or the login name)' },
    'work-order': { type: 'string', valueName: '<id>', description: 'work order recorded with each certificate' },
    'reissue-reason': { type: 'string', valueName: '<text>', description: 'required to sign again for a device ID that already has a certificate' },
    renew: { type: 'boolean', description: 'replace the device\'s certificate with a new one for the same key (within the renewal window); needs --reason' },
    're-key': { type: 'boolean', description: 'have the device generate a new key and replace its certificate with one for it; needs --reason' },
    reason: { type: 'string', valueName: '<text>', description: 'with --renew or --re-key: why (recorded with the new certificate)' },
    watch: { type: 'boolean', description: 'serve device after device on the same port until Ctrl-C or SIGTERM' },
    count: { type: 'string', valueName: 'N', description: 'with --watch: stop after N devices' },
    'trust-anchors': { type: 'string', valueName: '<pem-file>', description: 'PEM file of the hub\'s TLS server root(s) to install instead of the configured bundle' },
  },
  async run(ctx) {
    const ports = portsFrom(ctx);
    const line = ports.length > 1 || isPortPattern(ports[0]!);
    const port = ports[0]!;
    const driver = driverFrom(ctx);
    const identityKeys = identityKeysFrom(ctx);
    const baudOption = optInt(ctx, 'baud', { min: 300, max: 4_000_000 });
    const operator = operatorFrom(ctx);
    const workOrder = workOrderFrom(ctx);
    const reissueReason = optString(ctx, 'reissue-reason');
    const renewal = renewalFrom(ctx, reissueReason);
    const watch = optBool(ctx, 'watch');
    const count = optInt(ctx, 'count', { min: 1 });
    if (count !== undefined && !watch) throw new CustodianError(CliCodes.USAGE, '--count needs --watch', { option: 'count' });
    if (line && !watch) throw new CustodianError(CliCodes.USAGE, 'several ports (or a port pattern) serve a line: add --watch', { option: 'port', value: ports });
    if (watch && driver === 'auto') {
      throw new CustodianError(CliCodes.USAGE, '--watch serves one kind of device: name its --driver (custodian or nrf91)', { option: 'driver', value: driver });
    }

    const anchorsFile = optString(ctx, 'trust-anchors');

    const session = await openStationSession({
      home: ctx.home, operator, passphrase: (kind) => (kind === 'pin' ? pinFrom(ctx) : ctx.passphrase({ purpose: 'the station CA key' })),
      ...(anchorsFile !== undefined ? { trustAnchorFiles: [ctx.resolvePath(anchorsFile)] } : {}),
    });
    ctx.info(`station CA ${session.issuer.fingerprint.slice(0, 16)}…, ledger ${session.ledgerDir}`);
    const { trustBundle } = session;
    ctx.info(trustBundle.anchors.length
      ? `hub trust anchors (${trustBundle.bundle}): ${trustBundle.anchors.map((a) => `${a.name} ${a.sha256.slice(0, 16)}…`).join(', ')}`
      : 'hub trust anchors: none installed');
    const abort = new AbortController();
    let stopSignal: NodeJS.Signals | null = null;
    // SIGINT (Ctrl-C) and SIGTERM stop the same way: the device in flight ends first, then the ledger is closed.
    const onSignal = (sig: NodeJS.Signals): void => {
      if (abort.signal.aborted) return;
      stopSignal = sig;
      ctx.info(`stopping: ${sig === 'SIGINT' ? 'Ctrl-C' : sig} received (the device in progress stops before its next step and is safe to retry; the ledger is closed cleanly)`);
      abort.abort();
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
    for (const sig of signals) process.on(sig, onSignal);
    let lastStatements: string[] = [];
    const onEvent = (e: WorkflowEvent): void => {
      const line = stepLine(e);
      if (line) ctx.info(line);
    };
    const verdict = (r: ProvisioningResult): void => {
      const lines = verdictLines(r);
      for (const l of lines) ctx.info(l);
      lastStatements = r.result === 'failed' && r.record.stopped ? recordStatements(r) : [];
    };
    /** The ledger stopped: say what is true (unless the verdict just did) and fail with the ledger's status. */
    const stopped = (halt: StationHalt, details: Record<string, unknown>): CustodianError => {
      const same = halt.statements.join('\n') === lastStatements.join('\n');
      for (const l of stoppedLines(halt, session.ledgerDir, same)) ctx.info(l);
      return new CustodianError(halt.error.code, halt.error.message, { ...halt.error.details, ...details });
    };
    try {
      if (!watch) {
        ctx.info(`connecting to ${port} (${driver === 'auto' ? 'probing for the driver' : `driver ${driver}`})…`);
        const { device, driver: used } = await openDeviceWithDriver(port, {
          driver,
          drivers: session.drivers,
          signal: abort.signal,
          ...(baudOption !== undefined ? { baud: baudOption } : {}),
          ...(identityKeys ? { identityKeys } : {}),
        });
        if (driver === 'auto') ctx.info(`found: ${used.title}`);
        let r: ProvisioningResult;
        try {
          r = await session.provision(device, { operator, workOrder, reissueReason, ...(renewal ? { renewal } : {}), onEvent, signal: abort.signal });
        } finally {
          await device.close().catch(() => undefined);
        }
        verdict(r);
        const halt = stationHalt(session.ledger, r);
        if (halt) throw stopped(halt, r.result === 'failed' ? { fix: remedyFor(halt.error.code) } : {});
        if (r.result === 'failed') throw failureError(r);
        return { data: resultJson(r), human: `PASS ${r.deviceId} serial ${r.serialHex}` };
      }
      if (line) {
        return await provisionLine(ctx, {
          session, ports, driver: driver === 'auto' ? 'custodian' : driver, baud: baudOption, identityKeys,
          run: { operator, workOrder, reissueReason, ...(renewal ? { renewal } : {}) }, count, signal: abort.signal, stopSignal: () => stopSignal,
        });
      }
      const served = await serveStation({
        session,
        path: port,
        driver: driver === 'auto' ? 'custodian' : driver,
        ...(baudOption !== undefined ? { baud: baudOption } : {}),
        ...(identityKeys ? { identityKeys } : {}),
        signal: abort.signal,
        run: { operator, workOrder, reissueReason, ...(renewal ? { renewal } : {}) },
        onEvent,
        onResult: verdict,
        ...(count !== undefined ? { maxDevices: count } : {}),
        onWaiting: (what) => ctx.info(what === 'device' ? `waiting for a device on ${port} (Ctrl-C to stop)…` : 'remove the device to continue (or connect the next one)…'),
      });
      const { results } = served;
      const passed = results.filter((r) => r.result === 'passed').length;
      const tally = { served: results.length, passed, failed: results.length - passed };
      if (served.halt) throw stopped(served.halt, { ...tally, fix: remedyFor(served.halt.error.code) });
      const byOperator = served.stoppedBy === 'operator';
      return {
        data: { ...tally, stoppedByOperator: byOperator, ...(stopSignal ? { signal: stopSignal } : {}), results: results.map(resultJson) },
        human: `${results.length} device(s) served: ${passed} passed, ${results.length - passed} failed${byOperator ? ` (stopped by operator${stopSignal === 'SIGTERM' ? ', SIGTERM' : ''})` : ''}`,
      };
    } finally {
      for (const sig of signals) process.off(sig, onSignal);
      session.close();
    }
  },
};

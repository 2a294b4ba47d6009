/**
 * The nRF91 driver against golden transcripts: every command the driver sends
 * must be one a real modem or Nordic's own tools recorded, word for word, and
 * every answer it gets is the recorded one. Nothing here was written by our
 * simulator; the transcripts cite their sources (./transcripts).
 */
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Nrf91DeviceClient, type Nrf91Options } from '../../../electron/core/device/nrf91/nrf91-client';
import { Nrf91ErrorCodes } from '../../../electron/core/device/nrf91/codes';
import { Nrf91CmeErrorCodes } from '../../../electron/core/device/nrf91/cme-codes';
import { pemText } from '../../../electron/core/device/nrf91/cmng';
import { createPipePair } from '../../../electron/core/device/transport';
import { isCustodianError } from '../../../electron/core/errors';
import { readCsr } from '../../../electron/core/pki/index';
import { ScriptedModem, type ScriptStep } from './scripted-modem';
import type { AtTranscript } from './transcripts';
import { DERIVED_CMNG_READ_BACK, DERIVED_WRITE_WHILE_ONLINE } from './transcripts/derived';
import { DEVZONE_124937_NRF9151_MFW_2_0_2, DEVZONE_124937_NRF9151_PTI_2_3_8, DEVZONE_48688_AT_HOST_CME_519, DEVZONE_78351_LINK_MONITOR } from './transcripts/devzone';
import { AT_REFERENCE_DEVICEUUID } from './transcripts/nordic-at-reference';
import { AMAZON_ROOT_CA_1_PEM, UTILS_README_9160DK_MACOS } from './transcripts/nrfcloud-utils-readme';
import { UTILS_TEST_DEVICE_CREDENTIALS_INSTALLER } from './transcripts/nrfcloud-utils-tests';
import { NRFCREDSTORE_COMMAND_INTERFACE_TESTS } from './transcripts/nrfcredstore-tests';
import { SDK_NRF_MODEM_KEY_MGMT_TESTS } from './transcripts/sdk-nrf-modem-key-mgmt';

/** The recorded exchange for `command` in `t`: the driver must send exactly this. */
function golden(t: AtTranscript, command: string): ScriptStep {
  const x = t.exchanges.find((e) => e.command === command);
  if (!x) throw new Error(`transcript ${t.id} has no exchange ${JSON.stringify(command)}`);
  return { command: x.command, response: x.response };
}

const ATTACH = [golden(DEVZONE_48688_AT_HOST_CME_519, 'AT'), golden(NRFCREDSTORE_COMMAND_INTERFACE_TESTS, 'AT+CMEE=1')];

let open: Array<{ modem: ScriptedModem; client: Nrf91DeviceClient | null }> = [];

async function session(steps: ScriptStep[], opts: Partial<Nrf91Options> = {}): Promise<{ modem: ScriptedModem; client: Nrf91DeviceClient }> {
  const [station, device] = createPipePair();
  const modem = new ScriptedModem(device, [...ATTACH, ...steps]);
  const entry: { modem: ScriptedModem; client: Nrf91DeviceClient | null } = { modem, client: null };
  open.push(entry);
  const client = await Nrf91DeviceClient.attach(station, { secTag: 16842753, deviceIdTemplate: 'nrf-{imei}', ...opts, at: { timeoutMs: 500 } });
  entry.client = client;
  return { modem, client };
}

afterEach(async () => {
  for (const { client, modem } of open) {
    await client?.close().catch(() => undefined);
    modem.detach();
  }
  open = [];
});

async function failure(p: Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    if (isCustodianError(e)) return { code: e.code, details: e.details };
    throw e;
  }
  throw new Error('expected a failure');
}

describe('the nRF91 driver replays recorded modem sessions', () => {
  it("identifies the nRF9160 DK of nrfcloud-utils' README from its recorded answers", async () => {
    const { modem, client } = await session([
      golden(UTILS_README_9160DK_MACOS, 'AT+CGSN'),
      golden(UTILS_README_9160DK_MACOS, 'AT+CGMR'),
      golden(DEVZONE_78351_LINK_MONITOR, 'AT+CGMM'),
      golden(SDK_NRF_MODEM_KEY_MGMT_TESTS, 'AT%CMNG=1'),
    ]);
    const id = await client.identify();
    modem.verify();
    expect(id).toMatchObject({
      driver: 'nrf91',
      deviceId: 'nrf-352656109480783',
      hardwareSerial: '352656109480783',
      model: 'nRF9160-SICA',
      firmware: 'mfw_nrf9160_1.3.5',
      facts: { imei: '352656109480783', modemFirmware: 'mfw_nrf9160_1.3.5', secTag: '16842753' },
      store: { hasKey: true, hasLeaf: true, locked: false },
    });
    // mfw 1.3.x has no %DEVICEUUID: the driver did not ask, and the UUID comes only with a key attestation.
    expect(id.facts.uuid).toBeUndefined();
  });

  it('generates a key with the CN attribute exactly as nrfcloud-utils does, and its CSR passes the station checks', async () => {
    const keygen = 'AT%KEYGEN=52,2,0,"CN=nrf-355025930000000"';
    const { modem, client } = await session(
      [
        golden(DEVZONE_78351_LINK_MONITOR, 'AT+CFUN?'),
        golden(UTILS_TEST_DEVICE_CREDENTIALS_INSTALLER, 'AT+CFUN=4'),
        golden(UTILS_TEST_DEVICE_CREDENTIALS_INSTALLER, keygen),
        golden(DERIVED_WRITE_WHILE_ONLINE, 'AT+CFUN=1'),
      ],
      { secTag: 52 },
    );
    const key = await client.generateKey('P-256', { csr: 'nrf-355025930000000' });
    await client.close();
    modem.verify();
    const csr = readCsr(key.csr!);
    expect(csr.commonName).toBe('nrf-355025930000000');
    expect(csr.keyInfo).toEqual({ kind: 'EC', curve: 'P-256' });
    // This modem firmware (mfw_nrf91x1_2.0.2) writes the ECDSA signatureAlgorithm with NULL parameters: the one variant accepted.
    expect(csr.signatureNullParameters).toBe(true);
    expect(key.attestation).toMatchObject({ format: 'nrf91-keygen-cose', signature: 'unverified' });
    // The token is kept verbatim: the second half of the recorded answer.
    const recorded = UTILS_TEST_DEVICE_CREDENTIALS_INSTALLER.exchanges.find((e) => e.command === keygen)!.response;
    expect(recorded).toContain(`.${key.attestation!.token}"`);
    expect(createHash('sha256').update(key.csr!).digest('hex')).toBe(csr.csrSha256);
  });

  it("refuses the IMEIs of Nordic's test fixtures: they fail the Luhn check a real modem's IMEI passes", async () => {
    const { client } = await session([golden(UTILS_TEST_DEVICE_CREDENTIALS_INSTALLER, 'AT+CGSN')]);
    expect(await failure(client.identify())).toMatchObject({ code: Nrf91ErrorCodes.NRF91_IMEI_INVALID, details: { imei: '355025930000000' } });
  });

  it('refuses a key attested by another modem than the one whose %DEVICEUUID the reference prints', async () => {
    const keygen = 'AT%KEYGEN=52,2,0,"CN=nrf-352656109480783"';
    const answer = UTILS_TEST_DEVICE_CREDENTIALS_INSTALLER.exchanges.find((e) => e.command === 'AT%KEYGEN=52,2,0,"CN=nrf-355025930000000"')!.response;
    const { modem, client } = await session(
      [
        golden(UTILS_README_9160DK_MACOS, 'AT+CGSN'),
        golden(DEVZONE_124937_NRF9151_MFW_2_0_2, 'AT+CGMR'),
        golden(DEVZONE_124937_NRF9151_MFW_2_0_2, 'AT+CGMM'),
        golden(AT_REFERENCE_DEVICEUUID, 'AT%DEVICEUUID'),
        golden(SDK_NRF_MODEM_KEY_MGMT_TESTS, 'AT%CMNG=1'),
        golden(DEVZONE_78351_LINK_MONITOR, 'AT+CFUN?'),
        golden(UTILS_TEST_DEVICE_CREDENTIALS_INSTALLER, 'AT+CFUN=4'),
        // The recorded answer of another modem, to the same command form.
        { command: keygen, response: answer },
        golden(DERIVED_WRITE_WHILE_ONLINE, 'AT+CFUN=1'),
      ],
      { secTag: 52 },
    );
    const id = await client.identify();
    expect(id.facts.uuid).toBe('504d5632-3739-42fb-80c8-1411df972166');
    const f = await failure(client.generateKey('P-256', { csr: id.deviceId }));
    expect(f.code).toBe(Nrf91ErrorCodes.NRF91_ATTESTATION_DEVICE_MISMATCH);
    expect(f.details.reported).toBe('504d5632-3739-42fb-80c8-1411df972166');
    await client.close();
    modem.verify();
  });

  it('refuses the production test image (PTI) firmware by name', async () => {
    const { client } = await session([golden(UTILS_README_9160DK_MACOS, 'AT+CGSN'), golden(DEVZONE_124937_NRF9151_PTI_2_3_8, 'AT+CGMR')]);
    expect(await failure(client.identify())).toMatchObject({ code: Nrf91ErrorCodes.NRF91_FIRMWARE_UNKNOWN, details: { reason: 'test-image' } });
  });

  it('reads back a stored root CA and checks its listed digest against the content', async () => {
    const { modem, client } = await session([
      {
        command: 'AT%CMNG=1',
        response: '%CMNG: 16842753,0,"2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1"\r\nOK\r\n',
      },
      golden(DERIVED_CMNG_READ_BACK, 'AT%CMNG=2,16842753,0'),
    ]);
    const c = await client.readCredentials();
    modem.verify();
    expect(c.leaf).toBeNull();
    expect(c.trustAnchors).toHaveLength(1);
    expect(Buffer.from(c.trustAnchors![0]!).toString('base64')).toBe(AMAZON_ROOT_CA_1_PEM.split('\n').filter((l) => l && !l.startsWith('-----')).join(''));
  });

  it('maps the recorded CME 518 (a write while online) to its stable code, with the remedy, in the write step', async () => {
    const der = new Uint8Array(Buffer.from(AMAZON_ROOT_CA_1_PEM.split('\n').filter((l) => l && !l.startsWith('-----')).join(''), 'base64'));
    const refused = DERIVED_WRITE_WHILE_ONLINE.exchanges.find((e) => e.command.startsWith('AT%CMNG=0'))!.response;
    const { modem, client } = await session([
      // Found offline (CFUN 4), so the driver writes at once; the modem went online in between and refuses.
      { command: 'AT+CFUN?', response: '+CFUN: 4\r\nOK\r\n' },
      { command: 'AT%CMNG=1', response: golden(SDK_NRF_MODEM_KEY_MGMT_TESTS, 'AT%CMNG=1,0,0').response },
      { command: `AT%CMNG=0,16842753,1,"${pemText([der])}"`, response: refused },
    ]);
    const f = await failure(client.install(der, [], {}));
    modem.verify();
    expect(f.code).toBe(Nrf91CmeErrorCodes.NRF91_MODEM_ONLINE);
    expect(f.details).toMatchObject({ cme: 518, part: 'write' });
    expect(String(f.details.remedy)).toMatch(/CFUN|offline|online/i);
  });
});

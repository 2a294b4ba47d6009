/**
 * What an nRF91 `+CME ERROR: <n>` means for the commands the station sends, and what the line
 * does about it. at-client.ts raises NRF91_CME_ERROR with the bare number; nrf91Error() turns
 * that into a stable code (cme-codes.ts) with Nordic's meaning and an operator remedy.
 *
 * Sources, cited per entry:
 * - [CMNG]   Nordic nRF9160 / nRF91x1 AT Commands, "Credential storage management %CMNG", set command
 *            (docs.nordicsemi.com/bundle/ref_at_commands{,_nrf91x1}/page/REF/at_commands/security/cmng_set.html).
 * - [KEYGEN] Nordic nRF9160 AT Commands, "%KEYGEN" set command (…/security/keygen_set.html).
 * - [KEYMGMT] nrfconnect/sdk-nrf lib/modem_key_mgmt/modem_key_mgmt.c, translate_error(): Nordic's own
 *            mapping of the CME numbers its %CMNG wrapper meets to errno values.
 * - [TABLE]  Nordic's CME_CODES_NORDIC table (C header, © 2022 Nordic Semiconductor, in the public
 *            index), which names each proprietary 5xx number, per command where the wording differs.
 * - [DZ527]  devzone.nordicsemi.com/f/nordic-q-a/127428 (nRF9151, mfw_nrf91x1_2.0.4), quoting the
 *            reference: 527 = "Invalid certificate content for write of type 0 or 1".
 * The numbers in 0–63 are 3GPP TS 27.007 §9.2 codes that Nordic's [KEYMGMT] handles.
 */
import { CustodianError, isCustodianError } from '../../errors';
import { Nrf91CmeErrorCodes as C, type Nrf91CmeErrorCode } from './cme-codes';
import { Nrf91ErrorCodes } from './codes';

/** The station's AT commands, by purpose (never the command text); nrf91-client.ts passes these. */
export type Nrf91Command =
  | 'sync' // AT
  | 'cmee' // AT+CMEE=1
  | 'cgsn' // AT+CGSN[=1]   IMEI
  | 'cgmr' // AT+CGMR       modem firmware version
  | 'cgmm' // AT+CGMM       model
  | 'uuid' // AT%DEVICEUUID
  | 'cfun-read' // AT+CFUN?
  | 'cfun-set' // AT+CFUN=<n>
  | 'keygen' // AT%KEYGEN=<sec_tag>,2,0[,"<attributes>"]
  | 'cmng-write' // AT%CMNG=0,<sec_tag>,<type>,"<PEM>"
  | 'cmng-list' // AT%CMNG=1[,<sec_tag>[,<type>]]
  | 'cmng-read' // AT%CMNG=2,<sec_tag>,<type>
  | 'cmng-delete'; // AT%CMNG=3,<sec_tag>,<type>

export const NRF91_COMMANDS: readonly Nrf91Command[] = [
  'sync', 'cmee', 'cgsn', 'cgmr', 'cgmm', 'uuid', 'cfun-read', 'cfun-set', 'keygen', 'cmng-write', 'cmng-list', 'cmng-read', 'cmng-delete',
];

interface CmeText {
  /** Nordic's meaning, paraphrased. */
  readonly meaning: string;
  /** What the line operator or engineer does. */
  readonly remedy: string;
}

export interface CmeErrorEntry extends CmeText {
  readonly code: Nrf91CmeErrorCode;
  /** True when the station may repeat the command itself (after its own corrective step) without an operator. */
  readonly retryable: boolean;
  /** Where Nordic's wording or the remedy differs for one command. */
  readonly byCommand?: Partial<Record<Nrf91Command, CmeText>>;
}

const ONLINE_REMEDY =
  'The modem is online. The station sets AT+CFUN=4 itself before credential commands; if this persists, the device firmware holds the modem active: flash a firmware that allows offline mode (e.g. one with the AT host enabled that does not start LTE), then retry.';

export const CME_ERRORS: Readonly<Record<number, CmeErrorEntry>> = {
  // [KEYMGMT] "phone failure. invalid command, parameter, or other unexpected error"; nrfcredstore
  // (src/nrfcredstore/comms.py) reports it as "AT command not supported by firmware version".
  // %KEYGEN's 1.3.0 minimum: nRFCloud/utils device_credentials_installer.py MIN_REQD_MFW_VER.
  0: {
    code: C.NRF91_MODEM_FAILURE,
    meaning: 'The modem rejected the command: not supported by this modem firmware, an invalid parameter, or an internal error.',
    remedy: 'Check the modem firmware version (AT+CGMR): %KEYGEN needs mfw 1.3.0 or later. If the firmware is recent, power-cycle the device and retry once; if it repeats, send the device to rework.',
    retryable: false,
  },
  // [KEYMGMT] "memory failure. unexpected error in memory handling".
  23: {
    code: C.NRF91_MODEM_MEMORY_FAILURE,
    meaning: 'The modem hit an unexpected error in its memory handling.',
    remedy: 'Power-cycle the device and retry once; if it repeats, reject the device (modem storage fault).',
    retryable: true,
  },
  // [KEYMGMT] "incorrect parameters in a command" (3GPP 50).
  50: {
    code: C.NRF91_INCORRECT_PARAMETERS,
    meaning: 'The modem found a parameter of the command incorrect (sec_tag out of range, unknown type, malformed attributes).',
    remedy: 'Not a device fault: check the sec_tag (0–2147483647) and attributes in the station profile and report it to the station engineer.',
    retryable: false,
  },
  // [KEYMGMT] "system error" (3GPP 60, "system failure").
  60: {
    code: C.NRF91_MODEM_SYSTEM_FAILURE,
    meaning: 'The modem reported a system failure.',
    remedy: 'Power-cycle the device and retry once; if it repeats, reject the device.',
    retryable: true,
  },
  // [CMNG] "513 – Not found. Applies to read, write, and delete." [KEYMGMT] -ENOENT.
  513: {
    code: C.NRF91_CREDENTIAL_NOT_FOUND,
    meaning: 'Nothing is stored at that sec_tag and type.',
    remedy: 'Nothing to act on at the device: the credential is absent.',
    retryable: false,
    byCommand: {
      'cmng-read': {
        meaning: 'Nothing is stored at that sec_tag and type.',
        remedy: 'The credential is absent. If the station wrote it earlier in this run, the write did not persist: provision the device again; if it repeats, reject the device (flash fault).',
      },
      'cmng-delete': {
        meaning: 'Nothing is stored at that sec_tag and type, so there was nothing to delete.',
        remedy: 'Nothing to do: the credential is already absent.',
      },
      'cmng-write': {
        // modem_key_mgmt.h documents -ENOENT on write as "The security tag sec_tag is invalid".
        meaning: 'The modem refused the sec_tag for writing (not found).',
        remedy: 'Check the sec_tag in the station profile (0–2147483647; higher values belong to the modem) and report it to the station engineer.',
      },
    },
  },
  // [CMNG] "514 – No access. Applies to read, write, and delete." [KEYGEN] "514 – Not allowed". [KEYMGMT] -EACCES.
  514: {
    code: C.NRF91_CREDENTIAL_NO_ACCESS,
    meaning: 'The modem refuses access to that credential.',
    remedy: 'The credential is protected (e.g. a private key, or a sec_tag the modem owns above 2147483647): the station must not touch it. Check the sec_tag and type in the station profile.',
    retryable: false,
    byCommand: {
      keygen: {
        meaning: 'The modem does not allow generating a key in that sec_tag.',
        remedy: 'Use a sec_tag the firmware does not reserve (0–2147483647, not one the application owns); check the station profile. If the sec_tag is right, the device firmware restricts key generation: send it to rework.',
      },
    },
  },
  // [CMNG] "515 – Memory full. Applies to write." [KEYGEN] "515 – Memory full". [KEYMGMT] -ENOMEM.
  515: {
    code: C.NRF91_CREDENTIAL_STORAGE_FULL,
    meaning: 'The modem credential storage is full.',
    remedy: 'List the stored credentials (AT%CMNG=1), delete the sec_tags the product does not use, or shorten the CA bundle in the profile; then provision again.',
    retryable: false,
  },
  // [TABLE] 516 "Radio connection is active".
  516: {
    code: C.NRF91_RADIO_CONNECTION_ACTIVE,
    meaning: 'A radio connection is active.',
    remedy: 'The station sets AT+CFUN=4 before credential commands; wait a few seconds and retry. If it persists, the device firmware keeps the radio connected: flash a firmware that allows offline mode.',
    retryable: true,
  },
  // [TABLE] 517 "modem not activated".
  517: {
    code: C.NRF91_MODEM_NOT_ACTIVATED,
    meaning: 'The command needs the modem activated (CFUN=1).',
    remedy: 'None of the station commands needs an activated modem: report it to the station engineer with the firmware version (AT+CGMR).',
    retryable: false,
  },
  // [CMNG] "518 – Not allowed in active state." [KEYGEN] same; [KEYMGMT] -EPERM "Not allowed when LTE connection is active".
  518: {
    code: C.NRF91_MODEM_ONLINE,
    meaning: 'Not allowed while the modem is activated (CFUN 1, 2 or 21).',
    remedy: ONLINE_REMEDY,
    retryable: true,
  },
  // [CMNG] "519 – Already exists." [KEYGEN] same. [KEYMGMT] -EALREADY; modem_key_mgmt.h: "Credential already exists (and can't be overwritten)".
  519: {
    code: C.NRF91_CREDENTIAL_EXISTS,
    meaning: 'A credential already exists there and cannot be overwritten.',
    remedy: 'The device already holds credentials in that sec_tag. If the station profile allows replacing them, delete the sec_tag (AT%CMNG=3 for each type) and provision again; otherwise send the device to rework.',
    retryable: false,
  },
  // [TABLE] 520 "Authentication failed" (%XSUDO), "For write: Already exists" (%XPMNG). Not documented for the station's commands.
  520: {
    code: C.NRF91_AUTHENTICATION_FAILED,
    meaning: 'An authenticated (%XSUDO) command failed to verify.',
    remedy: 'The modem expects signed AT commands, which this station does not send: send the device to rework to have its firmware checked.',
    retryable: false,
  },
  // [KEYGEN] "523 – Key generation failed." [TABLE] same.
  523: {
    code: C.NRF91_KEYGEN_FAILED,
    meaning: 'The modem failed to generate the key.',
    remedy: 'Retry once; if it repeats, power-cycle the device and retry; if it still fails, reject the device (modem crypto fault).',
    retryable: true,
  },
  // [TABLE] 527 "Invalid content"; [DZ527] "Invalid certificate content for write of type 0 or 1"; [KEYMGMT] -EINVAL.
  527: {
    code: C.NRF91_CREDENTIAL_INVALID_CONTENT,
    meaning: 'The modem rejected the content as invalid.',
    remedy: 'Report to the station engineer: the modem did not accept the content the station sent.',
    retryable: false,
    byCommand: {
      'cmng-write': {
        meaning: 'The modem rejected the certificate content (type 0 or 1 must be valid PEM certificates).',
        remedy: 'Check the CA bundle and certificate files in the profile: PEM certificates only (no DER, no literal "\\n", no stray CR), one after another. Fix the file and provision again.',
      },
    },
  },
  // [CMNG] "528 – Not allowed when power off warning is active." (mfw 1.3.x≥2) [KEYMGMT] -ECANCELED.
  528: {
    code: C.NRF91_POWER_OFF_WARNING,
    meaning: 'The modem is in power-off warning: its supply voltage is too low to write its memory.',
    remedy: 'Check the fixture power supply or battery and the cable, power-cycle the device, then provision again.',
    retryable: false,
  },
};

/** The table entry (with the command's own wording) for a CME number, or null for an unknown number. */
export function cmeErrorEntry(cme: number, command: Nrf91Command): (CmeErrorEntry & CmeText) | null {
  const entry = CME_ERRORS[cme];
  if (!entry) return null;
  return { ...entry, ...entry.byCommand?.[command] };
}

/**
 * Turns the NRF91_CME_ERROR that AtClient raised for `command` into a CustodianError with the stable
 * code for its number; details: { command, name, cme, meaning, remedy, retryable }. Any other
 * value (a timeout, a bare ERROR, a closed link) is returned unchanged.
 */
export function nrf91Error(e: CustodianError, command: Nrf91Command): CustodianError;
export function nrf91Error(e: unknown, command: Nrf91Command): unknown;
export function nrf91Error(e: unknown, command: Nrf91Command): unknown {
  if (!isCustodianError(e, Nrf91ErrorCodes.NRF91_CME_ERROR)) return e;
  const cme = e.details.cme;
  if (typeof cme !== 'number' || !Number.isInteger(cme)) return e;
  const name = typeof e.details.name === 'string' ? e.details.name : 'AT';
  const entry = cmeErrorEntry(cme, command);
  // Only these fields cross over: the at-client error's lines are response data, and its command text is never kept.
  const details = entry
    ? { command, name, cme, meaning: entry.meaning, remedy: entry.remedy, retryable: entry.retryable }
    : {
        command,
        name,
        cme,
        meaning: `The modem answered +CME ERROR: ${cme}, which this station has no entry for.`,
        remedy: 'Note the number and the modem firmware version (AT+CGMR), then report it to the station engineer; look the number up in Nordic\'s AT command reference for this command.',
        retryable: false,
      };
  return new CustodianError(entry ? entry.code : C.NRF91_CME_UNKNOWN, `${name}: ${details.meaning} (+CME ERROR: ${cme})`, details, { cause: e });
}

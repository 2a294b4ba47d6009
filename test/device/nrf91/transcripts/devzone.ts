/**
 * Terminal logs posted on Nordic's DevZone forum, quoted as posted (lines; CR LF added per line).
 * Contents the posters elided ("...", "<base64_signature>") stay elided.
 */
import type { AtTranscript } from './types';

const DEVZONE = 'https://devzone.nordicsemi.com/f/nordic-q-a';

export const DEVZONE_78351_LINK_MONITOR: AtTranscript = {
  id: 'devzone-78351-link-monitor',
  source: `${DEVZONE}/78351/nrf9160-takes-tens-of-minutes-to-finish-searching-and-connect-to-lte-after-hard-fault/323944 — LTE Link Monitor log in the question`,
  firmware: 'mfw_nrf9160_1.3.0',
  provenance: 'device',
  framing: 'lines',
  exchanges: [
    { command: 'AT+CFUN?', response: '+CFUN: 1\r\nOK\r\n', expect: { lines: ['+CFUN: 1'] } },
    { command: 'AT+CGSN=1', response: '+CGSN: "352656106125639"\r\nOK\r\n', expect: { lines: ['+CGSN: "352656106125639"'] } },
    { command: 'AT+CGMI', response: 'Nordic Semiconductor ASA\r\nOK\r\n', expect: { lines: ['Nordic Semiconductor ASA'] } },
    { command: 'AT+CGMM', response: 'nRF9160-SICA\r\nOK\r\n', expect: { lines: ['nRF9160-SICA'] } },
    { command: 'AT+CGMR', response: 'mfw_nrf9160_1.3.0\r\nOK\r\n', expect: { lines: ['mfw_nrf9160_1.3.0'] } },
    { command: 'AT+CMEE?', response: '+CMEE: 0\r\nOK\r\n', expect: { lines: ['+CMEE: 0'] } },
  ],
};

const THREAD_124937 = `${DEVZONE}/124937/case-about-nrf9151-serial_lte_modem-and-mfw-pti_nrf91x1_2-3-8-zip`;

export const DEVZONE_124937_NRF9151_MFW_2_0_2: AtTranscript = {
  id: 'devzone-124937-nrf9151-mfw-2.0.2',
  source: `${THREAD_124937} — reply by Nordic (Øyvind), nRF9151 DK with serial_lte_modem`,
  firmware: 'mfw_nrf91x1_2.0.2',
  provenance: 'device',
  framing: 'lines',
  exchanges: [
    { command: 'AT%HWVERSION', response: '%HWVERSION: nRF9151 LACA ADA\r\nOK\r\n', expect: { lines: ['%HWVERSION: nRF9151 LACA ADA'] } },
    { command: 'AT+CGMM', response: 'nRF9151-LACA\r\nOK\r\n', expect: { lines: ['nRF9151-LACA'] } },
    { command: 'AT+CGMR', response: 'mfw_nrf91x1_2.0.2\r\nOK\r\n', expect: { lines: ['mfw_nrf91x1_2.0.2'] } },
  ],
};

export const DEVZONE_124937_NRF9151_PTI_2_3_8: AtTranscript = {
  id: 'devzone-124937-nrf9151-pti-2.3.8',
  source: `${THREAD_124937} — same reply, after flashing the production test image (PTI)`,
  firmware: 'mfw-pti_nrf91x1_2.3.8',
  provenance: 'device',
  framing: 'lines',
  notes: 'The PTI firmware names itself with "mfw-pti_" (a hyphen, not an underscore). A "Ready" line printed at boot precedes the commands.',
  exchanges: [
    { command: 'AT+CGMR', response: 'mfw-pti_nrf91x1_2.3.8\r\nOK\r\n', expect: { lines: ['mfw-pti_nrf91x1_2.3.8'] } },
    { command: 'AT%HWVERSION', response: '%HWVERSION: nRF9151 LACA ADA\r\nOK\r\n', expect: { lines: ['%HWVERSION: nRF9151 LACA ADA'] } },
  ],
};

export const DEVZONE_48688_AT_HOST_CME_519: AtTranscript = {
  id: 'devzone-48688-at-host-cme-519',
  source: `${DEVZONE}/48688/do-the-at-cmng-commands-function-properly-for-writing-credentials-in-mfw_nrf9160_0-7-0-29-alpha/193471 — AT host sample log`,
  provenance: 'device',
  framing: 'lines',
  notes: 'Early nRF9160 firmware (thread: mfw_nrf9160_0.7.0-29.alpha). With AT+CMEE=1 the error is numeric; a public key already stored answers 519.',
  exchanges: [
    { command: 'AT', response: 'OK\r\n', expect: { lines: [] } },
    { command: 'AT+CFUN=4', response: 'OK\r\n', expect: { lines: [] } },
    { command: 'AT+CMEE=1', response: 'OK\r\n', expect: { lines: [] } },
    {
      command:
        'AT%XPMNG=0,"-----BEGIN PUBLIC KEY-----MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE0hFbFkKzORGXw5UCyFV6McEsQlH/SA+5OPTg5ff1DwQDj9LQJJ4dkcgdGI46bVho3YU7RQTVc9LojyUFNHNEew==-----END PUBLIC KEY-----"',
      response: '+CME ERROR: 519\r\n',
      expect: { cme: 519 },
    },
  ],
};

export const DEVZONE_127428_NRF9151_CME_527: AtTranscript = {
  id: 'devzone-127428-nrf9151-cme-527',
  source: `${DEVZONE}/127428/at-cmng-types-0-and-1-always-fail-on-nrf9151-sma-dk-error-527/563246 — question, steps 4 and 7`,
  firmware: 'mfw_nrf91x1_2.0.4',
  provenance: 'device',
  framing: 'lines',
  notes:
    'The poster typed literal "\\n" inside the PEM; the type 0/1 writes failed with 527 (invalid certificate content) ' +
    'while the type 2 write passed. The authenticated retry through %XSUDO answered 520.',
  exchanges: [
    { command: 'AT%CMNG=0,16842753,0,"..."', response: '+CME ERROR: 527\r\n', expect: { cme: 527 } },
    { command: 'AT%XSUDO=1229,"<base64_signature>";%CMNG=0,16842753,0,"..."', response: '+CME ERROR: 520\r\n', expect: { cme: 520 } },
  ],
};

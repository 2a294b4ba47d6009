/**
 * The command forms nrfcredstore sends and the answers its tests feed back. Its mock returns the
 * line it kept from Comms.expect_response() (the final OK is consumed there), so framing is 'lines'.
 * Its fake KEYGEN answer ("foo.bar") is not a modem answer and is left out.
 */
import type { AtTranscript } from './types';

export const NRFCREDSTORE_COMMAND_INTERFACE_TESTS: AtTranscript = {
  id: 'nrfcredstore-command-interface-tests',
  source: 'pascal-nordic/nrfcredstore tests/test_command_interface.py@e3fcc2357e5439ed0ae8e6c2a102718299735b34',
  firmware: 'mfw_nrf91x1_2.0.2',
  provenance: 'test-vector',
  framing: 'lines',
  exchanges: [
    { command: 'AT+CMEE=1', response: 'OK\r\n', expect: { lines: [] } },
    { command: 'AT+CGSN', response: '123456789012345\r\nOK\r\n', expect: { lines: ['123456789012345'] } },
    { command: 'AT+CGMM', response: 'nRF9151-LACA\r\nOK\r\n', expect: { lines: ['nRF9151-LACA'] } },
    { command: 'AT+CGMR', response: 'mfw_nrf91x1_2.0.2\r\nOK\r\n', expect: { lines: ['mfw_nrf91x1_2.0.2'] } },
    { command: 'AT+CFUN=4', response: 'OK\r\n', expect: { lines: [] } },
    {
      command: 'AT%CMNG=1,42,1',
      response: '%CMNG: 42,1,"8CEA57609B0F95C0D0F80383A7A21ECD1C6E102FDCC3CDCEB1948B0EA828601D"\r\nOK\r\n',
      expect: { lines: ['%CMNG: 42,1,"8CEA57609B0F95C0D0F80383A7A21ECD1C6E102FDCC3CDCEB1948B0EA828601D"'] },
    },
    { command: 'AT%CMNG=0,42,1,"test_value"', response: 'OK\r\n', expect: { lines: [] } },
    { command: 'AT%CMNG=3,42,1', response: 'OK\r\n', expect: { lines: [] } },
  ],
};

/**
 * AT trace packets from Nordic's Cellular Monitor tests (nRF Connect for Desktop): each response is
 * the modem's bytes as its trace carries them, CR LF included, with no leading blank line. The
 * %XMODEMUUID answer is the modem *firmware build* UUID (the same on every modem with that
 * firmware), not a device identity.
 */
import type { AtTranscript } from './types';

const DIR = 'NordicSemiconductor/pc-nrfconnect-cellularmonitor src/features/tracingEvents/at/commandProcessors';
const COMMIT = '9b85c8fcf111eb625eb99d0ef043f27cb7c53461';

export const CELLULAR_MONITOR_TESTS: AtTranscript = {
  id: 'cellular-monitor-tests',
  source: `${DIR}/{modemUUID,revisionIdentification,productSerialNumberId,functionMode}.test.ts@${COMMIT}`,
  provenance: 'test-vector',
  framing: 'bytes',
  exchanges: [
    {
      command: 'AT%XMODEMUUID',
      response: '%XMODEMUUID: 25c95751-efa4-40d4-8b4a-1dcaab81fac9\r\nOK\r\n',
      expect: { lines: ['%XMODEMUUID: 25c95751-efa4-40d4-8b4a-1dcaab81fac9'] },
    },
    // modemUUID.test.ts: the read form is not supported.
    { command: 'AT%XMODEMUUID?', response: 'ERROR\r\n', expect: { error: 'ERROR' } },
    { command: 'AT+CGMR', response: 'mfw_nrf9160_1.1.1\r\nOK\r\n', expect: { lines: ['mfw_nrf9160_1.1.1'] } },
    { command: 'AT+CGSN=?', response: '+CGSN: (0-3)\r\nOK\r\n', expect: { lines: ['+CGSN: (0-3)'] } },
    { command: 'AT+CGSN=1', response: '+CGSN: "352656100367872"\r\nOK\r\n', expect: { lines: ['+CGSN: "352656100367872"'] } },
    { command: 'AT+CFUN?', response: '+CFUN: 4\r\nOK\r\n', expect: { lines: ['+CFUN: 4'] } },
    {
      command: 'AT+CFUN=?',
      response: '+CFUN: (0,1,4,20,21,30,31,40,41,44)\r\nOK\r\n',
      expect: { lines: ['+CFUN: (0,1,4,20,21,30,31,40,41,44)'] },
    },
    { command: 'AT+CFUN=4', response: 'OK\r\n', expect: { lines: [] } },
    // functionMode.test.ts: an unsupported mode.
    { command: 'AT+CFUN=45', response: 'ERROR\r\n', expect: { error: 'ERROR' } },
  ],
};

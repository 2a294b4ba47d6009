/**
 * Exchanges no public log shows verbatim, assembled from documented formats and values quoted
 * elsewhere. Each says what it rests on; replace one with a capture when a real log turns up.
 *
 * - Read-back: the %CMNG read response is `%CMNG: <sec_tag>,<type>,"<sha>","<content>"` and <content>
 *   "is exactly what is written, including <CR>, <LF>" (Nordic AT reference, %CMNG set command);
 *   sdk-nrf modem_key_mgmt_read() takes the content after the third double quote. Content and digest
 *   are those of ./nrfcloud-utils-readme.ts (same modem: it listed that digest for that write).
 * - Errors: the AT host answers `+CME ERROR: <n>` + CR LF (sdk-nrf lib/at_host/at_host.c) with the
 *   numbers the reference lists: 513 for a read of nothing, 518 for a write or %KEYGEN while the modem
 *   is activated ("The write and delete operations are allowed only when the modem is not activated";
 *   "The %KEYGEN command is allowed only when the modem is deactivated").
 */
import { AMAZON_ROOT_CA_1_PEM } from './nrfcloud-utils-readme';
import type { AtTranscript } from './types';

const SHA_AMAZON_ROOT_CA_1 = '2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1';
const READ_LINE = `%CMNG: 16842753,0,"${SHA_AMAZON_ROOT_CA_1}","${AMAZON_ROOT_CA_1_PEM}"`;

export const DERIVED_CMNG_READ_BACK: AtTranscript = {
  id: 'derived-cmng-read-back',
  source: 'derived: Nordic AT reference %CMNG read syntax + nRFCloud/utils README (9160DK under MacOS) content and digest',
  firmware: 'mfw_nrf9160_1.3.5',
  provenance: 'derived',
  framing: 'bytes',
  exchanges: [
    { command: 'AT%CMNG=2,16842753,0', response: `${READ_LINE}\r\nOK\r\n`, expect: { lines: [READ_LINE] } },
    { command: 'AT%CMNG=2,42,0', response: '+CME ERROR: 513\r\n', expect: { cme: 513 } },
  ],
};

/** A station that finds the modem online: refused, goes offline itself, writes, restores the mode. */
export const DERIVED_WRITE_WHILE_ONLINE: AtTranscript = {
  id: 'derived-write-while-online',
  source: 'derived: Nordic AT reference %CMNG / %KEYGEN set command (518), +CFUN read syntax',
  provenance: 'derived',
  framing: 'bytes',
  exchanges: [
    { command: 'AT+CMEE=1', response: 'OK\r\n', expect: { lines: [] } },
    { command: 'AT+CFUN?', response: '+CFUN: 1\r\nOK\r\n', expect: { lines: ['+CFUN: 1'] } },
    { command: `AT%CMNG=0,16842753,0,"${AMAZON_ROOT_CA_1_PEM}"`, response: '+CME ERROR: 518\r\n', expect: { cme: 518 } },
    { command: 'AT%KEYGEN=16842753,2,0', response: '+CME ERROR: 518\r\n', expect: { cme: 518 } },
    { command: 'AT+CFUN=4', response: 'OK\r\n', expect: { lines: [] } },
    { command: `AT%CMNG=0,16842753,0,"${AMAZON_ROOT_CA_1_PEM}"`, response: 'OK\r\n', expect: { lines: [] } },
    { command: 'AT+CFUN=1', response: 'OK\r\n', expect: { lines: [] } },
  ],
};

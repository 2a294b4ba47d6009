/**
 * %CMNG=1 answers from the nRF Connect SDK's own unit tests of modem_key_mgmt (faked
 * nrf_modem_at_cmd / nrf_modem_at_scanf buffers, bytes as given). The full list shows what a
 * factory-fresh modem lists besides the application's credentials: sec_tags above 2147483647
 * (4294967292–4294967294) holding modem-owned types 6, 10 and 11, which modem_key_mgmt_list()
 * skips. 2C43…5BD1 is the digest of Amazon Root CA 1 as nRFCloud/utils writes it
 * (./nrfcloud-utils-readme.ts).
 */
import type { AtTranscript } from './types';

const LIST = [
  '%CMNG: 42,0,"2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1"',
  '%CMNG: 1001,0,"39FDCF28AEFFE08D03251FCCAF645E3C5DE19FA4EBBAFC89B4EDE2A422148BAB"',
  '%CMNG: 16842753,0,"2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1"',
  '%CMNG: 16842753,1,"B9BAC15641653CAE2B5151DCBD0C40DDCDF19125950FA2475977437EA35F7A45"',
  '%CMNG: 16842753,2,"3EB33ABEB054A64578ED0ACF2BC13D570557FDEB413566D3D4678A2B89F65695"',
  '%CMNG: 4294967293,10,"2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1"',
  '%CMNG: 4294967294,6,"A3CC4121A62D4BB103AE92F70A77A456886AE3CD5B2D156A200A1B90D9E92E05"',
  '%CMNG: 4294967292,11,"2027C4699EAA90A414D33FA81B975C0FDEDEFB04A19CEA1ED43A8876CAD31E89"',
];

export const SDK_NRF_MODEM_KEY_MGMT_TESTS: AtTranscript = {
  id: 'sdk-nrf-modem-key-mgmt-tests',
  source: 'nrfconnect/sdk-nrf tests/lib/modem_key_mgmt/src/main.c@cb66849f23be0e91504dabaab1219e1501261e2c — test_data_list, test_data_digest, test_data_empty_list',
  provenance: 'test-vector',
  framing: 'bytes',
  exchanges: [
    { command: 'AT%CMNG=1', response: `${LIST.join('\r\n')}\r\nOK\r\n`, expect: { lines: LIST } },
    {
      command: 'AT%CMNG=1,16842753,1',
      response: '%CMNG: 16842753,1,"B9BAC15641653CAE2B5151DCBD0C40DDCDF19125950FA2475977437EA35F7A45"\r\nOK\r\n',
      expect: { lines: ['%CMNG: 16842753,1,"B9BAC15641653CAE2B5151DCBD0C40DDCDF19125950FA2475977437EA35F7A45"'] },
    },
    // Nothing stored at the pair: the list is just OK, not +CME ERROR: 513.
    { command: 'AT%CMNG=1,0,0', response: 'OK\r\n', expect: { lines: [] } },
  ],
};

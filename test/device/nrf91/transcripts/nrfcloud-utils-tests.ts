/**
 * Mocked serial answers from nRFCloud/utils' tests: FakeSerial.write() picks a list of byte lines
 * for each command and readline() pops them from the end, so the modem "sends" them last-first.
 * The bytes are the test's; the KEYGEN answers have the modem's form (a CSR and a COSE attestation
 * that parse, see transcripts.test.ts). FakeSerial answers by command, in any order; the order here
 * is the one device_credentials_installer uses. The IMEI variant asks for the CN as an attribute.
 */
import type { AtTranscript } from './types';

const KEYGEN_UUID_LINE =
  '%KEYGEN: "MIIBCzCBrwIBADAvMS0wKwYDVQQDDCQ1MDM2Mzk1My0zMjM0LTQ3MjMtODBiOS0xNTAzZDg4MjcxYmYwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQ37lDghqs2kF2iiH8lYRDDxNMiziQRPPdw9Meb1iHfTEZNdlB1xZzMV-oK6i52p1GHYQszjoDzUAZF2zU2MTGGoB4wHAYJKoZIhvcNAQkOMQ8wDTALBgNVHQ8EBAMCA-gwDAYIKoZIzj0EAwIFAANJADBGAiEAzaMPi5NcWFYZBJGBMk0tU-TBoNDVlQUzhHWJzXKRTWsCIQCWYpYqjccA281F5Geb8SwOP3tnjS_ZbAXUgVWhTVNuvg.0oRDoQEmoQRBIVhM2dn3hQlQUDY5UzI0RyOAuRUD2IJxv0IYNFggTaa7Z9K-8bQPz3YG5o_h32quNr0FHEtnX5VpEZ-8gflQY8D67v4xx32mF0L3-mbuuVhAfY3TgibaimIVPaN1C3Sz_oWj6JPf8sEOV2XNBDUNCV3sD3WdNOjgv32-rLXAx_vBIvpk1DTCb3Y97zqFhhdKlw"';
const KEYGEN_IMEI_LINE =
  '%KEYGEN: "MIH4MIGeAgEAMB4xHDAaBgNVBAMME25yZi0zNTUwMjU5MzAwMDAwMDAwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATYRrWI0v6LJWciuTlscw8E1TcOBJoygkALKecquhe-fr_QT_tcjC2DgmDyX1cjTubp7n_mUaf5ZJ1s-Ke-ABBuoB4wHAYJKoZIhvcNAQkOMQ8wDTALBgNVHQ8EBAMCA-gwDAYIKoZIzj0EAwIFAANHADBEAiBDTS-I_ye8nJpB7vtO6FQWvnUhJnG6QsjRPo56nBFh2gIgPB5NW16dANAMmn0VLMBXGeRPTtoxOs5Ld1Z7JW46_8s.0oRDoQEmoQRBIVhM2dn3hQlQUDQ5VjA3RziADR8p4KD3v0IYNFggl3ygk__l-pZ9jtlsf0AyuFJlRaaEouhzYgau2zOcHwBQp2eEbVMiHVcHrE9R2670dlhA1a7jaKq3ALRx2h-h2TIkxxh82oyr4c4LqzraUecL8SFek-IbvEBfv30695FKOt3FXEk7y5G_JW3yaRQGczL3TQ"';

export const UTILS_TEST_DEVICE_CREDENTIALS_INSTALLER: AtTranscript = {
  id: 'utils-test-device-credentials-installer',
  source: 'nRFCloud/utils tests/test_device_credentials_installer.py@7acbfb58b306af79b5d8e4f9ea59e3491d021351 — FakeSerial',
  firmware: 'mfw_nrf91x1_2.0.2',
  provenance: 'test-vector',
  framing: 'bytes',
  exchanges: [
    { command: 'AT+CFUN=4', response: 'OK\r\n', expect: { lines: [] } },
    { command: 'AT+CGSN', response: '355025930000000\r\nOK\r\n', expect: { lines: ['355025930000000'] } },
    { command: 'AT+CGMR', response: 'mfw_nrf91x1_2.0.2\r\nOK\r\n', expect: { lines: ['mfw_nrf91x1_2.0.2'] } },
    { command: 'AT%KEYGEN=52,2,0', response: `${KEYGEN_UUID_LINE}\r\nOK\r\n`, expect: { lines: [KEYGEN_UUID_LINE] } },
    {
      command: 'AT%KEYGEN=52,2,0,"CN=nrf-355025930000000"',
      response: `${KEYGEN_IMEI_LINE}\r\nOK\r\n`,
      expect: { lines: [KEYGEN_IMEI_LINE] },
    },
  ],
};

/**
 * Real sessions logged by nRFCloud/utils device_credentials_installer.py ("-> " what it wrote,
 * "<- " each line it read) and quoted in its README. The log shows lines, so CR LF is added per
 * line (framing 'lines'); the PEM inside each %CMNG write is kept byte for byte, LF line ends and
 * final LF included: its SHA-256 equals the digest the same modem lists for it (transcripts.test.ts).
 */
import type { AtTranscript } from './types';

const README = 'nRFCloud/utils python/modem-firmware-1.3+/README.md';

/** Amazon Root CA 1 as the tool wrote it to type 0 (LF line ends, final LF). */
export const AMAZON_ROOT_CA_1_PEM = [
  '-----BEGIN CERTIFICATE-----',
  'MIIDQTCCAimgAwIBAgITBmyfz5m/jAo54vB4ikPmljZbyjANBgkqhkiG9w0BAQsF',
  'ADA5MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRkwFwYDVQQDExBBbWF6',
  'b24gUm9vdCBDQSAxMB4XDTE1MDUyNjAwMDAwMFoXDTM4MDExNzAwMDAwMFowOTEL',
  'MAkGA1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEZMBcGA1UEAxMQQW1hem9uIFJv',
  'b3QgQ0EgMTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALJ4gHHKeNXj',
  'ca9HgFB0fW7Y14h29Jlo91ghYPl0hAEvrAIthtOgQ3pOsqTQNroBvo3bSMgHFzZM',
  '9O6II8c+6zf1tRn4SWiw3te5djgdYZ6k/oI2peVKVuRF4fn9tBb6dNqcmzU5L/qw',
  'IFAGbHrQgLKm+a/sRxmPUDgH3KKHOVj4utWp+UhnMJbulHheb4mjUcAwhmahRWa6',
  'VOujw5H5SNz/0egwLX0tdHA114gk957EWW67c4cX8jJGKLhD+rcdqsq08p8kDi1L',
  '93FcXmn/6pUCyziKrlA4b9v7LWIbxcceVOF34GfID5yHI9Y/QCB/IIDEgEw+OyQm',
  'jgSubJrIqg0CAwEAAaNCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMC',
  'AYYwHQYDVR0OBBYEFIQYzIU07LwMlJQuCFmcx7IQTgoIMA0GCSqGSIb3DQEBCwUA',
  'A4IBAQCY8jdaQZChGsV2USggNiMOruYou6r4lK5IpDB/G/wkjUu0yKGX9rbxenDI',
  'U5PMCCjjmCXPI6T53iHTfIUJrU6adTrCC2qJeHZERxhlbI1Bjjt/msv0tadQ1wUs',
  'N+gDS63pYaACbvXy8MWy7Vu33PqUXHeeE6V/Uq2V8viTO96LXFvKWlJbYK8U90vv',
  'o/ufQJVtMVT8QtPHRh8jrdkPSHCa2XV4cdFyQzR1bldZwgJcJmApzyMZFo6IQ6XU',
  '5MsI+yMRQ+hDKXJioaldXgjUkK642M4UwtBV8ob2xJNDd2ZhwLnoQdeXeGADbkpy',
  'rqXRfboQnoZsG4q5WTP468SQvvG5',
  '-----END CERTIFICATE-----',
  '',
].join('\n');

/** The device certificate the tool issued for the CSR below and wrote to type 1. */
export const MACOS_DEVICE_CERT_PEM = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBiDCCAS8CFCDQFevZ3njwztUTy/zclM9d9j6aMAoGCCqGSM49BAMCMF8xCzAJ',
  'BgNVBAYTAlVTMQswCQYDVQQIDAJPUjEMMAoGA1UEBwwDUERYMQ8wDQYDVQQKDAZu',
  'b3JkaWMxDjAMBgNVBAsMBWNsb3VkMRQwEgYDVQQDDAtqdXN0aW5fY2VydDAeFw0y',
  'MzA4MjUxODMwMTlaFw0zMzA4MjIxODMwMTlaMC8xLTArBgNVBAMMJDUwNTAzNjQy',
  'LTMyMzktNGY4Ni04MGM0LTA2MTIyZTI5OTYyMzBZMBMGByqGSM49AgEGCCqGSM49',
  'AwEHA0IABGJRzLck8Xbck3hY3p6T+4QX/0EDPv0JJMPHRlAMlKUTPkR9YNMsibFc',
  'Zrr9U46iesdDrinvuFxJpmo3B4TiRXowCgYIKoZIzj0EAwIDRwAwRAIgI+H5/u8y',
  '0xxnhmglOfL030LZ5F73fPsgD8bKkyvzinUCIC7xjYflFCqz9eJam8TnlIUGGLmS',
  'LGje6BexVggtN1+5',
  '-----END CERTIFICATE-----',
  '',
].join('\n');

export const UTILS_README_9160DK_MACOS: AtTranscript = {
  id: 'utils-readme-9160dk-macos',
  source: `${README}@be873ad488fb029823f90a3adc45a7c7e7d919dc — Example / "9160DK under MacOS"`,
  firmware: 'mfw_nrf9160_1.3.5',
  provenance: 'device',
  framing: 'lines',
  notes: 'Full provisioning run: offline, IMEI, firmware, delete, KEYGEN, write CA and client certificate, list digests.',
  exchanges: [
    {
      command: 'AT+CFUN=4',
      response: 'OK\r\n',
      expect: { lines: [] },
    },
    {
      command: 'AT+CGSN',
      response: '352656109480783\r\nOK\r\n',
      expect: { lines: ['352656109480783'] },
    },
    {
      command: 'AT+CGMR',
      response: 'mfw_nrf9160_1.3.5\r\nOK\r\n',
      expect: { lines: ['mfw_nrf9160_1.3.5'] },
    },
    {
      command: 'AT%CMNG=3,16842753,0',
      response: 'OK\r\n',
      expect: { lines: [] },
    },
    {
      command: 'AT%CMNG=3,16842753,1',
      response: 'OK\r\n',
      expect: { lines: [] },
    },
    {
      command: 'AT%CMNG=3,16842753,2',
      response: 'OK\r\n',
      expect: { lines: [] },
    },
    {
      command: 'AT%KEYGEN=16842753,2,0',
      response: '%KEYGEN: "MIIBCjCBrwIBADAvMS0wKwYDVQQDDCQ1MDUwMzY0Mi0zMjM5LTRmODYtODBjNC0wNjEyMmUyOTk2MjMwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARiUcy3JPF23JN4WN6ek_uEF_9BAz79CSTDx0ZQDJSlEz5EfWDTLImxXGa6_VOOonrHQ64p77hcSaZqNweE4kV6oB4wHAYJKoZIhvcNAQkOMQ8wDTALBgNVHQ8EBAMCA-gwDAYIKoZIzj0EAwIFAANIADBFAiAyuRZLkBvksmLLZvxY_HnqEkZIFhpHQ9e4tIZDxX8MQwIhAN1APbTPnEA_J0AMOviRVocbGskLr-_-HFuQR1g2owZc.0oRDoQEmoQRBIVhP2dn3hQlQUFA2QjI5T4aAxAYSLimWI0UaAQEAAVgggTi2Q8GE2LqjCUpqPsoiYEjvHtPZ6CEbNAry8l3hcuRQgpdUdyqu7lyBKwz6B3EwpVhA6JwXchVqyuJHXDM_qZy91o2d7v7HpMMqOO7oDOACbmJ7iFmjaX10Iw6q_BxZw1bvRigo4lF5F35ooIt7z4ohAg"\r\nOK\r\n',
      expect: { lines: ['%KEYGEN: "MIIBCjCBrwIBADAvMS0wKwYDVQQDDCQ1MDUwMzY0Mi0zMjM5LTRmODYtODBjNC0wNjEyMmUyOTk2MjMwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARiUcy3JPF23JN4WN6ek_uEF_9BAz79CSTDx0ZQDJSlEz5EfWDTLImxXGa6_VOOonrHQ64p77hcSaZqNweE4kV6oB4wHAYJKoZIhvcNAQkOMQ8wDTALBgNVHQ8EBAMCA-gwDAYIKoZIzj0EAwIFAANIADBFAiAyuRZLkBvksmLLZvxY_HnqEkZIFhpHQ9e4tIZDxX8MQwIhAN1APbTPnEA_J0AMOviRVocbGskLr-_-HFuQR1g2owZc.0oRDoQEmoQRBIVhP2dn3hQlQUFA2QjI5T4aAxAYSLimWI0UaAQEAAVgggTi2Q8GE2LqjCUpqPsoiYEjvHtPZ6CEbNAry8l3hcuRQgpdUdyqu7lyBKwz6B3EwpVhA6JwXchVqyuJHXDM_qZy91o2d7v7HpMMqOO7oDOACbmJ7iFmjaX10Iw6q_BxZw1bvRigo4lF5F35ooIt7z4ohAg"'] },
    },
    {
      command: `AT%CMNG=0,16842753,0,"${AMAZON_ROOT_CA_1_PEM}"`,
      response: 'OK\r\n',
      expect: { lines: [] },
    },
    {
      command: `AT%CMNG=0,16842753,1,"${MACOS_DEVICE_CERT_PEM}"`,
      response: 'OK\r\n',
      expect: { lines: [] },
    },
    {
      command: 'AT%CMNG=1,16842753,0',
      response: '%CMNG: 16842753,0,"2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1"\r\nOK\r\n',
      expect: { lines: ['%CMNG: 16842753,0,"2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1"'] },
    },
    {
      command: 'AT%CMNG=1,16842753,1',
      response: '%CMNG: 16842753,1,"C5B83285533307747ECB170B96C5B47F809D24CFE2BE553B4ED9B5D12551C08E"\r\nOK\r\n',
      expect: { lines: ['%CMNG: 16842753,1,"C5B83285533307747ECB170B96C5B47F809D24CFE2BE553B4ED9B5D12551C08E"'] },
    },
    {
      command: 'AT%CMNG=1,16842753,2',
      response: '%CMNG: 16842753,2,"372A8D78BFF2AB42DA1AA559A1AE2B7AA6A4694CDA1427D18609311D525F370C"\r\nOK\r\n',
      expect: { lines: ['%CMNG: 16842753,2,"372A8D78BFF2AB42DA1AA559A1AE2B7AA6A4694CDA1427D18609311D525F370C"'] },
    },
  ],
};

/** The device certificate the tool issued in the Windows run and wrote to type 1. */
export const WINDOWS_DEVICE_CERT_PEM = [
  '-----BEGIN CERTIFICATE-----',
  'MIIByDCCAW4CFB/Z7a9srkCl7H5KYiFGAxgT+/hmMAoGCCqGSM49BAMCMIGdMQsw',
  'CQYDVQQGEwJVUzELMAkGA1UECAwCT1IxETAPBgNVBAcMCFBvcnRsYW5kMR0wGwYD',
  'VQQKDBROb3JkaWMgU2VtaWNvbmR1Y3RvcjELMAkGA1UECwwCUkQxFzAVBgNVBAMM',
  'Dm5vcmRpY3NlbWkuY29tMSkwJwYJKoZIhvcNAQkBFhpwZXRlci5za2VnZ3NAbm9y',
  'ZGljc2VtaS5ubzAeFw0yMTA4MjQwMDIwMjVaFw0zMTA4MjIwMDIwMjVaMC8xLTAr',
  'BgNVBAMMJDUwNTAzNjQyLTMyMzktNGZhYS04MGRiLTBmMjhlMzU2YWQ5NTBZMBMG',
  'ByqGSM49AgEGCCqGSM49AwEHA0IABGnxEP47vWRWwTmMoOjHzpYxKsMB0k5HVCEb',
  'JsS9EMtM5zGTvV459ZsQdfEAhdrdkddQUS4XPvouiK+NlR1Y3YowCgYIKoZIzj0E',
  'AwIDSAAwRQIgSVFtTVQiXqcJ2OeNVj2sz9s+P0pW546Dp+f+wKDKuQQCIQC1tzn9',
  'F5cAnMPJquIpWKusP/S/3U4QgvKjq6GYndk6nA==',
  '-----END CERTIFICATE-----',
  '',
].join('\n');

export const UTILS_README_9160DK_WINDOWS: AtTranscript = {
  id: 'utils-readme-9160dk-windows',
  source: `${README}@1659acd26f18288297d9318c20b375cfdc8a09be — "9160DK under Windows"`,
  provenance: 'device',
  framing: 'lines',
  notes:
    'The DK ran asset_tracker: going offline raised +CSCON/+CEREG URCs, and the application log shares the UART, ' +
    'so its lines arrive inside the AT+CFUN=4 response as bare (information) lines. The KEYGEN answer is the one in ' +
    '../keygen-fixtures.ts; its attestation names sec_tag 42. Later README versions replaced 42 by 16842753 by hand ' +
    '(commands, and once inside the CA PEM), so this first version is the one quoted.',
  exchanges: [
    {
      command: 'AT+CFUN=4',
      response: '+CSCON: 1\r\n[00:00:28.460,540] <inf> asset_tracker: RRC mode: Connected\r\n+CEREG: 0\r\n[00:00:28.467,834] <inf> asset_tracker: LTE cell changed: Cell ID: -1, Tracking area: -1\r\n+CSCON: 0\r\n[00:00:29.778,564] <inf> asset_tracker: RRC mode: Idle\r\nOK\r\n',
      expect: { lines: ['[00:00:28.460,540] <inf> asset_tracker: RRC mode: Connected', '[00:00:28.467,834] <inf> asset_tracker: LTE cell changed: Cell ID: -1, Tracking area: -1', '[00:00:29.778,564] <inf> asset_tracker: RRC mode: Idle'], urcs: ['+CSCON: 1', '+CEREG: 0', '+CSCON: 0'] },
    },
    {
      command: 'AT%CMNG=3,42,0',
      response: 'OK\r\n',
      expect: { lines: [] },
    },
    {
      command: 'AT%CMNG=3,42,1',
      response: 'OK\r\n',
      expect: { lines: [] },
    },
    {
      command: 'AT%CMNG=3,42,2',
      response: 'OK\r\n',
      expect: { lines: [] },
    },
    {
      command: 'AT%KEYGEN=42,2,0',
      response: '%KEYGEN: "MIIBCTCBrwIBADAvMS0wKwYDVQQDDCQ1MDUwMzY0Mi0zMjM5LTRmYWEtODBkYi0wZjI4ZTM1NmFkOTUwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARp8RD-O71kVsE5jKDox86WMSrDAdJOR1QhGybEvRDLTOcxk71eOfWbEHXxAIXa3ZHXUFEuFz76LoivjZUdWN2KoB4wHAYJKoZIhvcNAQkOMQ8wDTALBgNVHQ8EBAMCA-gwDAYIKoZIzj0EAwIFAANHADBEAiBK1YEDqdwvdWW4y_suz3wlLv11GorZYITgqYPQZL9MmwIgMcFAgyW7hDPFoboweWlVGPys0Vi8nwGg5MaRiaqKxaE.0oRDoQEmoQRBIVhM2dn3hQlQUFA2QjI5T6qA2w8o41atlUIYKlgglD8Gwbrr2nOl8YjYqDVJ4ZqBjNo1bHO4QkdWGibvIXRQUH5ITh55jR_gjPejMo6PpVhA6Ig3EJLFwDUrXzdjRITFvIFlR1NtczbzIu8DtO6sYyWPW7HeYeaMv7EUvvOEykgA338zCKlwtzgmBT6SS1-7sQ"\r\nOK\r\n',
      expect: { lines: ['%KEYGEN: "MIIBCTCBrwIBADAvMS0wKwYDVQQDDCQ1MDUwMzY0Mi0zMjM5LTRmYWEtODBkYi0wZjI4ZTM1NmFkOTUwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARp8RD-O71kVsE5jKDox86WMSrDAdJOR1QhGybEvRDLTOcxk71eOfWbEHXxAIXa3ZHXUFEuFz76LoivjZUdWN2KoB4wHAYJKoZIhvcNAQkOMQ8wDTALBgNVHQ8EBAMCA-gwDAYIKoZIzj0EAwIFAANHADBEAiBK1YEDqdwvdWW4y_suz3wlLv11GorZYITgqYPQZL9MmwIgMcFAgyW7hDPFoboweWlVGPys0Vi8nwGg5MaRiaqKxaE.0oRDoQEmoQRBIVhM2dn3hQlQUFA2QjI5T6qA2w8o41atlUIYKlgglD8Gwbrr2nOl8YjYqDVJ4ZqBjNo1bHO4QkdWGibvIXRQUH5ITh55jR_gjPejMo6PpVhA6Ig3EJLFwDUrXzdjRITFvIFlR1NtczbzIu8DtO6sYyWPW7HeYeaMv7EUvvOEykgA338zCKlwtzgmBT6SS1-7sQ"'] },
    },
    {
      command: `AT%CMNG=0,42,0,"${AMAZON_ROOT_CA_1_PEM}"`,
      response: 'OK\r\n',
      expect: { lines: [] },
    },
    {
      command: `AT%CMNG=0,42,1,"${WINDOWS_DEVICE_CERT_PEM}"`,
      response: 'OK\r\n',
      expect: { lines: [] },
    },
  ],
};

/**
 * Real `AT%KEYGEN=42,2,0` answers from nRF91 modems, quoted in nRFCloud/utils
 * python/modem-firmware-1.3+/README.md (sections "Thingy:91 under Linux" and "9160DK under Windows"),
 * together with the values that repository's modem_credentials_parser.py printed for them.
 * The identity public keys that signed them are not published, so signatures cannot be verified.
 */
export interface RealKeygenFixture {
  readonly source: string;
  readonly line: string;
  readonly uuid: string;
  readonly secTag: number;
  readonly sha256: string;
  readonly nonce: string;
  readonly signature: string;
  /** SPKI of the CSR's key, as printed ("Device public key"), base64. */
  readonly csrSpkiB64: string;
}

const SRC = 'nRFCloud/utils python/modem-firmware-1.3+/README.md';

export const REAL_KEYGEN: readonly RealKeygenFixture[] = [
  {
    source: `${SRC} — Thingy:91 under Linux`,
    line:
      '%KEYGEN: "MIIBCjCBrwIBADAvMS0wKwYDVQQDDCQ1MDM2MzE1NC0zOTMyLTQ4MzQtODAyYi0wOTA4NzE4MzE0ZGMwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATPLBN5-YWj13l6NWeqNFW8VjHOWZB5IfeaEyfMeiUk6V1NEMuYnEBwwrBdV94F5XdscCKDLtvtyKo4VTbnK-mPoB4wHAYJKoZIhvcNAQkOMQ8wDTALBgNVHQ8EBAMCA-gwDAYIKoZIzj0EAwIFAANIADBFAiAO2KmzF9Ms599GC3EueXhmp6AWwtD6c7bA_lhnNc7ZgQIhAMFJC99z_GfLJxCT2U8Dt4MFCB_5wwFYSDcSg-ucfLHS.0oRDoQEmoQRBIVhM2dn3hQlQUDYxVDkySDSAKwkIcYMU3EIYKlgglFk5S_wQVOvIPvm-qjnYS4BZ4mCg7Bsf3cAVIGelPGNQVF8u_v_HrhBJH107c3QBLVhA35AZa4ZWQbm7mRQfFuGGlfLFgiNwMLxxjsmiQHNtT01o5c6pm2uEqMn0T_YY0aEXZer2hCS-YwNoW97zcH_Iug"',
    uuid: '50363154-3932-4834-802b-0908718314dc',
    secTag: 42,
    sha256: '9459394bfc1054ebc83ef9beaa39d84b8059e260a0ec1b1fddc0152067a53c63',
    nonce: '545f2efeffc7ae10491f5d3b7374012d',
    signature:
      'df90196b865641b9bb99141f16e18695f2c582237030bc718ec9a240736d4f4d68e5cea99b6b84a8c9f44ff618d1a11765eaf68424be6303685bdef3707fc8ba',
    csrSpkiB64:
      'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEzywTefmFo9d5ejVnqjRVvFYxzlmQeSH3mhMnzHolJOldTRDLmJxAcMKwXVfeBeV3bHAigy7b7ciqOFU25yvpjw==',
  },
  {
    source: `${SRC} — 9160DK under Windows`,
    line:
      '%KEYGEN: "MIIBCTCBrwIBADAvMS0wKwYDVQQDDCQ1MDUwMzY0Mi0zMjM5LTRmYWEtODBkYi0wZjI4ZTM1NmFkOTUwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARp8RD-O71kVsE5jKDox86WMSrDAdJOR1QhGybEvRDLTOcxk71eOfWbEHXxAIXa3ZHXUFEuFz76LoivjZUdWN2KoB4wHAYJKoZIhvcNAQkOMQ8wDTALBgNVHQ8EBAMCA-gwDAYIKoZIzj0EAwIFAANHADBEAiBK1YEDqdwvdWW4y_suz3wlLv11GorZYITgqYPQZL9MmwIgMcFAgyW7hDPFoboweWlVGPys0Vi8nwGg5MaRiaqKxaE.0oRDoQEmoQRBIVhM2dn3hQlQUFA2QjI5T6qA2w8o41atlUIYKlgglD8Gwbrr2nOl8YjYqDVJ4ZqBjNo1bHO4QkdWGibvIXRQUH5ITh55jR_gjPejMo6PpVhA6Ig3EJLFwDUrXzdjRITFvIFlR1NtczbzIu8DtO6sYyWPW7HeYeaMv7EUvvOEykgA338zCKlwtzgmBT6SS1-7sQ"',
    uuid: '50503642-3239-4faa-80db-0f28e356ad95',
    secTag: 42,
    sha256: '943f06c1baebda73a5f188d8a83549e19a818cda356c73b84247561a26ef2174',
    nonce: '507e484e1e798d1fe08cf7a3328e8fa5',
    signature:
      'e888371092c5c0352b5f37634484c5bc816547536d7336f322ef03b4eeac63258f5bb1de61e68cbfb114bef384ca4800df7f3308a970b73826053e924b5fbbb1',
    csrSpkiB64:
      'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEafEQ/ju9ZFbBOYyg6MfOljEqwwHSTkdUIRsmxL0Qy0znMZO9Xjn1mxB18QCF2t2R11BRLhc++i6Ir42VHVjdig==',
  },
];

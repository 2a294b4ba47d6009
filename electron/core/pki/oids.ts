/** Object identifiers the engine writes or recognises, named once. */
export const Oid = {
  // public key algorithms
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
  x25519: '1.3.101.110',
  dsa: '1.2.840.10040.4.1',
  // named curves
  secp256r1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  secp521r1: '1.3.132.0.35',
  secp256k1: '1.3.132.0.10',
  // signature algorithms
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  // extensions
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  // CRL extensions (RFC 5280 §5.2, §5.3)
  crlNumber: '2.5.29.20',
  crlReason: '2.5.29.21',
  certificatePolicies: '2.5.29.32',
  // extended key usages
  clientAuth: '1.3.6.1.5.5.7.3.2',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  /**
   * Custodian's private arc: a UUID OID (ITU-T X.667, 2.25.<uuid>), which needs
   * no registration. `.1.1` = signing work orders (docs/work-orders.md).
   */
  workOrderSigning: '2.25.336490436847501666488520541660040060015.1.1',
  /**
   * A certificate policy on a station's CA certificate (`.2.1` under the same
   * arc): the station signs devices only under signed work orders (docs/work-orders.md).
   */
  workOrdersRequired: '2.25.336490436847501666488520541660040060015.2.1',
  // attributes
  extensionRequest: '1.2.840.113549.1.9.14',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  country: '2.5.4.6',
} as const;

/** Short names of name attributes, as RFC 4514 text writes them. */
const ATTRIBUTE_LABELS: Record<string, string> = {
  [Oid.commonName]: 'CN',
  [Oid.organization]: 'O',
  [Oid.organizationalUnit]: 'OU',
  [Oid.country]: 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.5': 'serialNumber',
  '1.2.840.113549.1.9.1': 'E',
  '0.9.2342.19200300.100.1.25': 'DC',
};

const CURVE_NAMES: Record<string, string> = {
  [Oid.secp256r1]: 'P-256',
  [Oid.secp384r1]: 'P-384',
  [Oid.secp521r1]: 'P-521',
  [Oid.secp256k1]: 'secp256k1',
  '1.2.840.10045.3.1.1': 'P-192',
  '1.3.132.0.33': 'P-224',
  '1.3.36.3.3.2.8.1.1.7': 'brainpoolP256r1',
};

const ALGORITHM_NAMES: Record<string, string> = {
  [Oid.ecPublicKey]: 'EC',
  [Oid.rsaEncryption]: 'RSA',
  [Oid.rsassaPss]: 'RSASSA-PSS',
  [Oid.ed25519]: 'Ed25519',
  [Oid.ed448]: 'Ed448',
  [Oid.x25519]: 'X25519',
  [Oid.dsa]: 'DSA',
};

const EKU_NAMES: Record<string, string> = {
  [Oid.clientAuth]: 'clientAuth',
  [Oid.serverAuth]: 'serverAuth',
  [Oid.workOrderSigning]: 'custodianWorkOrderSigning',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

const EXTENSION_NAMES: Record<string, string> = {
  [Oid.basicConstraints]: 'basicConstraints',
  [Oid.keyUsage]: 'keyUsage',
  [Oid.extKeyUsage]: 'extendedKeyUsage',
  [Oid.subjectKeyIdentifier]: 'subjectKeyIdentifier',
  [Oid.authorityKeyIdentifier]: 'authorityKeyIdentifier',
  [Oid.subjectAltName]: 'subjectAltName',
  '2.5.29.30': 'nameConstraints',
  '2.5.29.31': 'cRLDistributionPoints',
  '2.5.29.32': 'certificatePolicies',
  '1.3.6.1.5.5.7.1.1': 'authorityInfoAccess',
};

export const attributeLabel = (oid: string): string => ATTRIBUTE_LABELS[oid] ?? oid;
export const curveName = (oid: string): string => CURVE_NAMES[oid] ?? oid;
export const algorithmName = (oid: string): string => ALGORITHM_NAMES[oid] ?? oid;
export const ekuName = (oid: string): string => EKU_NAMES[oid] ?? oid;
export const extensionName = (oid: string): string => EXTENSION_NAMES[oid] ?? oid;

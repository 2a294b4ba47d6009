import type { KeyAlgorithm } from '../../../../electron/shared/api/common';

/** Key algorithms the contract accepts, in the order we recommend them. */
export const KEY_ALGORITHMS: readonly { value: KeyAlgorithm; label: string }[] = [
  { value: 'P-256', label: 'ECDSA P-256 (recommended)' },
  { value: 'P-384', label: 'ECDSA P-384' },
  { value: 'RSA-2048', label: 'RSA 2048' },
  { value: 'RSA-3072', label: 'RSA 3072' },
  { value: 'RSA-4096', label: 'RSA 4096' },
];

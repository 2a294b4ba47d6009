/** Ed25519 in the token (CKM_EDDSA), as the ledger's checkpoint key would use it: SoftHSM2 2.6 offers it. */
import { createPublicKey, verify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { Ed25519TokenKey, parsePkcs11Uri, supportsEd25519, TokenSession } from '../../electron/core/token/index';
import { HAVE_PKCS11_TOOL, HAVE_SOFTHSM, startSoftHsm, type SoftHsm } from './softhsm';

const PIN = '777111';
let hsm: SoftHsm;
/** SPKI prefix of an Ed25519 public key (RFC 8410). */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

describe.skipIf(!HAVE_SOFTHSM)('Ed25519 keys in the token (SoftHSM2)', () => {
  beforeAll(() => {
    hsm = startSoftHsm();
    hsm.initToken('ledger', PIN);
  });

  it('generates a non-extractable Ed25519 key whose signatures Node verifies', async () => {
    const s = TokenSession.open(parsePkcs11Uri(hsm.uri('ledger', 'checkpoint')));
    try {
      await s.login(PIN);
      expect(await supportsEd25519(s)).toBe(true);
      const key = await Ed25519TokenKey.generate(s, 'checkpoint');
      const pub = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, key.publicKey]), format: 'der', type: 'spki' });
      const msgs = Array.from({ length: 8 }, (_, i) => Buffer.from(`origin\n${i}\nroot\n`));
      const sigs = await Promise.all(msgs.map((m) => key.sign(m)));
      expect(sigs.every((sig, i) => sig.length === 64 && verify(null, msgs[i]!, pub, sig))).toBe(true);
      if (HAVE_PKCS11_TOOL) {
        const priv = hsm.listObjects('ledger', PIN).split(/\n(?=\S)/).find((b) => b.startsWith('Private Key Object') && b.includes(key.idHex))!;
        expect(/Access:\s+(.*)/.exec(priv)![1]!.split(/,\s*/)).toEqual(expect.arrayContaining(['sensitive', 'never extractable']));
      }
    } finally {
      await s.close();
    }
  });
});

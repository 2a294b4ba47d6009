/**
 * A test AuthorityPort backed by the real certificate engine (electron/core/pki)
 * with a real extractable CA key, so tests can check that nothing the service
 * returns contains that key. It keeps the key in memory only while "unlocked".
 */
import { webcrypto } from 'node:crypto';
import { CustodianError } from '../../electron/core/errors';
import { exportPkcs8, generateKeyPair, issueCertificate, type CryptoKeyPair } from '../../electron/core/pki';
import type { AuthorityPort } from '../../electron/core/service/ports';

export class PkiTestAuthority implements AuthorityPort {
  keys: CryptoKeyPair | null = null;
  chainDer: Uint8Array[] = [];
  private passphrase: string | null = null;
  unlocked = false;
  kind: 'root' | 'demo' | null = null;
  readonly calls: string[] = [];

  async describe() {
    return { kind: this.kind, unlocked: this.unlocked, chainDer: this.chainDer };
  }
  async unlock(passphrase: string) {
    this.calls.push('unlock');
    if (!this.kind) throw new CustodianError('AUTHORITY_NOT_CONFIGURED', 'No authority.');
    if (passphrase !== this.passphrase) throw new CustodianError('VAULT_BAD_PASSPHRASE', 'The passphrase is not correct.');
    this.unlocked = true;
  }
  async lock() {
    this.calls.push('lock');
    this.unlocked = false;
  }
  async initRoot(req: Parameters<AuthorityPort['initRoot']>[0]) {
    this.calls.push('initRoot');
    if (req.passphrase === undefined) throw new CustodianError('API_NOT_AVAILABLE', 'token keys are not in the test authority');
    await this.makeRoot(req.subject.commonName, req.passphrase, req.pathLen ?? undefined, req.validityDays);
    this.kind = 'root';
  }
  async createDemo(req: { passphrase: string }) {
    this.calls.push('createDemo');
    await this.makeRoot('Custodian Demo Root', req.passphrase, 1, 30);
    this.kind = 'demo';
  }
  private async makeRoot(cn: string, passphrase: string, pathLen: number | undefined, days: number) {
    const keys = await generateKeyPair('P-256', { extractable: true });
    const cert = await issueCertificate({
      profile: 'rootCa', commonName: cn, subjectPublicKey: keys.publicKey, issuer: 'self', selfKeys: keys,
      ...(pathLen === undefined ? {} : { pathLen }), notBefore: new Date(Date.now() - 60_000), days,
    });
    this.keys = keys;
    this.chainDer = [cert.der];
    this.passphrase = passphrase;
    this.unlocked = true;
  }
  /** The raw PKCS#8 bytes of the CA key, for leak scans. */
  async privateKeyBytes(): Promise<Uint8Array> {
    if (!this.keys) throw new Error('no key');
    return exportPkcs8(this.keys.privateKey);
  }
  async createRequest(): Promise<{ csrDer: Uint8Array }> { throw new CustodianError('API_NOT_AVAILABLE', 'not in test authority'); }
  async signSubordinate(): Promise<{ certificateDer: Uint8Array; chainDer: Uint8Array[] }> { throw new CustodianError('API_NOT_AVAILABLE', 'not in test authority'); }
  async importBundle(): Promise<never> { throw new CustodianError('API_NOT_AVAILABLE', 'not in test authority'); }
  async verificationCert(req: { code: string; validityDays: number }) {
    this.calls.push('verificationCert');
    if (!this.unlocked || !this.keys) throw new CustodianError('AUTHORITY_LOCKED', 'Locked.');
    const k = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const cert = await issueCertificate({
      profile: 'hubVerification', commonName: req.code, subjectPublicKey: k.publicKey as never,
      issuer: { certificate: this.chainDer[0]!, privateKey: this.keys.privateKey }, notBefore: new Date(), days: req.validityDays,
    });
    return { certificateDer: cert.der };
  }
}

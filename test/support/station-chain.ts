/**
 * A Company-X → Factory-Y → Technician-Z chain made directly with the pki
 * engine (no vault, no ceremony), for workflow tests that need an issuer fast.
 * The ceremony path is exercised by the demo test.
 */
import { generateKeyPair, issueCertificate, type IssueRequest, type IssuedCertificate } from '../../electron/core/pki/index';
import type { StationIssuer } from '../../electron/core/station/issuer';

export interface TestChain {
  issuer: StationIssuer;
  rootDer: Uint8Array;
}

export async function makeTestChain(name = 'Company-X'): Promise<TestChain> {
  const notBefore = new Date(Date.now() - 3600_000);
  const rootKeys = await generateKeyPair('P-256', { extractable: false });
  const root = await issueCertificate({ profile: 'rootCa', commonName: name, organization: name, subjectPublicKey: rootKeys.publicKey, issuer: 'self', selfKeys: rootKeys, notBefore, days: 3650 });
  const facKeys = await generateKeyPair('P-256', { extractable: false });
  const factory = await issueCertificate({ profile: 'intermediateCa', commonName: 'Factory-Y', organization: name, subjectPublicKey: facKeys.publicKey, issuer: { certificate: root.der, privateKey: rootKeys.privateKey }, pathLen: 1, notBefore, days: 3000 });
  const techKeys = await generateKeyPair('P-256', { extractable: false });
  const tech = await issueCertificate({ profile: 'intermediateCa', commonName: 'Technician-Z', organization: name, subjectPublicKey: techKeys.publicKey, issuer: { certificate: factory.der, privateKey: facKeys.privateKey }, pathLen: 0, notBefore, days: 2000 });
  return { issuer: { certificate: tech.der, privateKey: techKeys.privateKey, caChain: [tech.der, factory.der, root.der] }, rootDer: root.der };
}

/** issueCertificate wrapped with a counter of what the issuer actually signed. */
export function countingSigner(): { sign: (req: IssueRequest) => Promise<IssuedCertificate>; signed: Uint8Array[] } {
  const signed: Uint8Array[] = [];
  return {
    signed,
    sign: async (req) => {
      const c = await issueCertificate(req);
      signed.push(c.der);
      return c;
    },
  };
}

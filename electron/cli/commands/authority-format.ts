/** Human-readable renderings for `custodian authority …`. */
import type { AuthorityReport } from '../../core/authority/index';

export function renderChain(chain: { subject: string; fingerprintSha256: string; notAfter: string; pathLenRoom: number | null }[]): string[] {
  return chain.map((c, i) => `  ${i === chain.length - 1 ? 'root' : `#${i}  `}  ${c.subject}\n        SHA-256 ${c.fingerprintSha256}\n        until ${c.notAfter}, pathLen room ${c.pathLenRoom === null ? 'unlimited' : c.pathLenRoom}`);
}

/** Both fingerprints an import compared: the root the officer pinned and the root the bundle's chain ends in. */
export function renderRootCheck(root: { pinnedSha256: string; chainSha256: string; pinnedBy: 'certificate' | 'sha256' }): string[] {
  return [
    `  pinned root   SHA-256 ${root.pinnedSha256} (by ${root.pinnedBy === 'certificate' ? 'certificate' : 'fingerprint'})`,
    `  chain's root  SHA-256 ${root.chainSha256}${root.chainSha256 === root.pinnedSha256 ? ' (matches)' : ''}`,
  ];
}

export function renderReport(r: AuthorityReport): string[] {
  if (r.state === 'none') return [`No authority on this station (${r.home}).`, 'Create one with `custodian authority init-root` or `custodian authority request`.'];
  const lines = [
    `Authority: ${r.subject?.commonName ?? '?'}${r.subject?.organization ? ` (${r.subject.organization})` : ''}`,
    `  state     ${r.state}${r.kind ? `, ${r.kind}` : ''}`,
    `  key       ${r.keySpec ?? '?'} (${r.keyOrigin ?? '?'}), SPKI SHA-256 ${r.spkiSha256 ?? '?'}`,
  ];
  if (r.keyLocation?.kind === 'token') {
    lines.push(`  token     "${r.keyLocation.tokenLabel}", serial ${r.keyLocation.tokenSerial} (${r.keyLocation.tokenManufacturer} ${r.keyLocation.tokenModel})`);
    lines.push(`  key id    ${r.keyLocation.keyIdHex}${r.keyLocation.keyLabel !== null ? `, label "${r.keyLocation.keyLabel}"` : ''}`);
    lines.push(`  key URI   ${r.keyLocation.uri}`);
  }
  if (r.keyFile && 'problem' in r.keyFile) lines.push(`  key file  ${r.keyFile.path}: PROBLEM: ${r.keyFile.problem}`);
  else if (r.keyFile) lines.push(`  key file  ${r.keyFile.path} (${r.keyFile.format}, scrypt 2^${r.keyFile.logN}, mode ${r.keyFile.mode})`);
  if (r.pinnedRoot) lines.push(`  root      pinned to SHA-256 ${r.pinnedRoot.sha256}${r.pinnedRoot.subject ? ` (${r.pinnedRoot.subject})` : ''}`);
  else if (r.state === 'pending') lines.push('  root      not pinned: give it at import (--root <file> or --root-sha256 <hex>)');
  if (r.pendingRequest) lines.push(`  pending   ${r.pendingRequest.file} (CSR SHA-256 ${r.pendingRequest.csrSha256}); import the signed bundle next`);
  if (r.chain.length > 0) {
    lines.push('  chain (this CA first):');
    for (const c of r.chain) {
      lines.push(`    ${c.subject}${c.selfSigned ? '  [root]' : ''}`);
      lines.push(`      SHA-256  ${c.fingerprintSha256}`);
      lines.push(`      expires  ${c.notAfter} (${c.daysLeft < 0 ? `EXPIRED ${-c.daysLeft} days ago` : `${c.daysLeft} days left`})`);
      if (c.isCa) lines.push(`      pathLen  ${c.pathLen ?? 'none'}, room below: ${c.pathLenRoom === null ? 'unlimited' : c.pathLenRoom}`);
    }
  }
  const w = r.expiryWarning;
  if (w) {
    const next = r.kind === 'root'
      ? 'a root is not rolled over: create the new root and hand it to the hub and downstream custodians'
      : r.successor ? 'import its signed successor' : 'request a successor now with `custodian authority request --successor`';
    lines.push(w.thresholdDays === 0
      ? `  WARNING   this CA has EXPIRED: it signs nothing that validates; ${next}`
      : `  WARNING   this CA expires in ${w.daysLeft} day(s) (under ${w.thresholdDays}): ${next}`);
  }
  if (r.successor) lines.push(`  successor ${r.successor.subject}, key SHA-256 ${r.successor.spkiSha256}; CSR ${r.successor.requestFile} (SHA-256 ${r.successor.csrSha256}): import the signed bundle next`);
  if (r.retired.length > 0) {
    lines.push('  retired CAs (no new signatures; kept for CRLs and their devices\' chains):');
    for (const g of r.retired) lines.push(`    ${g.subject}  SHA-256 ${g.fingerprintSha256}  retired ${g.retiredAt}, expires ${g.notAfter} (${g.daysLeft < 0 ? 'expired' : `${g.daysLeft} days left`})`);
  }
  return lines;
}

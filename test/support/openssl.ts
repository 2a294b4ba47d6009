/** Thin helpers for tests that check our output with, or build inputs by, real OpenSSL. */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function openssl(args: string[], opts: { cwd?: string; input?: string | Buffer } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('openssl', args, { cwd: opts.cwd, input: opts.input, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function opensslOk(args: string[], opts: { cwd?: string; input?: string | Buffer } = {}): string {
  const r = openssl(args, opts);
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const CA_EXT = `[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;

/** A root → intermediate chain made with plain OpenSSL, as Azure's certGen.sh does. */
export function makeOpensslCa(dir: string, name: string): { rootPem: string; rootKey: string; intPem: string; intKey: string } {
  writeFileSync(join(dir, 'ca.ext'), CA_EXT);
  const p = (f: string) => join(dir, `${name}-${f}`);
  opensslOk(['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('root.key'),
    '-out', p('root.pem'), '-days', '30', '-subj', `/CN=${name} Root`, '-config', join(dir, 'ca.ext'), '-extensions', 'v3_ca']);
  opensslOk(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('int.key'),
    '-out', p('int.csr'), '-subj', `/CN=${name} Intermediate`]);
  opensslOk(['x509', '-req', '-in', p('int.csr'), '-CA', p('root.pem'), '-CAkey', p('root.key'), '-CAcreateserial',
    '-out', p('int.pem'), '-days', '20', '-extfile', join(dir, 'ca.ext'), '-extensions', 'v3_ca']);
  return { rootPem: p('root.pem'), rootKey: p('root.key'), intPem: p('int.pem'), intKey: p('int.key') };
}

/** A P-256 device leaf for `cn`, signed by the given CA with OpenSSL. */
export function makeOpensslLeaf(dir: string, cn: string, caPem: string, caKey: string): { certPem: string; keyPem: string } {
  const p = (f: string) => join(dir, `${cn}.${f}`);
  opensslOk(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('key'),
    '-out', p('csr'), '-subj', `/CN=${cn}`]);
  opensslOk(['x509', '-req', '-in', p('csr'), '-CA', caPem, '-CAkey', caKey, '-CAcreateserial', '-out', p('pem'),
    '-days', '10', '-extfile', join(dir, 'ca.ext'), '-extensions', 'v3_leaf']);
  return { certPem: p('pem'), keyPem: p('key') };
}

/** A hub server certificate for localhost / 127.0.0.1 issued by `ca`, as a real hub's is issued by its server root. */
export function makeHubServer(dir: string, name: string, ca: { rootPem: string; rootKey: string }): { certPem: string; keyPem: string; caPem: string } {
  const p = (f: string) => join(dir, `${name}-server.${f}`);
  writeFileSync(p('ext'), 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1, DNS:localhost\n');
  opensslOk(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('key'), '-out', p('csr'), '-subj', `/CN=${name}.hub.test`]);
  opensslOk(['x509', '-req', '-in', p('csr'), '-CA', ca.rootPem, '-CAkey', ca.rootKey, '-CAcreateserial', '-out', p('pem'), '-days', '5', '-extfile', p('ext')]);
  return { certPem: readFileSync(p('pem'), 'utf8'), keyPem: readFileSync(p('key'), 'utf8'), caPem: readFileSync(ca.rootPem, 'utf8') };
}

/**
 * The certificate a server serves with `--tls`: the files of `--cert` and `--key`, checked, or a
 * self-signed certificate for 127.0.0.1, ::1 and localhost made at start with Debian's `openssl`
 * (already on every machine that has Node's TLS; no npm dependency). Made once per process.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerOptions } from '../contract/index.ts';

/** What a TLS server serves, and what its clients trust. */
export interface TlsMaterial {
  /** The certificate (chain), PEM: what a client passes as its CA to trust a self-signed one. */
  readonly cert: string;
  readonly key: string;
  /** Where the certificate is on disk (`curl --cacert FILE`). */
  readonly certFile: string;
  /** Made at start rather than given with `--cert`/`--key`. */
  readonly selfSigned: boolean;
}

/** Days the self-signed certificate is valid: longer than any run, short enough to be obviously a test one. */
const SELF_SIGNED_DAYS = 7;
/**
 * The names the self-signed certificate is valid for: the loopback addresses, and the address the
 * server listens on when it is another IP (a server across the bench's network with distance).
 */
export function selfSignedNames(host: string): string {
  const names = ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost'];
  if (isIP(host) !== 0 && !names.includes(`IP:${host}`) && host !== '0.0.0.0' && host !== '::') names.push(`IP:${host}`);
  return `subjectAltName=${names.join(',')}`;
}

/** What this process loaded or made, by `cert` and `key` file ('' for the self-signed one). */
const loaded = new Map<string, TlsMaterial>();

/**
 * The TLS material of a server's options, or `undefined` without `--tls`; loaded (or made) once
 * per process. Throws an Error naming the option.
 */
export function tlsMaterial(options: Pick<ServerOptions, 'tls' | 'cert' | 'key' | 'host'>): TlsMaterial | undefined {
  if (!options.tls) return undefined;
  const id = `${options.cert}\0${options.key}\0${options.host}`;
  let material = loaded.get(id);
  if (!material) loaded.set(id, (material = options.cert === '' ? makeSelfSigned(options.host) : loadFiles(options.cert, options.key)));
  return material;
}

function loadFiles(certFile: string, keyFile: string): TlsMaterial {
  const cert = readPem('cert', certFile);
  const key = readPem('key', keyFile);
  checkPair(cert, key, certFile, keyFile);
  return { cert, key, certFile, selfSigned: false };
}

function readPem(option: 'cert' | 'key', file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`option ${option}: cannot read ${JSON.stringify(file)} (${(error as Error).message}); give a readable PEM file`, { cause: error });
  }
}

/** The certificate parses, the key parses, and the key is the certificate's. */
function checkPair(cert: string, key: string, certFile: string, keyFile: string): void {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`option cert: ${JSON.stringify(certFile)} is not a PEM certificate (${(error as Error).message}); it must begin with -----BEGIN CERTIFICATE-----`, { cause: error });
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new Error(`option key: ${JSON.stringify(keyFile)} is not an unencrypted PEM private key (${(error as Error).message})`, { cause: error });
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new Error(`option key: ${JSON.stringify(keyFile)} is not the private key of option cert ${JSON.stringify(certFile)} (subject ${x509.subject.replace(/\n/g, ', ')}); give the key the certificate was made for`);
  }
}

/** Makes a P-256 self-signed certificate in a temporary folder, removed when the process exits. */
function makeSelfSigned(host: string): TlsMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-tls-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  // prettier-ignore
  const args = [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', String(SELF_SIGNED_DAYS), '-subj', '/CN=localhost', '-addext', selfSignedNames(host),
    '-keyout', keyFile, '-out', certFile,
  ];
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(
      `option tls: making a self-signed certificate needs the openssl command (Debian: apt-get install openssl), or give option cert and option key: ${stderr || (error as Error).message}`,
      { cause: error },
    );
  }
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, selfSigned: true };
}

/**
 * How long a TLS handshake may take, ms: a client that opens a connection and sends nothing is cut
 * as a slow request is (Node's default would hold its socket for 120 s).
 */
export function handshakeTimeoutMs(options: Pick<ServerOptions, 'headersTimeoutMs'>): number {
  return options.headersTimeoutMs;
}

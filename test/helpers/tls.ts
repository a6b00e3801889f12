/** TLS in tests: certificate files made with openssl, and HTTPS and HTTP/2 requests that trust a given CA. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { onCleanup } from '../../servers/contract/conformance/servers.ts';

/** A P-256 certificate for `subject` (with 127.0.0.1 and localhost as its names) and its key, as files removed after the test. */
export function makeCertFiles(subject = '/CN=test-cert'): { certFile: string; keyFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-test-cert-'));
  onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  // prettier-ignore
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', subject, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return { certFile, keyFile };
}

/** What an HTTPS request got: status, body, and the certificate the server showed. */
export interface HttpsAnswer {
  readonly status: number;
  readonly body: string;
  readonly peerFingerprint: string;
  readonly alpn: string | false | null;
  readonly httpVersion: string;
}

/** One HTTPS request on a new connection, trusting `ca` (and nothing else when given). */
export function httpsFetch(url: string, ca: string | undefined, init: { method?: string; body?: string } = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = init.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(init.body) };
    const req = httpsRequest(url, { method: init.method ?? 'GET', headers, agent: false, ...(ca === undefined ? {} : { ca }) }, (res) => {
      const socket = res.socket as TLSSocket;
      const peerFingerprint = socket.getPeerCertificate().fingerprint256;
      const alpn = socket.alpnProtocol;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peerFingerprint, alpn, httpVersion: res.httpVersion }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** An HTTP/2 session trusting `ca`, closed after the test; resolves once connected. */
export async function http2Session(url: string, ca: string): Promise<ClientHttp2Session> {
  const session = connectHttp2(url, { ca });
  onCleanup(async () => {
    if (!session.destroyed) session.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  return session;
}

/** One request on an HTTP/2 session: status and body. */
export function http2Fetch(session: ClientHttp2Session, path: string, init: { method?: string; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ':method': init.method ?? 'GET', ':path': path };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const stream = session.request(headers, { endStream: init.body === undefined });
    let status = 0;
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('end', () => resolve({ status, body }));
    stream.on('error', reject);
    if (init.body !== undefined) stream.end(init.body);
  });
}

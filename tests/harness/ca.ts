import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The CA lives in a stable folder, not in a harness's own temp folder: test runners
 * must know its path before they spawn vitest or Playwright, because Node reads
 * NODE_EXTRA_CA_CERTS only at process start.
 */
export const testCaDir = join(tmpdir(), 'intake-test-ca');

const caFileIn = (dir: string) => join(dir, 'ca.pem');
const caKeyIn = (dir: string) => join(dir, 'ca.key');

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-noenc'];

async function exists(path: string): Promise<boolean> {
  return access(path, constants.R_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Builds a folder once, for all processes: built aside and renamed into place, so
 * concurrent callers never see half of it; whoever loses the race uses the winner's.
 */
export async function buildOnce(target: string, complete: string, build: (staging: string) => Promise<void>): Promise<void> {
  if (await exists(complete)) return;
  const staging = await mkdtemp(`${target}-`);
  try {
    await build(staging);
    await rename(staging, target).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  if (!(await exists(complete))) throw new Error(`${target} is incomplete; delete it and try again`);
}

/** Generates the test CA once and reuses it afterwards; returns the CA certificate's path. */
export async function ensureTestCa(): Promise<string> {
  await buildOnce(testCaDir, caKeyIn(testCaDir), async (staging) => {
    await run('openssl', [
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      caKeyIn(staging),
      '-out',
      caFileIn(staging),
      '-days',
      '3650',
      '-subj',
      '/CN=Intake Test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    // Dovecot's unprivileged auth process reads the certificate; the key stays private.
    await chmod(staging, 0o755);
    await chmod(caFileIn(staging), 0o644);
  });
  return caFileIn(testCaDir);
}

export interface ServerCertificate {
  certFile: string;
  keyFile: string;
}

/** Issues a short-lived certificate for `localhost`, 127.0.0.1 and 127.0.0.2 signed by the test CA. */
export async function issueServerCert(dir: string): Promise<ServerCertificate> {
  const caFile = await ensureTestCa();
  const certFile = join(dir, 'server.pem');
  const keyFile = join(dir, 'server.key');
  await run('openssl', [
    'req',
    '-x509',
    ...ecKey,
    '-CA',
    caFile,
    '-CAkey',
    caKeyIn(testCaDir),
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '30',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:127.0.0.2',
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature',
    '-addext',
    'extendedKeyUsage=serverAuth',
  ]);
  return { certFile, keyFile };
}

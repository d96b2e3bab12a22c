import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { buildOnce, ensureTestCa, testCaDir } from './ca';
import { certutilBinary, ensureCertutilInstalled } from './system';

const run = promisify(execFile);

/**
 * A HOME folder whose NSS database trusts the test CA. Chromium reads NSS from
 * $HOME/.pki/nssdb, and NODE_EXTRA_CA_CERTS means nothing to it: launch the browser
 * with this HOME instead of ignoring certificate errors.
 */
export async function browserTrustHome(): Promise<string> {
  const caFile = await ensureTestCa();
  const home = join(testCaDir, 'browser-home');
  const database = (root: string) => `sql:${join(root, '.pki', 'nssdb')}`;
  await buildOnce(home, join(home, '.pki', 'nssdb', 'cert9.db'), async (staging) => {
    await ensureCertutilInstalled();
    await mkdir(join(staging, '.pki', 'nssdb'), { recursive: true });
    await run(certutilBinary, ['-N', '--empty-password', '-d', database(staging)]);
    await run(certutilBinary, ['-A', '-d', database(staging), '-t', 'C,,', '-n', 'Intake Test CA', '-i', caFile]);
  });
  return home;
}

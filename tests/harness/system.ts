import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const dovecotBinary = '/usr/sbin/dovecot';
export const certutilBinary = '/usr/bin/certutil';

async function missingFiles(files: readonly string[]): Promise<string[]> {
  const checks = await Promise.all(
    files.map((file) =>
      access(file, constants.X_OK).then(
        () => null,
        () => file,
      ),
    ),
  );
  return checks.filter((file): file is string => file !== null);
}

/** Installs Debian packages when files they provide are missing; only root may, anyone else is told the command. */
async function ensurePackages(packages: readonly string[], files: readonly string[]): Promise<void> {
  if ((await missingFiles(files)).length === 0) return;
  const installArgs = ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', ...packages];
  const command = `apt-get ${installArgs.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`${packages.join(', ')} not installed and the test harness is not root. Run: sudo ${command}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', installArgs, { env });
  } catch {
    // A fresh machine may have no package lists yet.
    await run('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update'], { env });
    await run('apt-get', installArgs, { env });
  }
  const stillMissing = await missingFiles(files);
  if (stillMissing.length > 0) throw new Error(`"${command}" ran but ${stillMissing.join(', ')} is still missing`);
}

export const ensureDovecotInstalled = () =>
  ensurePackages(['dovecot-imapd', 'dovecot-pop3d'], [dovecotBinary, '/usr/lib/dovecot/imap-login', '/usr/lib/dovecot/pop3-login']);

/** NSS's certutil, to make Chromium trust the test CA. */
export const ensureCertutilInstalled = () => ensurePackages(['libnss3-tools'], [certutilBinary]);

async function idFromDatabase(file: string, name: string): Promise<number> {
  const line = (await readFile(file, 'utf8')).split('\n').find((entry) => entry.startsWith(`${name}:`));
  const id = Number(line?.split(':')[2]);
  if (!Number.isInteger(id)) throw new Error(`no "${name}" entry in ${file}`);
  return id;
}

export interface MailOwner {
  user: string;
  group: string;
  uid: number;
  gid: number;
}

/** Mail processes must not run as root; Dovecot and the delivered files share this identity. */
export async function mailOwner(): Promise<MailOwner> {
  const [uid, gid] = await Promise.all([idFromDatabase('/etc/passwd', 'nobody'), idFromDatabase('/etc/group', 'nogroup')]);
  return { user: 'nobody', group: 'nogroup', uid, gid };
}

/** Debian's Chromium, which Playwright drives (its own browser download cannot work offline). */
export const ensureChromiumInstalled = () => ensurePackages(['chromium'], ['/usr/bin/chromium']);

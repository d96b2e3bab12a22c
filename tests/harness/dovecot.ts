import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  type DovecotConfigInput,
  type DovecotPorts,
  type IntrospectionSettings,
  renderDovecotConfig,
  renderMemberOAuth2Config,
  renderOAuth2Config,
} from './dovecot-config';
import { freePorts, mailHost, waitForGreeting } from './net';
import { killProcessTreeNow, spawnLogged, stopProcessTree } from './processes';
import { dovecotBinary } from './system';

export interface DovecotInstanceOptions
  extends Omit<DovecotConfigInput, 'listen' | 'baseDir' | 'stateDir' | 'logFile' | 'oauth2File' | 'memberOAuth2File' | 'ports'> {
  /** Folder owned by this instance: config, runtime sockets, state and log. */
  dir: string;
  introspection: IntrospectionSettings;
}

const startTimeoutMs = 10_000;

/** One Dovecot master process with its own config, base_dir and ports; the ports survive a restart. */
export class DovecotInstance {
  #child: ChildProcess | undefined;
  #exitError: Error | undefined;

  private constructor(
    readonly ports: DovecotPorts,
    readonly configFile: string,
    readonly logFile: string,
  ) {}

  static async create(options: DovecotInstanceOptions): Promise<DovecotInstance> {
    const [imapStarttls = 0, imapTls = 0, pop3Stls = 0, pop3Tls = 0] = await freePorts(mailHost, 4);
    const ports: DovecotPorts = {
      imap: { starttlsPort: imapStarttls, tlsPort: imapTls },
      pop3: { stlsPort: pop3Stls, tlsPort: pop3Tls },
    };
    const { dir, introspection, ...config } = options;
    const paths = {
      baseDir: join(dir, 'run'),
      stateDir: join(dir, 'state'),
      logFile: join(dir, 'dovecot.log'),
      oauth2File: join(dir, 'oauth2.conf.ext'),
      memberOAuth2File: join(dir, 'oauth2-member.conf.ext'),
    };
    await mkdir(paths.stateDir, { recursive: true });
    const configFile = join(dir, 'dovecot.conf');
    // Read by Dovecot's unprivileged auth process; it holds only test credentials.
    await writeFile(paths.oauth2File, renderOAuth2Config(introspection), { mode: 0o644 });
    await writeFile(paths.memberOAuth2File, renderMemberOAuth2Config(introspection), { mode: 0o644 });
    await writeFile(configFile, renderDovecotConfig({ ...config, ...paths, listen: mailHost, ports }));
    return new DovecotInstance(ports, configFile, paths.logFile);
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    if (this.#child) return;
    this.#exitError = undefined;
    const child = spawnLogged(dovecotBinary, ['-F', '-c', this.configFile], this.logFile);
    this.#child = child;
    child.once('exit', (code, signal) => {
      this.#exitError = new Error(`dovecot exited (code ${code}, signal ${signal})`);
    });
    try {
      const aborted = () => this.#exitError;
      await waitForGreeting(mailHost, this.ports.imap.starttlsPort, '* OK', startTimeoutMs, aborted);
      await waitForGreeting(mailHost, this.ports.pop3.stlsPort, '+OK', startTimeoutMs, aborted);
    } catch (error) {
      await this.stop();
      throw new Error(`${(error as Error).message}; ${this.logFile} ends with:\n${await this.logTail()}`);
    }
  }

  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child) await stopProcessTree(child);
  }

  killNow(): void {
    if (this.#child) killProcessTreeNow(this.#child);
  }

  private async logTail(): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.split('\n').slice(-20).join('\n');
  }
}

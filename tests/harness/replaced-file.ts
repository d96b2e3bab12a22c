import { rename, utimes, writeFile } from 'node:fs/promises';

/**
 * A file that other processes (Dovecot, test workers) read while the harness rewrites it.
 * Writes are serialised and atomic, so no reader sees a half-written or older file.
 */
export class ReplacedFile {
  #writing: Promise<void> = Promise.resolve();
  #mtimeSeconds = 0;

  constructor(readonly path: string) {}

  write(text: string): Promise<void> {
    const next = this.#writing.then(async () => {
      // Dovecot tells a changed passwd-file by its size and whole-second mtime: a later mtime
      // for every write keeps two versions of the same size written in one second apart.
      this.#mtimeSeconds = Math.max(Math.floor(Date.now() / 1000), this.#mtimeSeconds + 1);
      const temporary = `${this.path}.tmp`;
      await writeFile(temporary, text, { mode: 0o644 });
      await utimes(temporary, this.#mtimeSeconds, this.#mtimeSeconds);
      await rename(temporary, this.path);
    });
    this.#writing = next.catch(() => undefined);
    return next;
  }
}

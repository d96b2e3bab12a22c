import { formatSize } from './format-size';

/** What files attached together come to. */
export function totalSize(files: { size: number }[]): number {
  return files.reduce((sum, file) => sum + file.size, 0);
}

/** Why files attached to one comment are refused; said by the form as soon as they are chosen, and by the server. */
export function attachmentsTooLargeMessage(maxBytes: number, totalBytes: number): string {
  return `Attach at most ${formatSize(maxBytes)} to one comment; these files come to ${formatSize(totalBytes)}. Choose fewer or smaller files.`;
}

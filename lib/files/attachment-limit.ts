import { formatSize } from './format-size';

/** What files attached together come to. */
export function totalSize(files: { size: number }[]): number {
  return files.reduce((sum, file) => sum + file.size, 0);
}

/** Why files attached to one comment are refused; said by the form as soon as they are chosen, and by the server. */
export function attachmentsTooLargeMessage(maxBytes: number, totalBytes: number): string {
  // Just over the limit, both round to the same size; bytes show the difference.
  const roundedAlike = formatSize(maxBytes) === formatSize(totalBytes);
  const size = (bytes: number) => (roundedAlike ? `${bytes.toLocaleString('en')} bytes` : formatSize(bytes));
  return `Attach at most ${size(maxBytes)} to one comment; these files come to ${size(totalBytes)}. Choose fewer or smaller files.`;
}

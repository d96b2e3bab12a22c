/**
 * A return path carried by a form or a flow, resolved against APP_URL; null when it would leave
 * Intake. `//evil.com` and `/\evil.com` start with a slash yet name another host once a browser
 * (or the URL parser) resolves them, so the origin is compared after resolving.
 */
export function pathOnApp(path: unknown, appUrl: string): URL | null {
  if (typeof path !== 'string' || !path.startsWith('/')) return null;
  const base = new URL(appUrl);
  const target = URL.canParse(path, base) ? new URL(path, base) : null;
  return target?.origin === base.origin ? target : null;
}

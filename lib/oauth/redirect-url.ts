import { isIP } from 'node:net';
import { addressRangeOf, isLoopbackHost } from '@/lib/net/address-range';
import type { ProviderKind } from './providers';

/** Each integration gets its own redirect URL, so a callback names the server it came from (mix-up defence). */
export function redirectUrlFor(appUrl: string, integrationId: string): string {
  return `${appUrl}/oauth/callback/${integrationId}`;
}

const NON_PUBLIC_SUFFIXES = ['.local', '.localhost', '.internal', '.lan', '.home', '.corp', '.intranet', '.test', '.example', '.invalid'];

/** Whether OAuth can work at all with this APP_URL: HTTPS, or plain HTTP on loopback only. */
export function appUrlAllowsOAuth(appUrl: string): boolean {
  const url = new URL(appUrl);
  return url.protocol === 'https:' || isLoopbackHost(url.hostname);
}

export interface RedirectWarning {
  id: string;
  message: string;
}

/** What an admin should know before registering the redirect URL at the provider. */
export function redirectWarnings(appUrl: string, provider: ProviderKind): RedirectWarning[] {
  const url = new URL(appUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const warnings: RedirectWarning[] = [];
  if (url.protocol !== 'https:') {
    warnings.push(
      isLoopbackHost(host)
        ? {
            id: 'http-loopback',
            message: `APP_URL (${appUrl}) is not HTTPS. OAuth works only because the host is localhost; set APP_URL to an https:// address before anyone else uses Intake.`,
          }
        : {
            id: 'http',
            message: `APP_URL (${appUrl}) is not HTTPS. Providers accept plain http redirect URLs only for localhost, so authorization will not work until APP_URL is an https:// address.`,
          },
    );
  }
  if (provider === 'google') {
    if (isIP(host)) {
      warnings.push({
        id: 'google-ip',
        message: `Google does not accept a raw ${addressRangeOf(host) !== 'public' ? 'private ' : ''}IP address (${host}) in a redirect URL. Use a public domain name in APP_URL.`,
      });
    } else if (!isLoopbackHost(host) && (!host.includes('.') || NON_PUBLIC_SUFFIXES.some((suffix) => host.endsWith(suffix)))) {
      warnings.push({ id: 'google-private-domain', message: `Google accepts only public domains in redirect URLs; ${host} is not one.` });
    }
    warnings.push({
      id: 'google-testing',
      message:
        'If the app stays in Google’s “Testing” publishing status, its refresh tokens expire after 7 days and every mailbox must be re-authorized. Publish the app to keep mailboxes connected.',
    });
    warnings.push({
      id: 'google-verification',
      message:
        'The https://mail.google.com/ scope is restricted: accounts outside your Google Workspace organisation can use it only after Google has verified the app.',
    });
  }
  return warnings;
}

import { type NextRequest, NextResponse } from 'next/server';

/**
 * A fresh nonce per response lets Next.js's own scripts run while a Content-Security-Policy
 * forbids every other script (and eval). Remote images are allowed by the policy but the
 * request view only loads them when the agent clicks *Load images*.
 */
export function proxy(request: NextRequest): NextResponse {
  const nonce = btoa(crypto.randomUUID());
  const development = process.env.NODE_ENV === 'development';
  const policy = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: https: http:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  const headers = new Headers(request.headers);
  headers.set('x-nonce', nonce);
  headers.set('Content-Security-Policy', policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set('Content-Security-Policy', policy);
  return response;
}

export const config = {
  // Downloads and the OAuth callback set their own, stricter headers.
  matcher: ['/((?!_next/static|_next/image|favicon.ico|api/attachments|api/messages|oauth/callback).*)'],
};

import { cookies } from 'next/headers';
import type { NextRequest } from 'next/server';
import { getActor } from '@/app/_server/session';
import { getDatabase } from '@/db/client';
import { getEnv } from '@/lib/env';
import { completeOAuthCallback } from '@/lib/oauth/complete-oauth-callback';
import { browserBindingCookieName } from '@/lib/oauth/start-authorization';
import { pathOnApp } from '@/lib/net/path-on-app';
import { isUuid } from '@/lib/validation';

export const dynamic = 'force-dynamic';

/** The code and state are in this URL: nothing here may leak it onwards. */
const PRIVATE_HEADERS = { 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export async function GET(request: NextRequest, { params }: { params: Promise<{ integrationId: string }> }): Promise<Response> {
  const { integrationId } = await params;
  if (!isUuid(integrationId)) return new Response('Not found', { status: 404, headers: PRIVATE_HEADERS });
  const cookieStore = await cookies();
  const result = await completeOAuthCallback({
    database: await getDatabase(),
    actor: await getActor(),
    integrationId,
    callbackParameters: request.nextUrl.searchParams,
    browserBindingFor: (authorizationId) => cookieStore.get(browserBindingCookieName(authorizationId))?.value,
  });
  if (result.authorizationId) cookieStore.delete(browserBindingCookieName(result.authorizationId));
  const target = pathOnApp(result.returnTo, getEnv().APP_URL);
  if (result.authorizationId && target) {
    target.searchParams.set('authorization', result.authorizationId);
    return new Response(null, { status: 303, headers: { ...PRIVATE_HEADERS, Location: target.toString() } });
  }
  // No authorization could be identified: say so here, loading nothing else.
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorization failed · Intake</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem">
<h1>Authorization failed</h1><p role="alert">${escapeHtml(result.message)}</p><p><a href="/projects">Back to Intake</a></p></body></html>`;
  return new Response(body, {
    status: 400,
    headers: { ...PRIVATE_HEADERS, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'" },
  });
}

import type { IncomingMessage, ServerResponse } from 'node:http';

import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';

import type { Accounts } from './accounts';
import { consentPage, loginPage } from './provider-pages';

export const interactionPrefix = '/interaction/';

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendHtml(res: ServerResponse, html: string, status = 200): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  });
  res.end(html);
}

function requestedScopes(interaction: Interaction): string[] {
  const { details } = interaction.prompt;
  return [...(details.missingOIDCScope ?? []), ...Object.values(details.missingResourceScopes ?? {}).flat()];
}

/** Login and consent pages for the provider's interactions: `GET /interaction/:uid` and its form posts. */
export function interactionHandler(provider: Provider, accounts: Accounts) {
  function show(res: ServerResponse, interaction: Interaction, failed?: { error: string; email: string }): void {
    const base = `${interactionPrefix}${interaction.uid}`;
    if (interaction.prompt.name === 'login') {
      sendHtml(res, loginPage({ action: `${base}/login`, ...failed }), failed ? 401 : 200);
      return;
    }
    sendHtml(
      res,
      consentPage({
        allowAction: `${base}/confirm`,
        denyAction: `${base}/deny`,
        clientName: interaction.params.client_id,
        email: interaction.session?.accountId ?? '',
        scopes: requestedScopes(interaction),
      }),
    );
  }

  async function login(req: IncomingMessage, res: ServerResponse, interaction: Interaction) {
    const form = await readForm(req);
    const email = (form.get('email') ?? '').trim().toLowerCase();
    const password = accounts.passwordOf(email);
    if (password === undefined || password !== form.get('password')) {
      // The form keeps the email typed, so only the password needs retyping.
      show(res, interaction, { error: 'Wrong email or password.', email });
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: email } }, { mergeWithLastSubmission: false });
  }

  async function confirm(req: IncomingMessage, res: ServerResponse, interaction: Interaction) {
    const { prompt, grantId, session, params } = interaction;
    const grant =
      (grantId ? await provider.Grant.find(grantId) : undefined) ?? new provider.Grant({ accountId: session?.accountId ?? '', clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }

  async function deny(req: IncomingMessage, res: ServerResponse) {
    await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user denied access.' }, { mergeWithLastSubmission: false });
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const [, action] = (req.url ?? '').slice(interactionPrefix.length).split(/[/?]/);
    try {
      const interaction = await provider.interactionDetails(req, res);
      if (req.method === 'GET' && action === undefined) return show(res, interaction);
      if (req.method === 'POST' && action === 'login' && interaction.prompt.name === 'login') {
        return await login(req, res, interaction);
      }
      if (req.method === 'POST' && action === 'confirm' && interaction.prompt.name === 'consent') {
        return await confirm(req, res, interaction);
      }
      if (req.method === 'POST' && action === 'deny') return await deny(req, res);
      res.writeHead(404).end();
    } catch (error) {
      // Typically an expired interaction or missing cookie: say so instead of hanging the browser.
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end(`Interaction failed: ${(error as Error).message}`);
    }
  };
}

/** The prompt a page asks for, marked so the headless flow can tell the pages apart without scraping text. */
export type PagePrompt = 'login' | 'consent';

export const promptMarker = (prompt: PagePrompt) => `data-prompt="${prompt}"`;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function page(prompt: PagePrompt, title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Test identity provider</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 24rem; margin: 4rem auto; padding: 0 1rem; }
label, input, button { display: block; width: 100%; box-sizing: border-box; margin-top: .5rem; }
input, button { padding: .5rem; font-size: 1rem; }
button { margin-top: 1rem; }
.error { color: #b00020; }
</style>
</head>
<body ${promptMarker(prompt)}>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>`;
}

export function loginPage(options: { action: string; email?: string; error?: string }): string {
  const error = options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : '';
  return page(
    'login',
    'Sign in',
    `${error}
<form method="post" action="${escapeHtml(options.action)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(options.email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

export function consentPage(options: { allowAction: string; denyAction: string; clientName: string; email: string; scopes: string[] }): string {
  const scopes = options.scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('\n');
  return page(
    'consent',
    'Allow access?',
    `<p><strong>${escapeHtml(options.clientName)}</strong> wants to access the account <strong>${escapeHtml(options.email)}</strong>:</p>
<ul>
${scopes}
</ul>
<form method="post" action="${escapeHtml(options.allowAction)}"><button type="submit">Allow</button></form>
<form method="post" action="${escapeHtml(options.denyAction)}"><button type="submit">Deny</button></form>`,
  );
}

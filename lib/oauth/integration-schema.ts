import { z } from 'zod';
import { isLoopbackHost } from '@/lib/net/address-range';
import { normalizeDomain } from './mailbox-domains';
import { PROVIDER_KINDS } from './providers';

/** Provider endpoints must be HTTPS; plain HTTP only for a server on this machine. */
export const endpointSchema = z
  .string()
  .trim()
  .pipe(z.url({ error: 'Enter a full URL such as https://login.example.com/oauth2/token.' }))
  .refine((value) => {
    if (!URL.canParse(value)) return true; // The URL check above already reported it.
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  }, 'Use an https:// URL.');

const optionalEndpoint = z.preprocess((value) => (value === '' || value === undefined ? null : value), endpointSchema.nullable());

/** One entry per line or separated by commas/spaces. */
function splitList(value: unknown): unknown {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') return value;
  return value.split(/[\s,]+/).filter(Boolean);
}

export const scopesSchema = z.preprocess(
  splitList,
  z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'Scopes are words or URLs without spaces or quotes.'))
    .min(1, 'Enter at least one scope.')
    .transform((scopes) => [...new Set(scopes)]),
);

export const mailboxDomainsSchema = z.preprocess(
  splitList,
  z
    .array(z.string())
    .min(1, 'Enter at least one mailbox domain, such as acme.com.')
    .transform((domains, context) => {
      const normalized: string[] = [];
      for (const domain of domains) {
        const result = normalizeDomain(domain);
        if (result.ok) normalized.push(result.domain);
        else context.addIssue({ code: 'custom', message: `“${domain}” ${result.problem}.` });
      }
      return [...new Set(normalized)];
    }),
);

export const otherMailHostsSchema = z.preprocess(
  splitList,
  z
    .array(
      z
        .string()
        .regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$/, 'Enter host names such as imap.acme.com, one per line.'),
    )
    .max(20, 'Enter at most 20 hosts.')
    .transform((hosts) => [...new Set(hosts.map((host) => host.toLowerCase()))]),
);

export const allowedTenantsSchema = z.preprocess(
  splitList,
  z
    .array(z.uuid('Enter tenant IDs such as 72f988bf-86f1-41af-91ab-2d7cd011db47 (Microsoft Entra › Overview › Tenant ID), one per line.'))
    .max(50, 'Enter at most 50 tenants.')
    .transform((tenants) => [...new Set(tenants.map((tenant) => tenant.toLowerCase()))]),
);

export const integrationFormSchema = z.object({
  provider: z.enum(PROVIDER_KINDS, { error: 'Choose Google, Microsoft or Custom.' }),
  name: z.string().trim().min(1, 'Enter a name, such as “Google Workspace”.').max(120, 'Use at most 120 characters.'),
  authorizationEndpoint: optionalEndpoint,
  tokenEndpoint: optionalEndpoint,
  issuer: optionalEndpoint,
  userinfoEndpoint: optionalEndpoint,
  clientId: z.string().trim().min(1, 'Enter the client ID from the provider.').max(512, 'Use at most 512 characters.'),
  /** Empty on edit keeps the stored secret. */
  clientSecret: z.string().trim().max(2048, 'Use at most 2048 characters.').default(''),
  scopes: scopesSchema,
  mailboxDomains: mailboxDomainsSchema,
  otherMailHosts: otherMailHostsSchema.default([]),
  allowedTenants: allowedTenantsSchema.default([]),
});

export type IntegrationForm = z.output<typeof integrationFormSchema>;

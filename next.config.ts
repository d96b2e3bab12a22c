import type { NextConfig } from 'next';
import { parseMaxAttachmentBytes } from './lib/env';

/**
 * Room in a comment's form for everything but its files: up to 100,000 characters of message
 * (at most 4 bytes each in UTF-8) and the multipart framing.
 */
const COMMENT_FORM_OVERHEAD_BYTES = 1024 * 1024;

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // `npm test` type-checks the whole tree (app, lib and tests) with `tsc`; building skips it to start faster.
  typescript: { ignoreBuildErrors: true },
  // Native, wasm and socket-heavy packages are loaded by Node at run time, not bundled.
  // Forms with files are checked against INTAKE_MAX_ATTACHMENT_BYTES, and refused with a message, by the
  // action itself; Next must let them through to it (its default is 1 MB).
  experimental: { serverActions: { bodySizeLimit: parseMaxAttachmentBytes(process.env) + COMMENT_FORM_OVERHEAD_BYTES } },
  serverExternalPackages: ['@electric-sql/pglite', '@node-rs/argon2', 'pg-boss', 'pg', 'postgres', 'imapflow'],
  async headers() {
    return [
      {
        // The OAuth callback sets its own, stricter Referrer-Policy (no-referrer).
        source: '/((?!oauth/callback).*)',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'same-origin' },
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=()' },
        ],
      },
    ];
  },
};

export default nextConfig;

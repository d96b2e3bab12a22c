import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  // `npm test` type-checks the whole tree (app, lib and tests) with `tsc`; building skips it to start faster.
  typescript: { ignoreBuildErrors: true },
  // Native, wasm and socket-heavy packages are loaded by Node at run time, not bundled.
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

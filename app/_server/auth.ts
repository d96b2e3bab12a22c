import NextAuth, { CredentialsSignin } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { getDb } from '@/db/client';
import { getEnv } from '@/lib/env';
import { log } from '@/lib/log';
import { CLIENT_ADDRESS_HEADER } from '@/lib/net/client-address';
import { signInWithPassword } from '@/lib/users/sign-in-with-password';
import { SESSION_MAX_AGE_SECONDS } from '@/lib/users/user-sessions';

declare module 'next-auth' {
  interface User {
    sessionId?: string;
  }
  interface Session {
    userId?: string;
    sessionId?: string;
  }
}

declare module '@auth/core/jwt' {
  interface JWT {
    userId?: string;
    sessionId?: string;
  }
}

export class SignInThrottled extends CredentialsSignin {
  constructor(minutes: number) {
    super();
    this.code = `throttled:${minutes}`;
  }
}

// The configuration is built per request so `next build` never reads runtime secrets.
export const { handlers, auth, signIn, signOut } = NextAuth(() => {
  const env = getEnv();
  return {
    secret: env.AUTH_SECRET,
    trustHost: true,
    useSecureCookies: env.APP_URL.startsWith('https://'),
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: '/sign-in', error: '/sign-in' },
    // A refused password is logged once, as one line, by signInWithPassword; Auth.js would add a stack trace.
    logger: {
      error(error) {
        if (error instanceof CredentialsSignin || (error as { type?: string }).type === 'CredentialsSignin') return;
        log.error('auth error', { error });
      },
      warn(code) {
        log.warn('auth warning', { code });
      },
      debug(message) {
        log.debug('auth debug', { message });
      },
    },
    providers: [
      Credentials({
        credentials: { email: { label: 'Email' }, password: { label: 'Password', type: 'password' } },
        async authorize(credentials, request) {
          // Set by Intake's HTTP server from the socket and TRUSTED_PROXIES; absent under `next dev`.
          const address = request.headers.get(CLIENT_ADDRESS_HEADER) ?? 'unknown';
          const result = await signInWithPassword(await getDb(), credentials, address);
          if (result.ok) return { id: result.user.id, email: result.user.email, name: result.user.name, sessionId: result.sessionId };
          if (result.reason === 'throttled') throw new SignInThrottled(result.minutes);
          throw new CredentialsSignin();
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user?.id) {
          token.userId = user.id;
          token.sessionId = user.sessionId;
        }
        return token;
      },
      session({ session, token }) {
        session.userId = token.userId ?? '';
        session.sessionId = token.sessionId;
        return session;
      },
    },
  };
});

import NextAuth, { CredentialsSignin } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { getDb } from '@/db/client';
import { getEnv } from '@/lib/env';
import { log } from '@/lib/log';
import { signInWithPassword } from '@/lib/users/sign-in-with-password';

declare module 'next-auth' {
  interface User {
    sessionVersion?: number;
  }
  interface Session {
    userId?: string;
    sessionVersion?: number;
  }
}

declare module '@auth/core/jwt' {
  interface JWT {
    userId?: string;
    sessionVersion?: number;
  }
}

export class SignInThrottled extends CredentialsSignin {
  constructor(minutes: number) {
    super();
    this.code = `throttled:${minutes}`;
  }
}

/** Sessions last a working day, sliding. */
const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

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
          // Behind a reverse proxy, the proxy must set X-Forwarded-For for per-address throttling.
          const address = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim() || request.headers.get('x-real-ip') || 'direct';
          const result = await signInWithPassword(await getDb(), credentials, address);
          if (result.ok) return { id: result.user.id, email: result.user.email, name: result.user.name, sessionVersion: result.user.sessionVersion };
          if (result.reason === 'throttled') throw new SignInThrottled(result.minutes);
          throw new CredentialsSignin();
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user?.id) {
          token.userId = user.id;
          token.sessionVersion = user.sessionVersion;
        }
        return token;
      },
      session({ session, token }) {
        session.userId = token.userId ?? '';
        session.sessionVersion = token.sessionVersion;
        return session;
      },
    },
  };
});

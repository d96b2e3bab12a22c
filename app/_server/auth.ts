import NextAuth, { CredentialsSignin } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { getDb } from '@/db/client';
import { getEnv } from '@/lib/env';
import { authenticateUser } from '@/lib/users/authenticate-user';

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
    providers: [
      Credentials({
        credentials: { email: { label: 'Email' }, password: { label: 'Password', type: 'password' } },
        async authorize(credentials) {
          const user = await authenticateUser(await getDb(), credentials);
          if (!user) throw new CredentialsSignin();
          return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
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

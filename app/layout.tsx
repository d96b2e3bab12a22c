import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

// Every page reads live data for the signed-in user; nothing is prerendered at build time.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: { default: 'Intake', template: '%s · Intake' },
  description: 'Service desk for requests that arrive by email.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">{children}</body>
    </html>
  );
}

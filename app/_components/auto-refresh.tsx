'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

/**
 * Re-renders the server page every few seconds so new mail and live figures show up. A tab in
 * the background costs the server nothing, and is brought up to date as soon as it is shown.
 */
export function AutoRefresh({ seconds = 10 }: { seconds?: number }) {
  const router = useRouter();
  useEffect(() => {
    const refreshIfShown = () => {
      if (document.visibilityState === 'visible') router.refresh();
    };
    const timer = setInterval(refreshIfShown, seconds * 1000);
    document.addEventListener('visibilitychange', refreshIfShown);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', refreshIfShown);
    };
  }, [router, seconds]);
  return null;
}

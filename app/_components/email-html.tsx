'use client';

import { useRef, useState } from 'react';

/**
 * Sanitized email HTML. Remote images stay blocked (they arrive as `data-remote-src`) until
 * the agent asks for them: loading one tells the sender the email was opened.
 */
export function EmailHtml({ html }: { html: string }) {
  const container = useRef<HTMLDivElement>(null);
  const [loaded, setLoaded] = useState(false);
  const hasRemoteImages = html.includes('data-remote-src');
  const loadImages = () => {
    for (const image of container.current?.querySelectorAll<HTMLImageElement>('img[data-remote-src]') ?? []) {
      const source = image.dataset.remoteSrc;
      if (source && /^https?:\/\//i.test(source)) image.src = source;
    }
    setLoaded(true);
  };
  return (
    <div className="space-y-2">
      {hasRemoteImages && !loaded ? (
        <p className="flex items-center gap-3 rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-xs text-slate-600">
          Remote images are blocked to protect your privacy.
          <button type="button" onClick={loadImages} className="rounded border border-slate-300 bg-white px-2 py-0.5 text-slate-800 hover:bg-slate-100">
            Load images
          </button>
        </p>
      ) : null}
      <div
        ref={container}
        className="email-html max-w-none overflow-x-auto text-sm [&_a]:text-brand-700 [&_a]:underline [&_blockquote]:border-l-2 [&_blockquote]:pl-3 [&_img]:max-w-full"
        // biome-ignore lint/security/noDangerouslySetInnerHtml: the server sanitized it (sanitizeEmailHtml) before it got here.
        dangerouslySetInnerHTML={{ __html: html }}
      />
    </div>
  );
}

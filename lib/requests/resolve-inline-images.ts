/**
 * Points `cid:` images of sanitized email HTML at the request's stored attachments. Only
 * image attachments qualify; anything else stays an image without a source.
 */
export function resolveInlineImages(html: string, attachments: { id: string; contentId: string | null; contentType: string }[]): string {
  const byContentId = new Map(
    attachments
      .filter((attachment) => attachment.contentId && attachment.contentType.startsWith('image/'))
      .map((attachment) => [attachment.contentId!.replace(/^<|>$/g, '').toLowerCase(), attachment.id]),
  );
  return html.replace(/data-cid="([^"]*)"/g, (whole, contentId: string) => {
    const id = byContentId.get(contentId.replace(/&[a-z]+;/g, '').toLowerCase());
    return id ? `src="/api/attachments/${id}" ${whole}` : whole;
  });
}

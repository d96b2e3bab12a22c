import { downloadHeaders, respondWithFile } from '@/app/_server/download';
import { requestContext } from '@/app/_server/session';
import { getAttachment } from '@/lib/requests/get-attachment';

export async function GET(_request: Request, { params }: { params: Promise<{ attachmentId: string }> }): Promise<Response> {
  const { attachmentId } = await params;
  return respondWithFile(async () => {
    const attachment = await getAttachment({ ...(await requestContext()), attachmentId });
    return new Response(new Uint8Array(attachment.content), { headers: downloadHeaders(attachment.filename, attachment.contentType) });
  });
}

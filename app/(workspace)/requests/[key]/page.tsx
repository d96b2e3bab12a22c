import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { AutoRefresh } from '@/app/_components/auto-refresh';
import { EmailHtml } from '@/app/_components/email-html';
import { ActionForm, FileField, SelectField, SubmitButton, TextAreaField, TextField } from '@/app/_components/form';
import { Card } from '@/app/_components/page-header';
import { formatTime, REQUEST_STATUS_LABEL, RequestStatusBadge } from '@/app/_components/request-status';
import { requireActor } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { getEnv } from '@/lib/env';
import { NotFoundError } from '@/lib/errors';
import { formatSize } from '@/lib/files/format-size';
import { listProjectMembers } from '@/lib/projects/list-project-members';
import { getRequest } from '@/lib/requests/get-request';
import { resolveInlineImages } from '@/lib/requests/resolve-inline-images';
import { addCommentAction, addParticipantAction, removeParticipantAction, resendEmailAction, updateRequestAction } from '../actions';
import { InlineAction } from '@/app/_components/inline-action';
import { NotifiedList } from '@/app/_components/notified-list';

type Props = { params: Promise<{ key: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: (await params).key.toUpperCase() };
}

const DELIVERY_LABEL = { queued: 'Sending…', sent: 'Emailed', failed: 'Not delivered' } as const;

type Delivery = { id: string; status: keyof typeof DELIVERY_LABEL; lastError: string | null; recipients: string[] };

function DeliveryNote({ delivery, requestId, prefix = '' }: { delivery: Delivery; requestId: string; prefix?: string }) {
  const retrying = delivery.status === 'queued' && delivery.lastError;
  return (
    <span className={delivery.status === 'failed' ? 'text-red-700' : retrying ? 'text-amber-800' : 'text-slate-500'} data-testid="delivery">
      {prefix}
      {retrying ? 'Not sent yet, Intake will retry' : DELIVERY_LABEL[delivery.status]} to {delivery.recipients.join(', ')}
      {delivery.status !== 'sent' && delivery.lastError ? `: ${delivery.lastError}` : ''}
      {delivery.status === 'failed' ? (
        <span className="ml-2">
          <InlineAction action={resendEmailAction} fields={{ requestId, outboundId: delivery.id }} label="Send again" pendingLabel="Queuing…" />
        </span>
      ) : null}
    </span>
  );
}

function PaperclipIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 20 20" className="h-3.5 w-3.5 shrink-0 fill-none stroke-current stroke-[1.6] text-slate-500">
      <path
        d="M13.5 6.5 7.8 12.2a1.6 1.6 0 0 0 2.3 2.3l6-6a3.2 3.2 0 0 0-4.5-4.5l-6.2 6.2a4.8 4.8 0 0 0 6.8 6.8l5.2-5.2"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

function AttachmentList({ files }: { files: { id: string; filename: string; size: number; contentType: string }[] }) {
  if (files.length === 0) return null;
  return (
    <ul className="mt-2 flex flex-wrap gap-2" aria-label="Attachments">
      {files.map((file) => (
        <li key={file.id}>
          <a
            href={`/api/attachments/${file.id}`}
            className="inline-flex items-center gap-1 rounded border border-slate-200 bg-slate-50 px-2 py-1 text-xs hover:bg-slate-100"
            download
          >
            <PaperclipIcon /> {file.filename} <span className="text-slate-500">({formatSize(file.size)})</span>
          </a>
        </li>
      ))}
    </ul>
  );
}

export default async function RequestPage({ params }: Props) {
  const actor = await requireActor();
  const db = await getDb();
  const request = await getRequest({ db, actor, key: (await params).key }).catch((error) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  const members = await listProjectMembers({ db, actor, projectId: request.projectId });
  const confirmation = request.deliveries.find((entry) => entry.kind === 'confirmation');
  const descriptionFiles = request.attachments.filter((file) => !file.commentId && !file.inline);
  const description = request.descriptionHtml
    ? resolveInlineImages(
        request.descriptionHtml,
        request.attachments.filter((file) => !file.commentId),
      )
    : null;
  return (
    <>
      <AutoRefresh seconds={10} />
      <div className="mb-6 space-y-1">
        <p className="text-sm text-slate-500">
          <Link href={`/projects/${request.projectKey}`} className="text-brand-700 hover:underline">
            {request.projectKey} · {request.projectName}
          </Link>{' '}
          / <span className="font-mono">{request.key}</span>
        </p>
        <h1 className="flex items-center gap-3 text-2xl font-semibold">
          {request.summary} <RequestStatusBadge status={request.status} />
        </h1>
      </div>
      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <div className="min-w-0 space-y-6">
          <Card>
            <p className="text-sm text-slate-600">
              {request.reporter ? (
                <>
                  Emailed by <strong>{request.reporter.name || request.reporter.email}</strong> &lt;{request.reporter.email}&gt;
                </>
              ) : (
                'Created by an agent'
              )}{' '}
              · {formatTime(request.createdAt)}
              {request.imported ? (
                <span
                  data-testid="request-imported"
                  className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700"
                  title="Filed from the mail the mailbox held when it was connected; no confirmation was sent."
                >
                  Imported
                </span>
              ) : null}
              {request.sourceMessageId ? (
                <>
                  {' · '}
                  <a
                    href={`/api/messages/${request.sourceMessageId}/raw?view=source`}
                    target="_blank"
                    rel="noopener"
                    className="text-brand-700 hover:underline"
                  >
                    View original email
                  </a>
                  {' · '}
                  <a href={`/api/messages/${request.sourceMessageId}/raw`} className="text-brand-700 hover:underline">
                    Download .eml
                  </a>
                </>
              ) : null}
            </p>
            {description ? (
              <EmailHtml html={description} />
            ) : (
              <div className="whitespace-pre-wrap text-sm">{request.description || <span className="text-slate-500">No description.</span>}</div>
            )}
            <AttachmentList files={descriptionFiles} />
            {confirmation ? (
              <div className="mt-3 text-xs">
                <DeliveryNote delivery={confirmation} requestId={request.id} prefix="Confirmation: " />
              </div>
            ) : null}
          </Card>

          <section aria-label="Activity" className="space-y-3">
            {request.comments.map((comment) => {
              const delivery = request.deliveries.find((entry) => entry.commentId === comment.id);
              const internal = comment.visibility === 'internal';
              const html = comment.bodyHtml
                ? resolveInlineImages(
                    comment.bodyHtml,
                    request.attachments.filter((file) => file.commentId === comment.id),
                  )
                : null;
              return (
                <article
                  key={comment.id}
                  className={`rounded-lg border p-4 shadow-sm ${internal ? 'border-amber-200 bg-amber-50' : 'border-slate-200 bg-white'}`}
                  data-testid="comment"
                >
                  <div className="mb-2 text-xs text-slate-600">
                    {comment.customerEmail ? (
                      <>
                        Email from <strong>{comment.customerName || comment.customerEmail}</strong> &lt;{comment.customerEmail}&gt;
                      </>
                    ) : (
                      <>
                        <strong>{comment.userName ?? 'Former user'}</strong> · {internal ? 'Internal note' : 'Reply to customer'}
                      </>
                    )}{' '}
                    · {formatTime(comment.createdAt)}
                    {delivery ? (
                      <span className="ml-2">
                        <DeliveryNote delivery={delivery} requestId={request.id} prefix="· " />
                      </span>
                    ) : null}
                    {comment.inboundMessageId ? (
                      <a
                        href={`/api/messages/${comment.inboundMessageId}/raw?view=source`}
                        target="_blank"
                        rel="noopener"
                        className="ml-2 text-brand-700 hover:underline"
                      >
                        Original
                      </a>
                    ) : null}
                  </div>
                  <div className="whitespace-pre-wrap text-sm">{comment.body}</div>
                  {comment.fullBody && comment.fullBody.trim() !== comment.body.trim() ? (
                    <details className="mt-2 text-sm">
                      <summary className="cursor-pointer text-xs text-slate-500">Show the whole email</summary>
                      {html ? <EmailHtml html={html} /> : <div className="mt-2 whitespace-pre-wrap text-slate-600">{comment.fullBody}</div>}
                    </details>
                  ) : null}
                  <AttachmentList files={request.attachments.filter((file) => file.commentId === comment.id && !file.inline)} />
                </article>
              );
            })}
            {request.events.length > 0 ? (
              <details className="text-xs text-slate-600">
                <summary className="cursor-pointer">History ({request.events.length})</summary>
                <ul className="mt-2 space-y-1">
                  {request.events.map((event) => (
                    <li key={event.id}>
                      {formatTime(event.at)} · {event.actorName ?? 'Email'}:{' '}
                      {event.kind === 'status' || event.kind === 'reopened_by_email'
                        ? `status ${event.fromValue ? REQUEST_STATUS_LABEL[event.fromValue as keyof typeof REQUEST_STATUS_LABEL] : '—'} → ${REQUEST_STATUS_LABEL[event.toValue as keyof typeof REQUEST_STATUS_LABEL]}${event.kind === 'reopened_by_email' ? ' (customer replied)' : ''}`
                        : event.kind === 'assignee'
                          ? `assigned to ${event.toValue}`
                          : event.kind === 'participant_added'
                            ? `added participant ${event.toValue}`
                            : `removed participant ${event.fromValue}`}
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
          </section>

          <Card title="Comment">
            <ActionForm action={addCommentAction} resetOnSuccess>
              <input type="hidden" name="requestId" value={request.id} />
              <TextAreaField
                name="body"
                label="Message"
                rows={6}
                hint="Reply to customer emails the reporter and participants; an internal note stays with the agents. In an internal note, @ and the part of a colleague’s address before the @ (or their name without spaces, such as @AnnLee) emails them."
              />
              <FileField name="files" label="Attach files" maxBytes={getEnv().INTAKE_MAX_ATTACHMENT_BYTES} />
              <div className="flex gap-3">
                <SubmitButton name="kind" value="reply" pendingLabel="Saving…">
                  Reply to customer
                </SubmitButton>
                <SubmitButton name="kind" value="internal" variant="secondary" pendingLabel="Saving…">
                  Internal note
                </SubmitButton>
              </div>
            </ActionForm>
          </Card>
        </div>

        <aside className="space-y-6">
          <Card title="Details">
            <ActionForm action={updateRequestAction} className="space-y-4">
              <input type="hidden" name="requestId" value={request.id} />
              {/* Keyed by their values: a reply or an email moves the request on, and a select kept from before would put it back on the next Update. */}
              <SelectField
                key={request.status}
                name="status"
                label="Status"
                defaultValue={request.status}
                options={Object.entries(REQUEST_STATUS_LABEL).map(([value, label]) => ({ value, label }))}
              />
              <SelectField
                key={request.assigneeId ?? ''}
                name="assigneeId"
                label="Assignee"
                defaultValue={request.assigneeId ?? ''}
                options={[
                  { value: '', label: 'Unassigned' },
                  ...members.filter((member) => member.active).map((member) => ({ value: member.userId, label: member.name })),
                ]}
              />
              <SubmitButton variant="secondary" pendingLabel="Saving…">
                Update
              </SubmitButton>
            </ActionForm>
          </Card>
          <Card title="Participants" description="They receive every reply to the customer.">
            <ul className="space-y-2 text-sm">
              {request.reporter ? (
                <li>
                  {request.reporter.email} <span className="text-xs text-slate-500">(reporter)</span>
                </li>
              ) : null}
              {request.participants.map((participant) => (
                <li key={participant.id} className="flex items-center justify-between gap-2">
                  <span className="truncate">{participant.email}</span>
                  <InlineAction action={removeParticipantAction} fields={{ requestId: request.id, customerId: participant.id }} label="Remove" />
                </li>
              ))}
            </ul>
            <ActionForm action={addParticipantAction} className="space-y-3" resetOnSuccess>
              <input type="hidden" name="requestId" value={request.id} />
              <TextField name="email" label="Add participant" type="email" placeholder="colleague@customer.com" />
              <SubmitButton variant="secondary" pendingLabel="Adding…">
                Add
              </SubmitButton>
            </ActionForm>
          </Card>
          <NotifiedList db={db} actor={actor} requestId={request.id} />
        </aside>
      </div>
    </>
  );
}

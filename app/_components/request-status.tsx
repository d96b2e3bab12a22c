export const REQUEST_STATUS_LABEL = { open: 'Open', waiting: 'Waiting for customer', resolved: 'Resolved' } as const;

const STYLE = { open: 'bg-blue-100 text-blue-800', waiting: 'bg-amber-100 text-amber-900', resolved: 'bg-green-100 text-green-800' } as const;

export function RequestStatusBadge({ status }: { status: keyof typeof REQUEST_STATUS_LABEL }) {
  return <span className={`whitespace-nowrap rounded px-2 py-0.5 text-xs font-medium ${STYLE[status]}`}>{REQUEST_STATUS_LABEL[status]}</span>;
}

export function formatTime(date: Date): string {
  return `${date.toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}

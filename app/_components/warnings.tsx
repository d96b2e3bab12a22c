export function Warnings({ warnings }: { warnings: { id: string; message: string }[] }) {
  if (warnings.length === 0) return null;
  return (
    <ul className="space-y-2" aria-label="Warnings">
      {warnings.map((warning) => (
        <li key={warning.id} className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          {warning.message}
        </li>
      ))}
    </ul>
  );
}

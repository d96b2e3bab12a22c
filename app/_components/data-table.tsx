import type { ReactNode } from 'react';

/** The app's one table look: a header row of column names and rows separated by rules. */
export function DataTable({ columns, children, label }: { columns: ReactNode[]; children: ReactNode; label?: string }) {
  return (
    <table className="w-full text-left text-sm" aria-label={label}>
      <thead className="text-xs uppercase text-slate-500">
        <tr>
          {columns.map((column, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a table's columns are fixed for its life, and some headers are not text.
            <th key={index} className="py-2 pr-4 font-medium">
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">{children}</tbody>
    </table>
  );
}

export function Cell({ children, className = '' }: { children: ReactNode; className?: string }) {
  return <td className={`py-2 pr-4 align-top ${className}`}>{children}</td>;
}

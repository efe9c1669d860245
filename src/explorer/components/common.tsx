import { useId, type ReactNode } from 'react';
import type { CombinedError } from 'urql';

import { errorMessage } from '../api';

/** Loading and error states, announced to screen readers. */
export function DataState({ error, loading, label }: { readonly error: CombinedError | undefined; readonly loading: boolean; readonly label: string }): ReactNode {
  if (error) {
    return (
      <p className="notice notice-error" role="alert">
        Could not load {label}: {errorMessage(error)}
      </p>
    );
  }
  if (loading) {
    return (
      <p className="notice" role="status">
        Loading {label}…
      </p>
    );
  }
  return null;
}

/**
 * A table inside a region that scrolls sideways on a narrow screen; the region is focusable so a
 * keyboard user can scroll it, and named by the table's caption.
 */
export function TableRegion({ caption, children, hideCaption = false }: { readonly caption: string; readonly children: ReactNode; readonly hideCaption?: boolean }): ReactNode {
  const id = useId();
  return (
    <div className="table-region" role="region" aria-labelledby={id} tabIndex={0}>
      <table>
        <caption id={id} className={hideCaption ? 'visually-hidden' : undefined}>
          {caption}
        </caption>
        {children}
      </table>
    </div>
  );
}

export interface Column<Row> {
  readonly header: string;
  readonly cell: (row: Row) => ReactNode;
  /** Right-aligned, tabular figures. */
  readonly numeric?: boolean;
  /** This column names the row: a `th scope="row"`. */
  readonly rowHeader?: boolean;
}

/** A table with column headers, one row per item; the row-header column makes each row navigable by name. */
export function DataTable<Row>({
  caption,
  hideCaption = false,
  columns,
  rows,
  rowKey,
  rowProps,
}: {
  readonly caption: string;
  readonly hideCaption?: boolean;
  readonly columns: readonly Column<Row>[];
  readonly rows: readonly Row[];
  readonly rowKey: (row: Row) => string;
  readonly rowProps?: (row: Row) => Record<string, string | undefined>;
}): ReactNode {
  return (
    <TableRegion caption={caption} hideCaption={hideCaption}>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column.header} scope="col" className={column.numeric ? 'num' : undefined}>
              {column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)} {...rowProps?.(row)}>
            {columns.map((column) =>
              column.rowHeader ? (
                <th key={column.header} scope="row" className={column.numeric ? 'num' : undefined}>
                  {column.cell(row)}
                </th>
              ) : (
                <td key={column.header} className={column.numeric ? 'num' : undefined}>
                  {column.cell(row)}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </TableRegion>
  );
}

/** A page section with its heading, and a sentence instead of an empty table. */
export function Section({ id, title, children }: { readonly id: string; readonly title: ReactNode; readonly children: ReactNode }): ReactNode {
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}

export type Tone = 'good' | 'bad' | 'warn' | 'neutral';

/** A status word with a colour; the word carries the meaning, the colour only repeats it. */
export function Badge({ tone, children }: { readonly tone: Tone; readonly children: ReactNode }): ReactNode {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

export function ValidationBadge({ code, valid }: { readonly code: string; readonly valid: boolean }): ReactNode {
  return <Badge tone={valid ? 'good' : 'bad'}>{code}</Badge>;
}

/** Label/value pairs as a description list. */
export function Facts({ items }: { readonly items: readonly (readonly [string, ReactNode])[] }): ReactNode {
  return (
    <dl className="facts">
      {items.map(([term, value]) => (
        <div key={term} className="fact">
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A long hash in monospace that wraps, with the full value for copying. */
export function Hash({ value }: { readonly value: string }): ReactNode {
  return <code className="hash">{value}</code>;
}

import { useEffect, type ReactNode } from 'react';

/** The page's one h1, also written to the document title (what a screen reader announces on navigation). */
export function PageTitle({ children, title }: { readonly children: ReactNode; readonly title?: string }): ReactNode {
  const text = title ?? (typeof children === 'string' ? children : undefined);
  useEffect(() => {
    if (text !== undefined) document.title = `${text} · Ledger explorer`;
  }, [text]);
  return <h1>{children}</h1>;
}

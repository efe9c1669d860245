import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';

import { PageTitle } from './PageTitle';

export function NotFound({ what = 'This page' }: { readonly what?: string }): ReactNode {
  return (
    <>
      <PageTitle>Not found</PageTitle>
      <p>{what} does not exist.</p>
      <p>
        <Link to="/">Back to the dashboard</Link>
      </p>
    </>
  );
}

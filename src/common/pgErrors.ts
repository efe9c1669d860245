/** PostgreSQL's SQLSTATE for a duplicate key (node-postgres puts it on the error as `code`). */
const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION;
}

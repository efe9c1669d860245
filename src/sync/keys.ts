/**
 * PostgreSQL text cannot hold NUL, and Fabric composite keys are built with it
 * ("\u0000type\u0000attr\u0000"). Keys are stored escaped, reversibly: "\" becomes "\\" and NUL
 * becomes "\0". Keys without either character are stored as they are.
 */
export function storedKey(key: string): string {
  if (!key.includes('\\') && !key.includes('\u0000')) return key;
  return key.replace(/\\/g, '\\\\').split('\u0000').join('\\0');
}

export function ledgerKey(stored: string): string {
  if (!stored.includes('\\')) return stored;
  return stored.replace(/\\(\\|0)/g, (_, c: string) => (c === '0' ? '\u0000' : '\\'));
}

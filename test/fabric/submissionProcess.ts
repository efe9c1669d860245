import { startCliProcess, type CliProcess } from './cliProcess';

/** The submitter (`npm run submitter`) as a real process. */
export type SubmissionProcess = CliProcess;

export function startSubmissionProcess(options: { databaseUrl: string; walletKey: string; env?: Record<string, string> }): SubmissionProcess {
  return startCliProcess('submitter', [], { DATABASE_URL: options.databaseUrl, WALLET_KEY: options.walletKey, ...options.env });
}

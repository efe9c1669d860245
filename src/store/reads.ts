/** Read queries and per-request DataLoaders over the cache (issue #5 fills these in). */
export interface ReadQueries {
  /** Highest indexed block of a channel, or null before its first block. */
  indexedHeight(channel: string): Promise<bigint | null>;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Loaders {}

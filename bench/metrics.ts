/** Reads the group commit's batch-size histogram from the server's GET /metrics. */
export interface BatchCounter {
  sum: number;
  count: number;
}

export async function readBatchSize(url: string): Promise<BatchCounter> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { sum: value('pingstreams_message_batch_size_sum'), count: value('pingstreams_message_batch_size_count') };
}

/** Mean messages per committed batch between two readings. */
export const meanBatch = (before: BatchCounter, after: BatchCounter) => (after.sum - before.sum) / Math.max(1, after.count - before.count);

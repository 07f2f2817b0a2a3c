import type { FeedTensor } from "@lockstep/models";

/** The rows of an Open Inference request logged at most (the prediction log stays bounded per request). */
export const MAX_LOGGED_ROWS = 64;

/**
 * A batch of input tensors as single-row feeds (first dimension split), as a spec's monitor sees a
 * /v1 request; undefined when the inputs disagree on their row count.
 */
export function tensorRows(
  feeds: Record<string, FeedTensor>,
  maxRows = MAX_LOGGED_ROWS,
): Record<string, FeedTensor>[] | undefined {
  const entries = Object.entries(feeds);
  const rows = entries[0]?.[1].dims[0];
  if (rows === undefined || rows < 1 || entries.some(([, t]) => t.dims[0] !== rows)) return undefined;
  return Array.from({ length: Math.min(rows, maxRows) }, (_, r) =>
    Object.fromEntries(
      entries.map(([name, t]) => {
        const width = t.data.length / rows;
        const data = t.data.subarray(r * width, (r + 1) * width);
        return [name, { type: t.type, data, dims: [1, ...t.dims.slice(1)] } as FeedTensor];
      }),
    ),
  );
}

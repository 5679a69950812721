// Indexed Jobs: a pod's completion index and the compact "0-2,5" form of a set of indexes that
// status.completedIndexes uses.
import { JOB_COMPLETION_INDEX } from "../../../api/batch-rules";
import type { Pod } from "../../../api/core";

/** The pod's completion index (annotation first, then label), or undefined when missing or bad. */
export function completionIndex(pod: Pod): number | undefined {
  const raw = pod.metadata.annotations?.[JOB_COMPLETION_INDEX] ?? pod.metadata.labels?.[JOB_COMPLETION_INDEX];
  if (raw === undefined || !/^(0|[1-9][0-9]*)$/.test(raw)) return undefined;
  return Number(raw);
}

/** Sorted indexes as intervals: [0,1,2,5] -> "0-2,5". */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

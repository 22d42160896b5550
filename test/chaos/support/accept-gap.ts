import type { LoadRecord } from './load.js';

/**
 * The longest stretch between two consecutive `202` answers of the load (by the time each answer
 * arrived): the outage clients saw. At 25 orders a second it is about 40 ms when nothing fails.
 */
export function longestAcceptGap(record: LoadRecord): number | undefined {
  const accepted = record.posts
    .filter((post) => post.outcome.status === 202)
    .map((post) => post.outcome.endedMs)
    .sort((a, b) => a - b);
  let longest: number | undefined;
  for (let i = 1; i < accepted.length; i += 1) {
    const gap = accepted[i]! - accepted[i - 1]!;
    if (longest === undefined || gap > longest) longest = gap;
  }
  return longest;
}

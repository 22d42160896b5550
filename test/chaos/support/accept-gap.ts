import type { LoadRecord } from './load.js';

/**
 * The longest stretch between the sending of two consecutive new orders (first use of their key)
 * that were answered `202`: the outage as clients saw it, every order placed in it refused or
 * unanswered. A repeated key of an order already stored is answered from PostgreSQL without the
 * broker, so counting those would hide a broker outage behind them. Measured on send
 * times, not answer times, because a POST held through a broker failover is answered 503 only
 * when its confirm times out, seconds later, so answer times would hide that stretch behind
 * the late 503s. At 25 orders a second it is about 40 ms when nothing fails.
 */
export function longestAcceptGap(record: LoadRecord): number | undefined {
  const accepted = record.posts
    .filter((post) => !post.repeat && post.outcome.status === 202)
    .map((post) => post.outcome.startedMs)
    .sort((a, b) => a - b);
  let longest: number | undefined;
  for (let i = 1; i < accepted.length; i += 1) {
    const gap = accepted[i]! - accepted[i - 1]!;
    if (longest === undefined || gap > longest) longest = gap;
  }
  return longest;
}

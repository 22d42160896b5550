import { parseGoDuration } from '@flowstack/config';

/** Parses a Go duration as Nomad accepts it ("30s", "1m30s", "250ms") into milliseconds. */
export function parseDuration(text: string): number | undefined {
  return parseGoDuration(text.trim());
}

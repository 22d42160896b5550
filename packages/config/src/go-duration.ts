const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu: Go accepts both
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};
const DAY_MS = 86_400_000;

/** One `<number><unit>` element, anchored at lastIndex; Go's number is `digits[.digits]`, either side optional but not both. */
const ELEMENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)/y;

export interface GoDurationOptions {
  /**
   * Also take `d` (24h): Vault's parseutil.ParseDurationSecond does, Go's time.ParseDuration
   * (Consul, Nomad) does not.
   */
  days?: boolean;
}

/**
 * Parses a Go duration ("10s", "1m30s", "1.5h", "500ms", ".5s", "0") into milliseconds, with the
 * grammar of Go's `time.ParseDuration`: a sequence of decimal numbers each with a unit, no
 * spaces. Signs are refused (every duration flowstack reads is a length of time). Returns
 * undefined when the text is not such a duration, so each caller answers bad input its own way.
 * The one parser of the repository: the doubles answer exactly as Consul and Vault do with it.
 */
export function parseGoDuration(text: string, options: GoDurationOptions = {}): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  ELEMENT.lastIndex = 0;
  let total = 0;
  while (ELEMENT.lastIndex < text.length) {
    const match = ELEMENT.exec(text);
    if (match === null) return undefined;
    const [, amount, unit] = match as unknown as [string, string, string];
    const unitMs = unit === 'd' ? (options.days === true ? DAY_MS : undefined) : UNIT_MS[unit];
    if (unitMs === undefined) return undefined;
    total += Number(amount) * unitMs;
  }
  return Number.isFinite(total) ? total : undefined;
}

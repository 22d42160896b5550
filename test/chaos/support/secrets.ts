/** What must never appear in a log line: credentials, keys, tokens and plaintext e-mail. */
const LEAKS: [string, RegExp][] = [
  ['an e-mail address', /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/],
  ['a private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['credentials in a URL', /[a-z][a-z0-9+.-]*:\/\/[^/\s:@"]+:[^/\s@"]+@/i],
  ['a password value', /"(password|passwd|pass)"\s*:\s*"(?!\[redacted\])[^"]+"/i],
  ['a token value', /"(token|client_token|secret|authorization)"\s*:\s*"(?!\[redacted\])[^"]+"/i],
  ['a Vault token', /\bhv[sb]\.[A-Za-z0-9_-]{20,}/],
];

/** The lines that leak something, with what they leak (the line itself is not repeated). */
export function secretLeaks(lines: readonly string[]): string[] {
  const found: string[] = [];
  lines.forEach((line, index) => {
    for (const [what, pattern] of LEAKS) {
      if (pattern.test(line)) found.push(`line ${index} (${line.split(' ')[0]}) holds ${what}`);
    }
  });
  return found;
}

/**
 * Keeps secrets out of error messages: known values (tokens, passwords, Basic blobs this client used) and
 * anything shaped like one (`Bearer …`, `Basic …`, `user:pass@` in URLs, `token=` query parameters).
 */
const REDACTED = '[redacted]';

const PATTERNS: readonly [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, `$1 ${REDACTED}`],
  [/(\/\/)[^/@\s:]+:[^/@\s]+@/g, `$1${REDACTED}@`],
  [/\b((?:access_|refresh_|id_)?token|password|secret)=[^&\s"']+/gi, `$1=${REDACTED}`],
  [/("(?:access_|refresh_)?token"|"password"|"identitytoken")\s*:\s*"[^"]*"/gi, `$1:"${REDACTED}"`],
];

export function redact(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(REDACTED);
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

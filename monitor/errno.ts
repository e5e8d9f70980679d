/** The one way the monitor recognises a system error: by its errno code, never by message text. */
export function isErrno(e: unknown, ...codes: string[]): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && codes.includes((e as NodeJS.ErrnoException).code!);
}

/**
 * Errors thrown by cmd/format. They carry the engine's cross-realm brand (`Symbol.for('tsengine.error')`),
 * so the CLI's single catch prints them as `Error: <message>` and exits 125, as podman does for a bad
 * `--format`, instead of treating them as bugs.
 */
const kEngineError = Symbol.for('tsengine.error');

/** `TEMPLATE_INVALID`: the text does not parse. `TEMPLATE_EXEC`: it parsed but failed on the data. */
export type TemplateErrorCode = 'TEMPLATE_INVALID' | 'TEMPLATE_EXEC';

/** A `--format` template error; the message is one line shaped like Go's text/template errors. */
export class TemplateError extends Error {
  readonly code: TemplateErrorCode;
  readonly hint: string | undefined;
  constructor(code: TemplateErrorCode, message: string, opts?: { cause?: unknown; hint?: string }) {
    super(message, opts?.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts?.hint;
  }
  get [kEngineError](): true {
    return true;
  }
}

/** A flag value that is not a Go duration (`--since 1h30m`); the message is Go's `time: invalid duration "x"`. */
export class InvalidDurationError extends Error {
  readonly code = 'INVALID_ARGUMENT' as const;
  readonly hint: string | undefined = undefined;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
  get [kEngineError](): true {
    return true;
  }
}

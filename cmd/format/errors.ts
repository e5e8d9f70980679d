/**
 * Errors thrown by cmd/format. They carry the engine's cross-realm brand (`Symbol.for('tsengine.error')`),
 * so the CLI's single catch prints them as `Error: <message>` and exits 125, as podman does for a bad
 * `--format`, instead of treating them as bugs.
 */
import { CodedError } from '../../engine/index.ts';

/** `TEMPLATE_INVALID`: the text does not parse. `TEMPLATE_EXEC`: it parsed but failed on the data. */
export type TemplateErrorCode = 'TEMPLATE_INVALID' | 'TEMPLATE_EXEC';

/** A `--format` template error; the message is one line shaped like Go's text/template errors. */
export class TemplateError extends CodedError<TemplateErrorCode> {}

/** A flag value that is not a Go duration (`--since 1h30m`); the message is Go's `time: invalid duration "x"`. */
export class InvalidDurationError extends CodedError<'INVALID_ARGUMENT'> {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

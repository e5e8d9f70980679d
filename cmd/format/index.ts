/**
 * `--format` for tsengine's CLI: a Go text/template subset with docker's and podman's functions, the
 * table/json/plain report forms, a Go-compatible tabwriter, and docker's human-readable sizes and durations.
 */
export { compileTemplate, Template } from './template.ts';
export { TemplateError, InvalidDurationError, type TemplateErrorCode } from './errors.ts';
export { renderRows, renderInspect, isJsonFormat, unescapeFormat, type RenderRowsOptions } from './report.ts';
export { tabwrite, PODMAN_TABWRITER, type TabwriterOptions } from './tabwriter.ts';
export { humanSize, humanSizeWithPrecision, humanDuration, timeAgo, parseGoDuration } from './human.ts';
export { formatGoTime } from './go-time.ts';
export { encodeJson } from './json-encode.ts';

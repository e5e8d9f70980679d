/**
 * Reading a runtime's JSON log (`--log FILE --log-format json`) or its JSON-formatted stderr. runc and crun
 * write one object per line; runsc 2022-12 writes its objects back to back with no newline
 * (`{"msg":"a",…}{"msg":"b",…}`, seen when it logs several errors for one failure). This reads both.
 * Structure only: what a message *means* is classify.ts's business.
 */

export interface RuntimeLogEntry {
  readonly level: string;
  readonly msg: string;
}

const ERROR_LEVELS: ReadonlySet<string> = new Set(['error', 'fatal', 'panic']);

/** Every `{level, msg}` object in `text`, in order; text outside objects and objects that fail to parse are skipped. */
export function parseRuntimeLog(text: string): RuntimeLogEntry[] {
  const out: RuntimeLogEntry[] = [];
  for (const chunk of topLevelObjects(text)) {
    let v: unknown;
    try {
      v = JSON.parse(chunk);
    } catch (e) {
      // A cut or non-JSON chunk (a runtime started without --log-format json): not an entry.
      if (e instanceof SyntaxError) continue;
      throw e;
    }
    if (typeof v !== 'object' || v === null) continue;
    const { level, msg } = v as { level?: unknown; msg?: unknown };
    if (typeof level === 'string' && typeof msg === 'string') out.push({ level, msg });
  }
  return out;
}

/** The messages of the error-level entries (error, fatal, panic), in order. */
export function runtimeErrorMessages(text: string): string[] {
  return parseRuntimeLog(text)
    .filter((e) => ERROR_LEVELS.has(e.level))
    .map((e) => e.msg);
}

/** Slices of `text` that are balanced `{…}` at the top level within one line, honouring JSON strings and escapes. */
function* topLevelObjects(text: string): Generator<string> {
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      // Log entries never span lines (JSON escapes newlines): a line that left an object open was not JSON.
      depth = 0;
      inString = false;
      escaped = false;
      continue;
    }
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"' && depth > 0) inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) yield text.slice(start, i + 1);
    }
  }
}

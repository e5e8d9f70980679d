/**
 * What a command handler gets: output streams, the engine (opened lazily from the global flags, so
 * `--help` never touches the store), and a signal that SIGINT/SIGTERM abort.
 */
import type { Engine, EngineOptions } from '../engine/index.ts';

export interface Output {
  write(data: string | Uint8Array): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliContext {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
  /** Opens the engine once per invocation, from the global flags. */
  engine(extra?: Pick<EngineOptions, 'registry'>): Promise<Engine>;
  /** Warnings and notes for the user, on stderr. */
  warn(text: string): void;
  /** For run/create: the container's command and arguments after the image, verbatim. */
  readonly commandTail: readonly string[];
  /** Read by `-i`. */
  readonly stdin: NodeJS.ReadableStream;
  /** Sends SIGINT/SIGTERM to `handler` instead of aborting, until the returned function is called. */
  proxySignals(handler: (sig: NodeJS.Signals) => void): () => void;
}

/** A command's own argument object: yargs' parse result, narrowed by each command. */
export type Args = Record<string, unknown> & { _: (string | number)[] };

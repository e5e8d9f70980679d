// Runs the built CLI on a real pseudo-terminal: util-linux `script` gives it a pty as stdin/stdout/stderr,
// sized with stty first, and we type into it (script copies our pipe to the pty master). The output is
// what the terminal received; the exit code is the CLI's (`script -e`).
import { execa } from 'execa';
import { CLI, isolatedEnv } from './run-cli.ts';

export interface PtyStep {
  /** Wait this long (ms) after the previous step, or until `waitFor` appears in the output. */
  readonly afterMs?: number;
  readonly waitFor?: string | RegExp;
  /** Bytes to type. */
  readonly type: string;
}

export interface PtyResult {
  readonly code: number;
  /** Everything the terminal showed, \r\n as sent. */
  readonly output: string;
}

const quote = (a: string) => `'${a.replaceAll("'", `'\\''`)}'`;

export async function runOnPty(
  args: readonly string[],
  o: { rows: number; cols: number; steps?: readonly PtyStep[]; timeoutMs?: number; env?: Record<string, string> },
): Promise<PtyResult> {
  const command = `stty rows ${o.rows} cols ${o.cols} && exec ${[CLI, ...args].map(quote).join(' ')}`;
  const child = execa('script', ['-qec', command, '/dev/null'], {
    reject: false,
    stripFinalNewline: false,
    env: isolatedEnv(o.env),
    extendEnv: false,
    stdin: 'pipe',
    timeout: o.timeoutMs ?? 60_000,
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const typing = (async () => {
    for (const step of o.steps ?? []) {
      if (step.waitFor !== undefined) {
        const until = Date.now() + 30_000;
        const seen = () => (typeof step.waitFor === 'string' ? output.includes(step.waitFor) : step.waitFor!.test(output));
        while (!seen()) {
          if (Date.now() > until) throw new Error(`no ${String(step.waitFor)} on the terminal; got ${JSON.stringify(output)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      if (step.afterMs !== undefined) await new Promise((r) => setTimeout(r, step.afterMs));
      child.stdin!.write(step.type);
    }
  })();
  // Keep script's input open until the CLI is done: at EOF script would hang up the terminal.
  const r = await Promise.race([child, typing.then(() => child)]);
  await typing;
  child.stdin!.end();
  return { code: r.exitCode ?? -1, output };
}

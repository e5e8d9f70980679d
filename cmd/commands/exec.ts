/**
 * exec CONTAINER CMD...: another process in a running container (engine.containers.exec). Everything after
 * the container goes to the process verbatim (cli.ts splits argv before yargs, as for run). Exit codes as
 * podman's: 125 no such or not running container, 126 cannot invoke, 127 not found, else the process's own.
 */
import { readFileSync } from 'node:fs';
import { EngineError, type ExitStatus } from '../../engine/index.ts';
import { defineCommand, UsageError } from '../command.ts';
import { parseEnv } from '../parse/env.ts';
import { detachKeysFor } from '../parse/detach-keys.ts';
import { terminalSize } from '../terminal.ts';
import { pump } from './attach-output.ts';
import { def, type FlagDef, withFlags } from './create-flags.ts';
import { strList } from '../parse/args.ts';

export const EXEC_FLAGS: readonly FlagDef[] = [
  def('interactive', { type: 'boolean', describe: 'Keep STDIN open' }, 'i'),
  def('tty', { type: 'boolean', describe: 'Allocate a pseudo-TTY' }, 't'),
  def('detach', { type: 'boolean', describe: 'Run the command in the background and print the exec session ID' }, 'd'),
  // nargs 1: an array option would otherwise swallow the container and the command after it.
  def('env', { type: 'string', array: true, nargs: 1, describe: 'Set environment variables (K=V, or K to copy the host value)' }, 'e'),
  def('env-file', { type: 'string', array: true, nargs: 1, describe: 'Read environment variables from a file (K=V lines)' }),
  def('user', { type: 'string', describe: 'Username or UID (format: <name|uid>[:<group|gid>])' }, 'u'),
  def('workdir', { type: 'string', describe: 'Working directory inside the container' }, 'w'),
  def('privileged', { type: 'boolean', describe: 'Give the process every capability' }),
  def('detach-keys', { type: 'string', describe: 'Key sequence for detaching (default: containers.conf detach_keys, else ctrl-p,ctrl-q; "" disables)' }),
];


/** docker's --env-file: `K=V` or `K` (the host's value) per line; blank lines and `#` comments skipped. */
function envFileEntries(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`reading env file ${path}: ${(e as Error).message}`, 'exec');
  }
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, '').trimStart())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function statusError(status: ExitStatus): EngineError {
  const code = status.exitCode === 127 ? 'COMMAND_NOT_FOUND' : status.exitCode === 126 ? 'CANNOT_INVOKE' : 'RUNTIME_FAILED';
  return new EngineError(code, status.error ?? 'failed');
}

export const exec = defineCommand({
  command: 'exec <container>',
  describe: 'Run a process in a running container',
  flags: (y) => withFlags(y.positional('container', { type: 'string' }), EXEC_FLAGS),
  run: async (ctx, args) => {
    const command = ctx.commandTail;
    if (command.length === 0) throw new UsageError('must provide a non-empty command to start an exec session', 'exec');
    const detachKeys = await detachKeysFor(args['detach-keys'], async () => (args['detach'] === true ? undefined : (await ctx.engine()).configuredDetachKeys()), 'exec');
    const tty = args['tty'] === true;
    const interactive = args['interactive'] === true;
    const detach = args['detach'] === true;
    const env = parseEnv([...strList(args['env-file']).flatMap(envFileEntries), ...strList(args['env'])], ctx.env);
    const size = tty && !detach ? terminalSize() : undefined;
    const engine = await ctx.engine();
    const session = await engine.containers.exec(String(args['container']), {
      command,
      tty,
      interactive: interactive && !detach,
      detach,
      env,
      ...(typeof args['user'] === 'string' ? { user: args['user'] } : {}),
      ...(typeof args['workdir'] === 'string' ? { workdir: args['workdir'] } : {}),
      ...(args['privileged'] === true ? { privileged: true } : {}),
      ...(size ? { terminalSize: size } : {}),
    });
    if (detach) {
      ctx.stdout.write(`${session.id}\n`);
      return 0;
    }
    if ((await pump(ctx, { stream: session.attach!, stdin: interactive, tty, detachKeys })) === 'detached') return 0;
    const status = await session.wait({ signal: ctx.signal });
    if (status.error !== undefined) throw statusError(status);
    return status.exitCode;
  },
});

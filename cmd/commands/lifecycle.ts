/** start, stop, kill, wait, rm: verbs over one or more containers, echoing each argument as podman does. */
import { EngineError, isEngineError } from '../../engine/index.ts';
import { defineCommand, UsageError } from '../command.ts';
import type { CliContext } from '../context.ts';
import { removeEach } from './remove-each.ts';
import { attachAndWait } from './attach-output.ts';
import { detachKeysFor } from '../parse/detach-keys.ts';
import { terminalSize } from '../terminal.ts';

const names = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** Runs `each` for every name; prints errors as podman does (all but the last as lines, the last thrown). */
async function forEach(ctx: CliContext, items: readonly string[], each: (name: string) => Promise<void>): Promise<void> {
  let last: unknown;
  for (const name of items) {
    try {
      await each(name);
    } catch (e) {
      if (last !== undefined) ctx.stderr.write(`Error: ${(last as Error).message}\n`);
      last = e;
    }
  }
  if (last !== undefined) throw last;
}

export const start = defineCommand({
  command: 'start <containers..>',
  describe: 'Start one or more containers',
  flags: (y) =>
    y
      .positional('containers', { type: 'string', array: true })
      .option('attach', { alias: 'a', type: 'boolean', default: false, describe: 'Attach to the container\'s output and exit with its code' })
      .option('interactive', { alias: 'i', type: 'boolean', default: false, describe: 'Attach stdin (with -a)' })
      .option('detach-keys', { type: 'string', describe: 'Key sequence for detaching (default: containers.conf detach_keys, else ctrl-p,ctrl-q; "" disables)' })
      .option('sig-proxy', { type: 'boolean', default: true, describe: 'Proxy received signals to the container (with -a)' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    const items = names(args['containers']);
    // podman: -i alone attaches too.
    if (args['attach'] || args['interactive']) {
      if (items.length !== 1) throw new UsageError('you cannot start and attach multiple containers at once', 'start');
      const detachKeys = await detachKeysFor(args['detach-keys'], async () => engine.configuredDetachKeys(), 'start');
      const c = await engine.containers.inspect(items[0]!);
      const tty = c.Config.Tty;
      const size = tty ? terminalSize() : undefined;
      const r = await engine.containers.start(c.Id, { signal: ctx.signal, attach: true, ...(size ? { terminalSize: size } : {}) });
      // Its stdin is open only if it was created with -i; without, our input would be dropped anyway.
      const stdin = args['interactive'] === true && c.Config.OpenStdin;
      const status = await attachAndWait(ctx, engine, r.id, { stream: r.attach!, stdin, tty, detachKeys, sigProxy: args['sig-proxy'] !== false });
      if (status === undefined) return 0; // detached
      if (status.error !== undefined) throw new EngineError('RUNTIME_FAILED', status.error);
      return status.exitCode;
    }
    await forEach(ctx, items, async (name) => {
      // Starting a running container is no error (podman, docker): asked only when start refuses.
      await engine.containers.start(name, { signal: ctx.signal }).catch(async (e: unknown) => {
        if (!(isEngineError(e) && e.code === 'BAD_STATE' && (await engine.containers.inspect(name)).State.Running)) throw e;
      });
      ctx.stdout.write(`${name}\n`);
    });
    return 0;
  },
});

export const stop = defineCommand({
  command: 'stop <containers..>',
  describe: 'Stop one or more containers: the stop signal, then SIGKILL after a timeout',
  flags: (y) =>
    y
      .positional('containers', { type: 'string', array: true })
      .option('time', { alias: 't', type: 'number', describe: 'Seconds to wait before SIGKILL (default: the container\'s, 10)' })
      .option('timeout', { type: 'number', describe: 'Same as --time (docker)' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    const t = typeof args['time'] === 'number' ? args['time'] : typeof args['timeout'] === 'number' ? args['timeout'] : undefined;
    if (t !== undefined && (!Number.isInteger(t) || t < 0)) throw new UsageError(`invalid timeout ${t}: expected a non-negative integer`, 'stop');
    await forEach(ctx, names(args['containers']), async (name) => {
      await engine.containers.stop(name, { ...(t !== undefined ? { timeoutSec: t } : {}), signal: ctx.signal });
      ctx.stdout.write(`${name}\n`);
    });
    return 0;
  },
});

export const kill = defineCommand({
  command: 'kill <containers..>',
  describe: 'Send a signal to one or more running containers',
  flags: (y) =>
    y
      .positional('containers', { type: 'string', array: true })
      .option('signal', { alias: 's', type: 'string', default: 'KILL', describe: 'Signal name or number' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    const raw = String(args['signal']);
    const signal = /^\d+$/.test(raw) ? Number(raw) : raw;
    await forEach(ctx, names(args['containers']), async (name) => {
      await engine.containers.kill(name, signal);
      ctx.stdout.write(`${name}\n`);
    });
    return 0;
  },
});

export const wait = defineCommand({
  command: 'wait <containers..>',
  describe: 'Block until one or more containers stop, then print their exit codes',
  flags: (y) => y.positional('containers', { type: 'string', array: true }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    await forEach(ctx, names(args['containers']), async (name) => {
      const s = await engine.containers.wait(name, { signal: ctx.signal });
      ctx.stdout.write(`${s.exitCode}\n`);
    });
    return 0;
  },
});

export const rm = defineCommand({
  command: 'rm [containers..]',
  describe: 'Remove one or more containers',
  flags: (y) =>
    y
      .positional('containers', { type: 'string', array: true })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Kill and remove running containers' })
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Remove all containers' })
      .option('volumes', { alias: 'v', type: 'boolean', default: false, describe: 'Remove the anonymous volumes of the container' })
      .option('ignore', { alias: 'i', type: 'boolean', default: false, describe: 'Ignore containers that do not exist' })
      .option('time', { alias: 't', type: 'number', describe: 'With -f: seconds to wait after the stop signal before SIGKILL (podman; default: SIGKILL at once, as docker)' }),
  run: async (ctx, args) => {
    const given = names(args['containers']);
    if (args['all'] && given.length > 0) throw new UsageError('--all and container names cannot be used together', 'rm');
    if (!args['all'] && given.length === 0) throw new UsageError('must specify at least one container', 'rm');
    const t = args['time'] as number | undefined;
    if (t !== undefined && (!Number.isInteger(t) || t < 0)) throw new UsageError(`invalid timeout ${t}: expected a non-negative integer`, 'rm');
    if (t !== undefined && args['force'] !== true) throw new UsageError('--force option must be specified to use the --time option', 'rm');
    const engine = await ctx.engine();
    const items = args['all'] ? (await engine.containers.list({ all: true })).map((c) => c.id) : given;
    const warned = new Set<string>();
    return removeEach(ctx, items, async (name) => {
      let r: { warnings: string[] };
      try {
        // podman's rm -f -t N: the stop signal first, SIGKILL only after N seconds.
        if (t !== undefined) await engine.containers.stop(name, { timeoutSec: t, signal: ctx.signal });
        r = await engine.containers.remove(name, { force: args['force'] === true, volumes: args['volumes'] === true });
      } catch (e) {
        if (args['ignore'] === true && isEngineError(e) && e.code === 'CONTAINER_NOT_FOUND') return; // -i: gone is fine
        throw e;
      }
      for (const w of r.warnings) if (!warned.has(w)) warned.add(w) && ctx.warn(`Warning: ${w}`);
      ctx.stdout.write(`${name}\n`);
    });
  },
});

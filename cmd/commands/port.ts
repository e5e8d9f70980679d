import { EngineError } from '../../engine/index.ts';
import { defineCommand } from '../command.ts';

/**
 * `port CONTAINER [PRIVATE_PORT[/PROTO]]`, docker's and podman's: the published ports of a running
 * container, `80/tcp -> 0.0.0.0:8080`; with a port, only its host addresses. A stopped container prints nothing.
 */
export const port = defineCommand({
  command: 'port <container> [port]',
  describe: 'List port mappings of a container, or look up the public address of one port',
  flags: (y) => y.positional('container', { type: 'string' }).positional('port', { type: 'string', describe: 'PRIVATE_PORT[/PROTO]' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    const c = await engine.containers.inspect(String(args['container']));
    if (!c.State.Running) return 0;
    const ports = c.NetworkSettings.Ports;
    const address = (b: { HostIp: string; HostPort: string }) => `${b.HostIp || '0.0.0.0'}:${b.HostPort}`;
    if (args['port'] === undefined) {
      for (const [key, bindings] of Object.entries(ports)) for (const b of bindings) ctx.stdout.write(`${key} -> ${address(b)}\n`);
      return 0;
    }
    const want = String(args['port']);
    const key = want.includes('/') ? want : `${want}/tcp`;
    const bindings = ports[key];
    if (!bindings) throw new EngineError('INVALID_ARGUMENT', `failed to find published port "${key}"`);
    for (const b of bindings) ctx.stdout.write(`${address(b)}\n`);
    return 0;
  },
});

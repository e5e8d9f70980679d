import { defineCommand } from '../command.ts';
import { PullProgress } from '../progress.ts';
import { parseCreds } from '../parse/creds.ts';

export const pull = defineCommand({
  command: 'pull <image>',
  describe: 'Pull an image from a registry',
  flags: (y) =>
    y
      .positional('image', { type: 'string', describe: 'name[:tag][@digest]' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Suppress progress output' })
      .option('platform', { type: 'string', describe: 'Pull this platform (os/arch[/variant]) instead of the host\'s' })
      .option('tls-verify', { type: 'boolean', describe: 'Require HTTPS and verify certificates (default true; loopback registries may use http)' })
      .option('authfile', { type: 'string', describe: 'Path of the authentication file (default as podman: REGISTRY_AUTH_FILE, …)' })
      .option('creds', { type: 'string', describe: 'Credentials USERNAME[:PASSWORD] for the registry' }),
  run: async (ctx, args) => {
    const creds = typeof args['creds'] === 'string' ? parseCreds(args['creds']) : undefined;
    const engine = await ctx.engine({
      registry: {
        ...(typeof args['tls-verify'] === 'boolean' ? { tlsVerify: args['tls-verify'] } : {}),
        ...(typeof args['authfile'] === 'string' ? { authFile: args['authfile'] } : {}),
        ...(creds ? { credentials: async () => creds } : {}),
      },
    });
    const progress = args['quiet'] ? undefined : new PullProgress(ctx.stderr);
    try {
      const result = await engine.images.pull(String(args['image']), {
        platform: typeof args['platform'] === 'string' ? args['platform'] : undefined,
        signal: ctx.signal,
        onProgress: progress ? (e) => progress.update(e) : undefined,
      });
      progress?.finish();
      if (result.note !== undefined && !args['quiet']) ctx.warn(result.note);
      ctx.stdout.write(`${result.id}\n`);
    } finally {
      progress?.finish();
    }
    return 0;
  },
});

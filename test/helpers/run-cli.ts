// Runs the built `tsengine` launcher (dist/cmd/tsengine: the CLI from its start-up snapshot, as users run it)
// as a black box. `expectCode` is checked on every call, so
// no e2e test can forget the exit code.
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const CLI = fileURLToPath(new URL('../../dist/cmd/tsengine', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCliOptions {
  readonly expectCode: number;
  readonly env?: Record<string, string>;
  readonly input?: string;
}

/**
 * The environment every CLI call gets: no host registries.conf, no host credentials, no host runtime
 * config (tsengine.toml, daemon.json, containers.conf, storage.conf all read as empty; a test sets its own files).
 */
export function isolatedEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/root',
    CONTAINERS_REGISTRIES_CONF: '/dev/null',
    TSENGINE_CONFIG: '/dev/null',
    TSENGINE_DAEMON_JSON: '/dev/null',
    CONTAINERS_CONF: '/dev/null',
    CONTAINERS_STORAGE_CONF: '/dev/null',
    REGISTRY_AUTH_FILE: '/nonexistent/auth.json',
    DOCKER_CONFIG: '/nonexistent',
    ...extra,
  };
}

export async function runCli(args: readonly string[], o: RunCliOptions): Promise<CliResult> {
  const r = await execa(CLI, args, {
    reject: false,
    stripFinalNewline: false,
    env: isolatedEnv(o.env),
    extendEnv: false,
    ...(o.input !== undefined ? { input: o.input } : { stdin: 'ignore' }),
  });
  const result = { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  expect(result, `tsengine ${args.join(' ')}\n${r.stderr}`).toMatchObject({ code: o.expectCode });
  return result;
}

/** Starts the CLI without waiting, for tests that kill it. */
export function spawnCli(args: readonly string[], env: Record<string, string> = {}) {
  return execa(CLI, args, { reject: false, stripFinalNewline: false, env: isolatedEnv(env), extendEnv: false, stdin: 'ignore' });
}

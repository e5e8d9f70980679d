/**
 * The flags `run` and `create` share, in one table: yargs' option definitions and the argv splitter
 * (which flags take a value) both come from it, so they cannot disagree.
 */
import type { Argv, Options } from 'yargs';
import type { CreateOptions } from '../../engine/index.ts';
import type { Args } from '../context.ts';
import type { FlagSpec } from '../parse/split-argv.ts';
import { parseEnv } from '../parse/env.ts';

export interface FlagDef extends FlagSpec {
  readonly options: Options;
}

export const def = (name: string, options: Options, alias?: string): FlagDef => ({
  name,
  ...(alias !== undefined ? { alias } : {}),
  takesValue: options.type !== 'boolean',
  options: { ...options, ...(alias !== undefined ? { alias } : {}) },
});

export const CREATE_FLAGS: readonly FlagDef[] = [
  def('name', { type: 'string', describe: 'Assign a name to the container' }),
  def('env', { type: 'string', array: true, nargs: 1, describe: 'Set environment variables (K=V, or K to copy the host value)' }, 'e'),
  def('entrypoint', { type: 'string', describe: 'Overwrite the image ENTRYPOINT (a string, or a JSON array; "" clears it)' }),
  def('workdir', { type: 'string', describe: 'Working directory inside the container' }, 'w'),
  def('user', { type: 'string', describe: 'Username or UID (format: <name|uid>[:<group|gid>])' }, 'u'),
  def('interactive', { type: 'boolean', describe: 'Keep STDIN open' }, 'i'),
  def('tty', { type: 'boolean', describe: 'Allocate a pseudo-TTY for the container' }, 't'),
  def('rm', { type: 'boolean', describe: 'Remove the container when it exits' }),
  def('runtime', { type: 'string', describe: 'OCI runtime for this container: crun, runc, runsc, a registered name, or a path' }),
  def('hostname', { type: 'string', describe: 'Container host name' }, 'h'),
  def('network', { type: 'string', describe: 'Network mode: slirp4netns (rootless default when installed), private (loopback only; the default as root), host, none' }),
  def('label', { type: 'string', array: true, nargs: 1, describe: 'Set metadata on the container (K=V)' }, 'l'),
  def('stop-signal', { type: 'string', describe: 'Signal to stop the container' }),
  def('stop-timeout', { type: 'number', describe: 'Seconds to wait after the stop signal before SIGKILL' }),
  def('quiet', { type: 'boolean', describe: 'Suppress the pull output' }, 'q'),
  def('userns', { type: 'string', describe: 'User namespace: host (default) or keep-id (rootless: your UID/GID inside)' }),
  def('uidmap', { type: 'string', array: true, nargs: 1, describe: 'UID mapping CONTAINER:HOST:COUNT for a user namespace of the container\'s own' }),
  def('gidmap', { type: 'string', array: true, nargs: 1, describe: 'GID mapping CONTAINER:HOST:COUNT' }),
  def('platform', { type: 'string', describe: 'Pull this platform (os/arch[/variant]) when the image is missing' }),
];

export const RUN_ONLY_FLAGS: readonly FlagDef[] = [
  def('detach', { type: 'boolean', describe: 'Run in the background and print the container ID' }, 'd'),
  def('detach-keys', { type: 'string', describe: 'Key sequence for detaching (default ctrl-p,ctrl-q; "" disables)' }),
  def('sig-proxy', { type: 'boolean', default: true, describe: 'Proxy received signals to the container' }),
];

export function withFlags(y: Argv, flags: readonly FlagDef[]): Argv {
  let out = y;
  for (const f of flags) out = out.option(f.name, f.options);
  return out;
}

function entrypointOf(text: string): string[] {
  if (text === '') return [];
  if (text.trimStart().startsWith('[')) {
    const parsed = JSON.parse(text) as unknown;
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed as string[];
  }
  return [text];
}

function labelsOf(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of items) {
    const i = l.indexOf('=');
    out[i < 0 ? l : l.slice(0, i)] = i < 0 ? '' : l.slice(i + 1);
  }
  return out;
}

const strList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Flag values + the verbatim command tail → the engine's create options. */
export function createOptionsFrom(args: Args, command: readonly string[], env: Readonly<Record<string, string | undefined>>): CreateOptions {
  const entrypoint = str(args['entrypoint']);
  return {
    image: String(args['image']),
    ...(command.length > 0 ? { command: [...command] } : {}),
    ...(entrypoint !== undefined ? { entrypoint: entrypointOf(entrypoint) } : {}),
    env: parseEnv(strList(args['env']), env),
    ...(str(args['workdir']) !== undefined ? { workdir: str(args['workdir']) } : {}),
    ...(str(args['user']) !== undefined ? { user: str(args['user']) } : {}),
    ...(str(args['name']) !== undefined ? { name: str(args['name']) } : {}),
    ...(str(args['runtime']) !== undefined ? { runtime: str(args['runtime']) } : {}),
    ...(str(args['hostname']) !== undefined ? { hostname: str(args['hostname']) } : {}),
    ...(str(args['network']) !== undefined ? { network: str(args['network']) as CreateOptions['network'] } : {}),
    ...(str(args['stop-signal']) !== undefined ? { stopSignal: str(args['stop-signal']) } : {}),
    ...(typeof args['stop-timeout'] === 'number' ? { stopTimeout: args['stop-timeout'] } : {}),
    labels: labelsOf(strList(args['label'])),
    ...(str(args['userns']) !== undefined ? { userns: str(args['userns']) as CreateOptions['userns'] } : {}),
    ...(args['uidmap'] !== undefined ? { uidMap: strList(args['uidmap']) } : {}),
    ...(args['gidmap'] !== undefined ? { gidMap: strList(args['gidmap']) } : {}),
    autoRemove: args['rm'] === true,
    interactive: args['interactive'] === true,
    ...(args['tty'] === true ? { tty: true } : {}),
  };
}

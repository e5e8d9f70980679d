/**
 * run/create flags of issue 7 (mounts, volumes, env files, identity, name resolution, --init, labels from
 * files) → their CreateOptions fields. Their definitions are the commented block in create-flags.ts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EngineError, type MountCreateOptions } from '../../engine/index.ts';
import { parseEnv } from '../parse/env.ts';
import { strList } from '../parse/args.ts';


/** Lines of an env or label file: blank lines and `#` comments skipped (docker's opts.ParseEnvFile). */
function fileLines(path: string, flag: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new EngineError('INVALID_ARGUMENT', `${flag} ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  return text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
}

/** `--env-file` entries first, then `-e` (which wins by key); `K` alone copies the host's value. */
export function envFrom(args: Record<string, unknown>, host: Readonly<Record<string, string | undefined>>): string[] {
  const fromFiles = strList(args['env-file']).flatMap((f) => fileLines(f, '--env-file'));
  for (const l of fromFiles) if (l.startsWith('=')) throw new EngineError('INVALID_ARGUMENT', `invalid environment variable: ${JSON.stringify(l)}`);
  return [...parseEnv(fromFiles, host), ...parseEnv(strList(args['env']), host)];
}

/** `--label-file` lines (K=V or K), before `--label` entries. */
export function labelFileEntries(args: Record<string, unknown>): string[] {
  return strList(args['label-file']).flatMap((f) => fileLines(f, '--label-file'));
}

/** `-v ./rel:/dst`: podman takes a relative host path from the working directory. */
function absoluteVolume(spec: string): string {
  const i = spec.indexOf(':');
  if (i <= 0 || !spec.startsWith('.')) return spec;
  return `${resolve(spec.slice(0, i))}${spec.slice(i)}`;
}

export function mountOptionsFrom(args: Record<string, unknown>): MountCreateOptions {
  const list = (flag: string): string[] | undefined => {
    const v = strList(args[flag]);
    return v.length > 0 ? v : undefined;
  };
  const volumes = list('volume');
  const o: { -readonly [K in keyof MountCreateOptions]: MountCreateOptions[K] } = {};
  if (volumes) o.volumes = volumes.map(absoluteVolume);
  const mounts = list('mount');
  if (mounts) o.mounts = mounts;
  const tmpfs = list('tmpfs');
  if (tmpfs) o.tmpfs = tmpfs;
  if (args['read-only'] === true) o.readOnly = true;
  const groupAdd = list('group-add');
  if (groupAdd) o.groupAdd = groupAdd;
  const addHost = list('add-host');
  if (addHost) o.addHost = addHost;
  const dns = list('dns');
  if (dns) o.dns = dns;
  const dnsSearch = list('dns-search');
  if (dnsSearch) o.dnsSearch = dnsSearch;
  const dnsOption = list('dns-option');
  if (dnsOption) o.dnsOption = dnsOption;
  if (args['init'] === true) o.init = true;
  if (typeof args['init-path'] === 'string') o.initPath = args['init-path'];
  return o;
}

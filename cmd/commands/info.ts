/**
 * `tsengine info` (and `system info`): podman's layout. Without --format, YAML with podman's keys
 * (`host.ociRuntime.name`); `--format json` the same keys as JSON; any other --format is a Go template over
 * podman's Go field names (`{{.Host.OCIRuntime.Name}}`, `{{.Store.GraphRoot}}`, `{{json .Host}}`).
 */
import type { SystemInfo } from '../../engine/index.ts';
import { defineCommand } from '../command.ts';
import { encodeJson } from '../format/json-encode.ts';
import { isJsonFormat, renderInspect } from '../format/report.ts';
import { toYaml } from '../format/yaml.ts';

/** podman's JSON tags where they are not the Go name with a lower-case first letter (libpod/define/info.go). */
const JSON_NAMES: Readonly<Record<string, string>> = {
  CPUs: 'cpus',
  CgroupsVersion: 'cgroupVersion',
  OCIRuntime: 'ociRuntime',
  OCIRuntimes: 'ociRuntimes',
  OS: 'os',
  IDMappings: 'idMappings',
  UIDMap: 'uidmap',
  GIDMap: 'gidmap',
  Slirp4NetNS: 'slirp4netns',
};

/** Sections whose keys podman prints as they are: `version` (Go names), and maps keyed by data (runtime names). */
const KEEP_KEYS = new Set(['Version', 'OCIRuntimes']);
/** Maps podman prints with their keys as they are all the way down (store.graphOptions, store.graphStatus). */
const RAW = new Set(['Version', 'GraphOptions', 'GraphStatus']);

function podmanKeys(v: unknown, keepOwnKeys = false): unknown {
  if (Array.isArray(v)) return v.map((x) => podmanKeys(x));
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, val]) => [
      keepOwnKeys ? k : (JSON_NAMES[k] ?? `${k.charAt(0).toLowerCase()}${k.slice(1)}`),
      // The version section keeps its Go names all the way down; a data-keyed map keeps only its own keys.
      RAW.has(k) && !keepOwnKeys ? val : podmanKeys(val, KEEP_KEYS.has(k) && !keepOwnKeys),
    ]),
  );
}

export function renderInfo(info: SystemInfo, format: string | undefined): string {
  if (format === undefined || format === '') return toYaml(podmanKeys(info) as Record<string, unknown>);
  if (isJsonFormat(format)) return `${encodeJson(podmanKeys(info), '    ')}\n`;
  return renderInspect(format, [info]);
}

export const info = defineCommand({
  command: 'info',
  describe: 'Display system information: host, OCI runtimes and the default, store, registries',
  flags: (y) => y.option('format', { alias: 'f', type: 'string', describe: 'Format the output: `json`, or a Go template such as {{.Host.OCIRuntime.Name}}' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    const format = typeof args['format'] === 'string' ? args['format'] : undefined;
    ctx.stdout.write(renderInfo(await engine.info({ signal: ctx.signal }), format));
    return 0;
  },
});

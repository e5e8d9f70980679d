/**
 * `tsengine runtime ls|add|rm|default`: the runtimes known by name, and registering them in tsengine.toml
 * (engine.runtimes). Edits take effect on the next command; nothing needs restarting. `runtime check` is
 * cmd/commands/runtime-check.ts; cli.ts lists every `runtime` subcommand in RUNTIME_SUB.
 */
import type { RuntimeEditResult, RuntimeInfo } from '../../engine/index.ts';
import { defineCommand } from '../command.ts';
import type { CliContext } from '../context.ts';
import { renderRows } from '../format/report.ts';

/** A `runtime ls` row: Go-style field names for `--format` (`{{.Name}} {{.Path}}`), as podman's reports. */
class RuntimeRow {
  readonly Name: string;
  readonly Path: string;
  readonly Version: string;
  readonly Source: string;
  readonly Default: boolean;
  /** ok, missing (no usable binary), refused (a containerd shim); `{{.Problem}}` says why. */
  readonly Status: string;
  readonly Problem: string;
  readonly Args: readonly string[];
  readonly Kind: string;
  readonly Features: { readonly JsonLog: boolean; readonly SystemdCgroup: boolean; readonly Exec: boolean; readonly Tty: boolean; readonly Pause: boolean; readonly Verified: boolean } | undefined;
  readonly Shadowed: readonly string[];
  constructor(r: RuntimeInfo) {
    this.Name = r.name;
    this.Path = r.path ?? '';
    this.Version = r.version ?? '';
    this.Source = r.source;
    this.Default = r.isDefault;
    this.Status = r.status;
    this.Problem = r.problem ?? '';
    this.Args = r.args;
    this.Kind = r.kind ?? '';
    const f = r.features;
    this.Features = f && { JsonLog: f.jsonLog, SystemdCgroup: f.systemdCgroup, Exec: f.exec, Tty: f.tty, Pause: f.pause, Verified: f.verified };
    this.Shadowed = r.shadowed;
  }
  /** `*` on the default runtime (the DEFAULT column). */
  DefaultMark(): string {
    return this.Default ? '*' : '';
  }
}

export const runtimeLs = defineCommand({
  command: 'ls',
  aliases: ['list'],
  describe: 'List the OCI runtimes known by name: registered in config files, or found on PATH',
  flags: (y) =>
    y
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'Print only runtime names' })
      .option('format', { type: 'string', describe: 'Format the output with a Go template, `table …`, or `json`' })
      .option('noheading', { alias: 'n', type: 'boolean', default: false, describe: 'Do not print the header line' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    const rows = (await engine.runtimes.list({ signal: ctx.signal })).map((r) => new RuntimeRow(r));
    const format = typeof args['format'] === 'string' ? args['format'] : undefined;
    if (args['quiet'] && format === undefined) {
      for (const r of rows) ctx.stdout.write(`${r.Name}\n`);
      return 0;
    }
    ctx.stdout.write(
      renderRows(format, rows, {
        defaultTable: 'table {{.Name}}\t{{.DefaultMark}}\t{{.Path}}\t{{.Version}}\t{{.Status}}\t{{.Source}}',
        headers: { DefaultMark: 'DEFAULT' },
        noHeading: args['noheading'] === true,
      }),
    );
    return 0;
  },
});

function printNotes(ctx: CliContext, r: RuntimeEditResult): void {
  for (const n of r.notes) ctx.warn(`Note: ${n}`);
}

/** `--arg debug` → `--debug`, `--arg=--log=x` kept: podman's --runtime-flag form, so both spellings work. */
function argOf(v: string): string {
  return v.startsWith('-') ? v : `--${v}`;
}

export const runtimeAdd = defineCommand({
  command: 'add <name> <path>',
  describe: 'Register a runc-compatible runtime under a name (in tsengine.toml)',
  flags: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Name to use with --runtime' })
      .positional('path', { type: 'string', describe: 'Absolute path of the binary (or a name found on PATH)' })
      .option('arg', {
        type: 'string',
        array: true,
        nargs: 1, // one value per --arg: `--arg debug NAME PATH` must leave NAME and PATH alone
        describe: 'Global flag passed to the runtime before each command, without the leading -- (`--arg debug`, `--arg network=none`), or `--arg=--flag`',
      })
      .option('default', { type: 'boolean', default: false, describe: 'Also make it the default runtime' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    const list = Array.isArray(args['arg']) ? args['arg'].map(String) : [];
    const r = await engine.runtimes.add(String(args['name']), String(args['path']), { args: list.map(argOf), setDefault: args['default'] === true });
    printNotes(ctx, r);
    return 0;
  },
});

export const runtimeRm = defineCommand({
  command: 'rm <name>',
  aliases: ['remove'],
  describe: 'Unregister a runtime (from tsengine.toml); its containers can still be listed, inspected and removed',
  flags: (y) => y.positional('name', { type: 'string' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    printNotes(ctx, await engine.runtimes.remove(String(args['name'])));
    return 0;
  },
});

export const runtimeDefault = defineCommand({
  command: 'default [name]',
  describe: 'Set the default runtime (in tsengine.toml); without a name, print it',
  flags: (y) => y.positional('name', { type: 'string' }),
  run: async (ctx, args) => {
    const engine = await ctx.engine();
    if (args['name'] === undefined) {
      ctx.stdout.write(`${engine.runtimes.default().name}\n`);
      return 0;
    }
    printNotes(ctx, await engine.runtimes.setDefault(String(args['name'])));
    return 0;
  },
});

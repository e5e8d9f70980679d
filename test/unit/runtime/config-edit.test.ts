// `runtime add/rm/default` edit tsengine.toml as text: comments and unrelated tables stay as written; only
// the plain layout is rewritten, anything else is refused before a byte is written. Writes go through a
// temp file and a rename (real files in a temp dir).
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { editTsengineToml, updateConfigFile } from '../../../engine/runtime/config-edit.ts';
import { configInvalidMessage } from '../../helpers/config-invalid.ts';

const F = '/etc/tsengine/tsengine.toml';

const HAND_WRITTEN = `# tsengine runtimes, maintained by ops
# (ticket 42)

[runtimes.youki]
# built from source
path = "/opt/youki/youki"

# gVisor, network off in the host netns
[runtimes.runsc-debug]
path = "/usr/bin/runsc"
args = ["--debug"]   # noisy
`;

describe('editTsengineToml', () => {
  it('adds a table at the end of an empty or hand-written file, keeping every comment', () => {
    expect(editTsengineToml(F, '', { op: 'set-runtime', name: 'my-crun', path: '/x/my-crun', args: [] })).toBe('[runtimes.my-crun]\npath = "/x/my-crun"\n');
    const out = editTsengineToml(F, HAND_WRITTEN, { op: 'set-runtime', name: 'my.crun', path: '/x/my crun', args: ['--debug', '--log-format=json'] });
    expect(out).toBe(`${HAND_WRITTEN}\n[runtimes."my.crun"]\npath = "/x/my crun"\nargs = ["--debug", "--log-format=json"]\n`);
  });

  it('replaces an existing table in place; the comment that leads into the next table stays', () => {
    const out = editTsengineToml(F, HAND_WRITTEN, { op: 'set-runtime', name: 'youki', path: '/usr/local/bin/youki', args: ['--systemd-cgroup'] });
    expect(out).toBe(HAND_WRITTEN.replace('[runtimes.youki]\n# built from source\npath = "/opt/youki/youki"\n', '[runtimes.youki]\npath = "/usr/local/bin/youki"\nargs = ["--systemd-cgroup"]\n'));
    expect(out).toContain('# gVisor, network off in the host netns\n[runtimes.runsc-debug]');
  });

  it('removes a table and nothing else; removing an absent name changes nothing', () => {
    const out = editTsengineToml(F, HAND_WRITTEN, { op: 'remove-runtime', name: 'youki' });
    expect(out).toBe(`# tsengine runtimes, maintained by ops\n# (ticket 42)\n\n# gVisor, network off in the host netns\n[runtimes.runsc-debug]\npath = "/usr/bin/runsc"\nargs = ["--debug"]   # noisy\n`);
    expect(editTsengineToml(F, out, { op: 'remove-runtime', name: 'youki' })).toBe(out);
    expect(editTsengineToml(F, '[runtimes.a]\npath = "/a"\n', { op: 'remove-runtime', name: 'a' })).toBe('');
  });

  it('sets the default: the existing line is replaced, else one is inserted above the first table and its comments', () => {
    const set = editTsengineToml(F, HAND_WRITTEN, { op: 'set-default', name: 'youki' });
    expect(set).toBe(`# tsengine runtimes, maintained by ops\n# (ticket 42)\n\ndefault_runtime = "youki"\n\n[runtimes.youki]${HAND_WRITTEN.split('[runtimes.youki]')[1]}`);
    expect(editTsengineToml(F, set, { op: 'set-default', name: 'runsc-debug' })).toBe(set.replace('default_runtime = "youki"', 'default_runtime = "runsc-debug"'));
    expect(editTsengineToml(F, '', { op: 'set-default', name: 'runc' })).toBe('default_runtime = "runc"\n');
    expect(editTsengineToml(F, 'default-runtime = "a" # docker spelling\n', { op: 'set-default', name: 'b' })).toBe('default_runtime = "b"\n');
  });

  it('refuses layouts it does not rewrite (inline tables, dotted keys), naming the file', () => {
    const inline = 'runtimes = { youki = { path = "/opt/youki" } }\n';
    expect(configInvalidMessage(() => editTsengineToml(F, inline, { op: 'remove-runtime', name: 'youki' }))).toBe(
      `${F}: runtime "youki" is written in a form tsengine does not rewrite (an inline table or dotted keys): edit the file by hand`,
    );
    // A new name next to an inline `runtimes` table would be a second definition of the table: caught by the check.
    expect(configInvalidMessage(() => editTsengineToml(F, inline, { op: 'set-runtime', name: 'b', path: '/b', args: [] }))).toMatch(/^\/etc\/tsengine\/tsengine.toml:\d+:\d+: /);
    const dotted = '[runtimes]\nyouki.path = "/opt/youki"\n';
    expect(configInvalidMessage(() => editTsengineToml(F, dotted, { op: 'set-runtime', name: 'youki', path: '/b', args: [] }))).toContain('edit the file by hand');
  });

  it('refuses to edit a file that does not parse, with its file:line:col', () => {
    expect(configInvalidMessage(() => editTsengineToml(F, '[runtimes.a\n', { op: 'set-default', name: 'a' }))).toMatch(/^\/etc\/tsengine\/tsengine.toml:1:\d+: /);
  });
});

describe('updateConfigFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tse-unit-cfgedit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the file and its directories; leaves no temp file behind', () => {
    const f = join(dir, 'etc', 'tsengine', 'tsengine.toml');
    updateConfigFile(f, (t) => `${t}a = 1\n`);
    expect(readFileSync(f, 'utf8')).toBe('a = 1\n');
    expect(statSync(f).mode & 0o777).toBe(0o644);
    updateConfigFile(f, (t) => `${t}b = 2\n`);
    expect(readFileSync(f, 'utf8')).toBe('a = 1\nb = 2\n');
    expect(readdirSync(join(dir, 'etc', 'tsengine'))).toEqual(['tsengine.toml']);
  });

  it('keeps the mode of an existing file and writes through a symlink', () => {
    const real = join(dir, 'real.toml');
    writeFileSync(real, 'x = 1\n');
    chmodSync(real, 0o600);
    symlinkSync(real, join(dir, 'link.toml'));
    updateConfigFile(join(dir, 'link.toml'), () => 'y = 2\n');
    expect(readFileSync(real, 'utf8')).toBe('y = 2\n');
    expect(statSync(real).mode & 0o777).toBe(0o600);
  });

  it('writes nothing when the edit throws, and refuses a file that is not regular (/dev/null)', () => {
    const f = join(dir, 'a.toml');
    writeFileSync(f, 'keep = true\n');
    expect(() => updateConfigFile(f, () => { throw new Error('no'); })).toThrow('no');
    expect(readFileSync(f, 'utf8')).toBe('keep = true\n');
    expect(readdirSync(dir)).toEqual(['a.toml']);
    expect(configInvalidMessage(() => updateConfigFile('/dev/null', (t) => t))).toBe('/dev/null: not a regular file: cannot edit it (set TSENGINE_CONFIG to a file)');
  });
});

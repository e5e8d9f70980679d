// containers.conf `[engine] detach_keys`, read from real files in a temp tree (`rootPrefix` stands in for
// /): the merge order (later file wins, CONTAINERS_CONF replaces the search), "" kept as "disable", and a
// bad value named by file and line. The same syntax the CLI turns into bytes (cmd/parse/detach-keys.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isValidDetachKeys, loadDetachKeys } from '../../../engine/config/detach-keys.ts';
import { UsageError } from '../../../cmd/command.ts';
import { parseDetachKeys } from '../../../cmd/parse/detach-keys.ts';

let root: string;
const write = (path: string, text: string): string => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tse-unit-detach-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const load = (env: Record<string, string> = {}) => loadDetachKeys({ HOME: join(root, 'home'), ...env }, 0, root);

describe('loadDetachKeys', () => {
  it('is undefined when no file sets it (other [engine] keys do not count)', () => {
    expect(load()).toBeUndefined();
    write(join(root, 'etc/containers/containers.conf'), '[engine]\nruntime = "crun"\n');
    expect(load()).toBeUndefined();
  });

  it('later files win: /usr/share < /etc < the user\'s < drop-ins; the file and line are kept', () => {
    write(join(root, 'usr/share/containers/containers.conf'), '[engine]\ndetach_keys = "ctrl-x"\n');
    const etc = write(join(root, 'etc/containers/containers.conf'), '[containers]\ninit = true\n\n[engine]\ndetach_keys = "ctrl-a,d"\n');
    expect(load()).toEqual({ keys: 'ctrl-a,d', file: etc, line: 5 });
    const dropIn = write(join(root, 'etc/containers/containers.conf.d/10-keys.conf'), '[engine]\ndetach_keys = ""\n');
    expect(load()).toEqual({ keys: '', file: dropIn, line: 2 });
  });

  it('CONTAINERS_CONF replaces the search', () => {
    write(join(root, 'etc/containers/containers.conf'), '[engine]\ndetach_keys = "ctrl-a,d"\n');
    const only = write(join(root, 'only.conf'), '[engine]\ndetach_keys = "ctrl-e"\n');
    expect(load({ CONTAINERS_CONF: only })).toMatchObject({ keys: 'ctrl-e', file: only });
  });

  it.each([['"ctrl-1"'], ['"ab"'], ['"ctrl-p,"'], ['42']])('refuses detach_keys = %s naming the file and line (CONFIG_INVALID)', (value) => {
    const f = write(join(root, 'etc/containers/containers.conf'), `[engine]\ndetach_keys = ${value}\n`);
    expect(() => load()).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(new RegExp(`^${f}:2: engine\\.detach_keys: invalid detach keys`)) }));
  });
});

describe('isValidDetachKeys agrees with the CLI\'s parser', () => {
  it.each([
    ['ctrl-p,ctrl-q', true], ['ctrl-a,d', true], ['', true], ['ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_', true], ['x,ctrl-Z', true],
    ['ctrl-1', false], ['ctrl-pp', false], ['xy', false], ['é', false], ['ctrl-p,', false], [',', false],
  ])('%j: %s', (spec, valid) => {
    expect(isValidDetachKeys(spec)).toBe(valid);
    if (valid) expect(() => parseDetachKeys(spec, 'run')).not.toThrow();
    else expect(() => parseDetachKeys(spec, 'run')).toThrow(UsageError);
  });
});

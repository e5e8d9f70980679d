// `run -t`, `-it`, detach keys, `attach` and `start -ai` through the built CLI on a real pty (util-linux
// `script`), for every installed runtime. The container's terminal comes from the runtime (--console-socket,
// received by the monitor); its size must be the host terminal's from the first byte.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { useAlpineStore } from '../helpers/alpine-store.ts';
import { runOnPty } from '../helpers/pty.ts';
import { CLI, isolatedEnv, runCli } from '../helpers/run-cli.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const quote = (a: string) => `'${a.replaceAll("'", `'\\''`)}'`;

const s = useAlpineStore('e2e-terminal');

const RUNTIMES = ['crun', 'runc', 'runsc'] as const;
const installed = await Promise.all(RUNTIMES.map(async (r) => (await execa('which', [r], { reject: false })).exitCode === 0));
const CTRL_P = '\x10';
const CTRL_Q = '\x11';

async function state(name: string): Promise<string> {
  return (await runCli([...s.g, 'inspect', '-f', '{{.State.Status}}', name], { expectCode: 0 })).stdout.trim();
}

describe.each(RUNTIMES.map((r, i) => [r, installed[i]] as const))('runtime %s', (runtime, present) => {
  it.skipIf(!present)('run -it: stdio is a terminal of the host terminal\'s size from the first byte; the exit code passes through', async () => {
    // `tty` would name /dev/pts/N, but gVisor's ttyname() cannot (runsc prints "not a tty" while isatty holds).
    const r = await runOnPty([...s.g, 'run', '--rm', '--runtime', runtime, '-it', s.alpine, 'sh', '-c', 'stty size; [ -t 0 ] && [ -t 1 ] && echo on-a-tty; exit 4'], {
      rows: 33,
      cols: 101,
    });
    expect(r.output).toBe('33 101\r\non-a-tty\r\n');
    expect(r.code).toBe(4);
  });

  it.skipIf(!present)('run -t without -i: a terminal too; the host terminal is left as it was', async () => {
    const r = await runOnPty([...s.g, 'run', '--rm', '--runtime', runtime, '-t', s.alpine, 'stty', 'size'], { rows: 20, cols: 70 });
    expect(r.output).toBe('20 70\r\n');
    expect(r.code).toBe(0);
  });

  it.skipIf(!present)('keys reach the container (ctrl-c as a byte, a lone ctrl-p passed on), ctrl-p ctrl-q detaches, attach comes back', async () => {
    const name = `tty-${runtime}`;
    const r = await runOnPty([...s.g, 'run', '--name', name, '--runtime', runtime, '-it', s.alpine, 'sh'], {
      rows: 24,
      cols: 80,
      steps: [
        { waitFor: '# ', type: 'cat -v\r' },
        // A lone ctrl-p followed by another key: both bytes go to the container.
        { afterMs: 300, type: `${CTRL_P}x\r` },
        { waitFor: '^Px\r\n^Px', type: '\x04' },
        { afterMs: 300, type: `${CTRL_P}${CTRL_Q}` },
      ],
    });
    expect(r.code).toBe(0);
    expect(await state(name)).toBe('running');
    const back = await runOnPty([...s.g, 'attach', name], {
      rows: 30,
      cols: 90,
      steps: [{ afterMs: 500, type: 'stty size; exit 6\r' }],
    });
    expect(back.output).toContain('30 90\r\n');
    expect(back.code).toBe(6);
    expect(await state(name)).toBe('exited');
    await runCli([...s.g, 'rm', name], { expectCode: 0 });
  });

  it.skipIf(!present)('--detach-keys="" disables detaching: ctrl-p ctrl-q reach the container', async () => {
    // (stty -ixon: the container's terminal would take ctrl-q as XON itself.)
    const r = await runOnPty([...s.g, 'run', '--rm', '--detach-keys=', '--runtime', runtime, '-it', s.alpine, 'sh', '-c', 'stty -ixon; read -r line; printf "%s" "$line" | od -An -c'], {
      rows: 24,
      cols: 80,
      steps: [{ afterMs: 800, type: `a${CTRL_P}${CTRL_Q}b\r` }],
    });
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/a +020 +021 +b/);
  });

  it.skipIf(!present)('start -ai: a created -it container runs attached, sized like the terminal', async () => {
    const name = `start-ai-${runtime}`;
    await runCli([...s.g, 'create', '--name', name, '--runtime', runtime, '-it', s.alpine, 'sh', '-c', 'stty size; read -r x; echo "got $x"'], { expectCode: 0 });
    const r = await runOnPty([...s.g, 'start', '-ai', name], { rows: 41, cols: 132, steps: [{ waitFor: '41 132', type: 'hi\r' }] });
    expect(r.output).toContain('41 132\r\nhi\r\ngot hi\r\n');
    expect(r.code).toBe(0);
    await runCli([...s.g, 'rm', name], { expectCode: 0 });
  });
});

// The keys are the CLI's (it watches its own terminal's input): one runtime shows it, crun.
describe('containers.conf [engine] detach_keys (runtime-independent: crun)', () => {
  const CTRL_A = '\x01';

  it('is the default of run -it, exec -it and attach: its keys detach, ctrl-p ctrl-q then reach the container; --detach-keys wins', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tse-detach-conf-'));
    const conf = join(dir, 'containers.conf');
    writeFileSync(conf, '[engine]\ndetach_keys = "ctrl-a,d"\n');
    const env = { CONTAINERS_CONF: conf };
    const name = 'detach-conf';
    try {
      // (stty -ixon: the container's terminal would take ctrl-q as XON itself.)
      const r = await runOnPty([...s.g, 'run', '--name', name, '-it', s.alpine, 'sh'], {
        rows: 24,
        cols: 80,
        env,
        steps: [
          { waitFor: '# ', type: 'stty -ixon; cat -v\r' },
          { afterMs: 300, type: `${CTRL_P}${CTRL_Q}x\r` },
          { waitFor: '^P^Qx\r\n^P^Qx', type: '\x04' },
          { afterMs: 300, type: `${CTRL_A}d` },
        ],
      });
      expect(r.code).toBe(0);
      expect(await state(name)).toBe('running');
      const ex = await runOnPty([...s.g, 'exec', '-it', name, 'sh', '-c', 'stty -ixon; cat -v'], {
        rows: 24,
        cols: 80,
        env,
        steps: [
          { afterMs: 500, type: `${CTRL_P}${CTRL_Q}y\r` },
          { waitFor: '^P^Qy', type: `${CTRL_A}d` },
        ],
      });
      expect(ex.code).toBe(0); // detached from the exec session
      // --detach-keys on the command line wins over the file.
      const att = await runOnPty([...s.g, 'attach', '--detach-keys', 'ctrl-p,ctrl-q', name], { rows: 24, cols: 80, env, steps: [{ afterMs: 500, type: `${CTRL_P}${CTRL_Q}` }] });
      expect(att.code).toBe(0);
      expect(await state(name)).toBe('running');
      // A bad value is one line naming the file and line, before anything attaches.
      writeFileSync(conf, '[engine]\ndetach_keys = "ctrl-1"\n');
      const bad = await runOnPty([...s.g, 'attach', name], { rows: 24, cols: 80, env });
      expect(bad.code).toBe(125);
      expect(bad.output).toMatch(new RegExp(`^Error: ${conf}:2: engine\\.detach_keys: invalid detach keys "ctrl-1"`, 'm'));
    } finally {
      await runCli([...s.g, 'rm', '-f', name], { expectCode: 0 });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('run -it without a terminal', () => {
  it('warns as podman does and still feeds the input', async () => {
    const r = await runCli([...s.g, 'run', '--rm', '-it', s.alpine, 'sh', '-c', 'read -r x; echo "got $x"'], { expectCode: 0, input: 'piped\n' });
    expect(r.stderr).toContain('The input device is not a TTY. The --tty and --interactive flags might not work properly');
    expect(r.stdout).toContain('got piped');
  });
});

// A resize of the host terminal reaches the container (SIGWINCH → a resize frame → TIOCSWINSZ on the pty
// master). util-linux `script` cannot resize its pty from outside; tmux can (`resize-window`).
const tmuxPresent = (await execa('which', ['tmux'], { reject: false })).exitCode === 0;
describe('terminal resize', () => {
  it.skipIf(!tmuxPresent)('stty size in the container follows the host terminal (skipped only if tmux is not installed)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tse-tmux-'));
    const tmux = (...args: string[]) => execa('tmux', ['-S', join(dir, 'sock'), ...args], { reject: false });
    const screen = async () => (await tmux('capture-pane', '-p', '-t', 't')).stdout;
    const until = async (what: RegExp) => {
      for (let i = 0; i < 300; i++) {
        if (what.test(await screen())) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no ${String(what)} on the screen: ${await screen()}`);
    };
    try {
      const env = Object.entries(isolatedEnv()).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
      const cli = [CLI, ...s.g, 'run', '--rm', '-it', s.alpine, 'sh'].map(quote).join(' ');
      const started = await tmux('new-session', '-d', '-s', 't', '-x', '80', '-y', '24', `env -i ${env} ${cli}`);
      expect(started.exitCode).toBe(0);
      await until(/#\s*$/m);
      // busybox ash asks the terminal for the cursor position (ESC[6n) when its line editor starts and reads
      // the reply: keys typed in that moment are eaten by the shell itself (not by us: `cat` gets them). Type
      // once it is settled.
      await new Promise((r) => setTimeout(r, 500));
      await tmux('send-keys', '-t', 't', 'stty size', 'Enter');
      await until(/^24 80$/m);
      await tmux('resize-window', '-t', 't', '-x', '101', '-y', '33');
      await tmux('send-keys', '-t', 't', 'clear; stty size', 'Enter');
      await until(/^33 101$/m);
      await tmux('send-keys', '-t', 't', 'exit', 'Enter');
    } finally {
      await tmux('kill-server');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

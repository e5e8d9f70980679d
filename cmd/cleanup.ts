/**
 * Run by a container's monitor after the container exits, like podman's `container cleanup` exit
 * command: `cleanup-main.js --root R --runroot RR ID`. Records the exit, unmounts, drops the runtime's
 * state and removes an autoRemove (--rm) container. Loads no CLI framework: it runs once per container.
 * Entry points: cmd/cleanup-main.ts (plain node) and cmd/snapshot-entry.ts (the start-up snapshot).
 */
import { Engine } from '../engine/index.ts';
import { dropLauncherEnv } from './launcher-env.ts';

export async function cleanupMain(argv: readonly string[]): Promise<number> {
  dropLauncherEnv();
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const id = argv.at(-1);
  const root = flag('--root');
  const runRoot = flag('--runroot');
  if (!id || !root || !runRoot) {
    process.stderr.write('usage: cleanup-main.js --root ROOT --runroot RUNROOT ID\n');
    return 2;
  }
  const engine = await Engine.open({ root, runRoot });
  try {
    await engine.containers.cleanup(id);
    return 0;
  } catch (e) {
    process.stderr.write(`Error: cleaning up container ${id}: ${(e as Error).message}\n`);
    return 125;
  } finally {
    await engine.close();
  }
}

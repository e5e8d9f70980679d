/**
 * Starting a container's monitor: a detached node process (monitor/main.ts) that outlives us. We hand it
 * the LaunchSpec on its stdin and read its first event from fd 3: `started` (the runtime wrote the pid
 * file) or `start-failed` (the runtime exited first). Then we let go of it entirely.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { decodeEvent, encodeLaunchSpec, type LaunchSpec, type MonitorEvent } from '../../monitor/protocol.ts';
import { builtFile } from '../../storage/package-root.ts';
import { EngineError } from '../errors.ts';

/** The compiled monitor (dist/monitor/main.js), whether we run from sources, dist/ or the bundled CLI. */
function monitorPath(): string {
  const built = builtFile('monitor/main.js');
  if (existsSync(built)) return built;
  throw new EngineError('RUNTIME_FAILED', `the container monitor is not built (${built} is missing): run npm run build`);
}

export type StartEvent = Extract<MonitorEvent, { type: 'started' | 'start-failed' }>;

export async function launchMonitor(spec: LaunchSpec, signal?: AbortSignal): Promise<{ event: StartEvent; monitorPid: number }> {
  const child = spawn(process.execPath, [monitorPath()], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore', 'pipe'],
  });
  const events = child.stdio[3] as Readable;
  child.stdin!.end(encodeLaunchSpec(spec));
  let onAbort: (() => void) | undefined;
  try {
    const event = await new Promise<StartEvent>((resolve, reject) => {
      const lines = createInterface({ input: events });
      onAbort = () => reject(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      lines.on('line', (line) => {
        const e = decodeEvent(line);
        if (e.type === 'started' || e.type === 'start-failed') resolve(e);
      });
      child.on('error', (err) => reject(new EngineError('RUNTIME_FAILED', `starting the container monitor: ${err.message}`, { cause: err })));
      // 'close', not 'exit': the last event line may still be in the pipe when the process exits.
      child.on('close', (code, sig) =>
        reject(new EngineError('RUNTIME_FAILED', `the container monitor exited before the container started (${sig ?? `exit ${code}`})`)),
      );
    });
    return { event, monitorPid: child.pid! };
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    // Let go: the monitor lives on; nothing of it may keep this process's event loop alive.
    events.destroy();
    child.removeAllListeners();
    child.unref();
  }
}

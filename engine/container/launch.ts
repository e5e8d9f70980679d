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

/**
 * A monitor process started ahead of its spec: node's start-up (~80 ms) then overlaps with mounting the
 * rootfs and writing config.json. `launch` hands it the spec; `abandon` (spec never sent) closes its stdin,
 * on which it exits without doing anything.
 */
export interface PendingMonitor {
  launch(spec: LaunchSpec, signal?: AbortSignal): Promise<{ event: StartEvent; monitorPid: number }>;
  abandon(): void;
}

export function spawnMonitor(): PendingMonitor {
  const child = spawn(process.execPath, [monitorPath()], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore', 'pipe'],
  });
  const events = child.stdio[3] as Readable;
  // Errors before launch (e.g. EPIPE when abandoned) are reported by launch, or do not matter.
  child.stdin!.on('error', () => undefined);
  const letGo = () => {
    // The monitor lives on; nothing of it may keep this process's event loop alive.
    events.destroy();
    child.removeAllListeners();
    child.unref();
  };
  return {
    abandon: () => {
      child.stdin!.end();
      letGo();
    },
    launch: async (spec, signal) => {
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
        letGo();
      }
    },
  };
}

import type { CliContext } from '../context.ts';
import { removalExitCode } from '../exit-codes.ts';

/**
 * rm and rmi: remove every item, printing each failure as an `Error:` line and going on; the exit code
 * says how the worst one failed (podman's 0/1/2/125).
 */
export async function removeEach(ctx: CliContext, items: readonly string[], remove: (item: string) => Promise<void>): Promise<number> {
  const errors: unknown[] = [];
  for (const item of items) {
    try {
      await remove(item);
    } catch (e) {
      errors.push(e);
      ctx.stderr.write(`Error: ${(e as Error).message}\n`);
    }
  }
  return removalExitCode(errors);
}

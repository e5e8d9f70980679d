// Prints the plain closing line `N passed, N failed, N skipped` after vitest's own summary, so that a
// reader of CI's output (human or tool) gets the counts in one well-known shape.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandled: ReadonlyArray<unknown>): void {
    const n = { passed: 0, failed: 0, skipped: 0 };
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') n.passed++;
        else if (state === 'failed') n.failed++;
        else n.skipped++;
      }
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) n.failed++; // a file that failed to load
    }
    n.failed += unhandled.length;
    process.stdout.write(`\n${n.passed} passed, ${n.failed} failed, ${n.skipped} skipped\n`);
  }
}

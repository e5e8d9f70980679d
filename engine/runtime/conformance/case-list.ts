/** Every conformance case, in report order: the process, its filesystem, its limits, operations on it, its terminal. */
import type { ConformanceCase } from './case.ts';
import { FILESYSTEM_CASES } from './cases/filesystem.ts';
import { LIFECYCLE_CASES } from './cases/lifecycle.ts';
import { LIMIT_CASES } from './cases/limits.ts';
import { PROCESS_CASES } from './cases/process.ts';
import { TERMINAL_CASES } from './cases/terminal.ts';

export const CASES: readonly ConformanceCase[] = [...PROCESS_CASES, ...FILESYSTEM_CASES, ...LIMIT_CASES, ...LIFECYCLE_CASES, ...TERMINAL_CASES];

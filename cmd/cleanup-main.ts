#!/usr/bin/env node
/** The monitor's exit command under plain node; see cmd/cleanup.ts. */
import { cleanupMain } from './cleanup.ts';

process.exit(await cleanupMain(process.argv.slice(2)));

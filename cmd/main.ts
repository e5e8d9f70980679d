#!/usr/bin/env node
/**
 * The CLI under plain node: `node dist/cmd/main.js …`. The `tsengine` launcher (scripts/bundle.mjs writes
 * it) starts from the start-up snapshot instead when one was built for this node binary.
 */
import { cliMain } from './cli-main.ts';

// Exit at once: after a registry call, undici's HTTP parser (WebAssembly, compiled in the background)
// holds a natural exit back by ~100 ms. Safe here: on Linux, writes to files, pipes and TTYs through
// process.stdout/stderr are synchronous, so nothing written is lost.
process.exit(await cliMain(process.argv.slice(2)));

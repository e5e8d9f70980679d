// vitest globalSetup: one real registry on 127.0.0.1 per run, fed with the fixture images, given to tests as
// `inject('registry')` (type RegistryInfo, test/helpers/registry-fixture.ts).
//
// vitest runs this file once per project that has test files in the run, plus once for the root project.
// The root project holds no tests when `projects` are configured, and the unit project must not need a
// registry, so both skip it; integration and e2e share one registry (reference-counted in
// registry-fixture.ts) that is stopped after the last of them tears down. A run of unit tests alone starts
// nothing.
import type { TestProject } from 'vitest/node';
import { acquireRegistryFixture, releaseRegistryFixture } from './registry-fixture.ts';

const NO_REGISTRY = new Set(['unit']);

function needsRegistry(project: TestProject): boolean {
  if (project.isRootProject()) return !project.vitest.projects.some((p) => p !== project);
  return !NO_REGISTRY.has(project.name);
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!needsRegistry(project)) return undefined;
  const started = Date.now();
  const info = await acquireRegistryFixture();
  project.provide('registry', info);
  if (process.env['TSENGINE_TEST_DEBUG']) {
    console.error(`[global-setup] ${project.name || '(root)'}: registry ${info.url} ready in ${Date.now() - started} ms`);
  }
  return async () => {
    await releaseRegistryFixture();
  };
}

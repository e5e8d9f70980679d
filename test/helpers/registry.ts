// For test files: the registry fixture started by global-setup.ts, or a clear error where there is none
// (the unit project gets no registry). Same value as `inject('registry')`.
import { inject } from 'vitest';
import type { RegistryInfo } from './registry-fixture.ts';

export type { RegistryInfo } from './registry-fixture.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    registry: RegistryInfo;
  }
}

export function getRegistry(): RegistryInfo {
  const info = inject('registry') as RegistryInfo | undefined;
  if (!info) {
    throw new Error(
      "no registry fixture in this project: test/helpers/global-setup.ts starts it for the integration and e2e projects only",
    );
  }
  return info;
}

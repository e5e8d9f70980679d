/**
 * The create options of the resource and security flags (resources.ts, security.ts): their fields, their
 * keys for validateCreateOptions' unknown-key check, and their validation into the stored config.
 */
import { readFileSync } from 'node:fs';
import { hostDevice } from './limits-spec.ts';
import { type ResourceOptions, type ResourceSettings, resolveResources } from './resources.ts';
import { type SecurityOptions, type SecuritySettings, resolveSecurity } from './security.ts';

export interface LimitCreateOptions extends ResourceOptions, SecurityOptions {}

export interface LimitStoredConfig {
  /** Absent in containers created before these flags: the defaults. */
  readonly resources?: ResourceSettings;
  readonly security?: SecuritySettings;
}

export const LIMIT_OPTION_KEYS: readonly (keyof LimitCreateOptions)[] = [
  'memory', 'memorySwap', 'cpus', 'cpuShares', 'pidsLimit', 'ulimits', 'shmSize', 'oomKillDisable',
  'capAdd', 'capDrop', 'privileged', 'securityOpt', 'devices',
];

/** Throws EngineError INVALID_ARGUMENT. Reads /proc/self/limits (--ulimit), a seccomp=FILE profile, --device nodes. */
export function validateLimitOptions(o: LimitCreateOptions): LimitStoredConfig {
  const resources = resolveResources(o, o.ulimits !== undefined && o.ulimits.length > 0 ? readFileSync('/proc/self/limits', 'utf8') : '');
  const security = resolveSecurity(o, (path) => readFileSync(path, 'utf8'));
  for (const d of security?.devices ?? []) hostDevice(d.hostPath); // refuse a missing or non-device path now, not at start
  return { ...(resources !== undefined ? { resources } : {}), ...(security !== undefined ? { security } : {}) };
}

/**
 * Platforms (`os/architecture[/variant]`), normalised as containerd's `platforms` package does, so that
 * `aarch64`, `arm64` and `arm64/v8` are one platform. The defaults: arm64 → v8, arm → v7.
 */
import { EngineError } from '../errors.ts';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const COMPONENT_RE = /^[a-z0-9_.-]+$/;
const KNOWN_OS = new Set(['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'aix', 'android', 'plan9', 'js', 'wasip1']);

/** Canonical architecture and variant (containerd database.go normalizeArch). */
function normalizeArch(arch: string, variant: string | undefined): { architecture: string; variant?: string } {
  switch (arch) {
    case 'i386':
    case 'i686':
      return { architecture: '386' };
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return variant === undefined || variant === 'v1' ? { architecture: 'amd64' } : { architecture: 'amd64', variant };
    case 'aarch64':
    case 'arm64':
      return { architecture: 'arm64', variant: variant === undefined || variant === '8' || variant === 'v8.0' ? 'v8' : variant };
    case 'armhf':
      return { architecture: 'arm', variant: 'v7' };
    case 'armel':
      return { architecture: 'arm', variant: 'v6' };
    case 'arm':
      if (variant === undefined || variant === '7') return { architecture: 'arm', variant: 'v7' };
      return { architecture: 'arm', variant: /^[5-8]$/.test(variant) ? `v${variant}` : variant };
    default:
      return variant === undefined ? { architecture: arch } : { architecture: arch, variant };
  }
}

function normalizeOs(os: string): string {
  return os === 'macos' ? 'darwin' : os;
}

/** Normalises a platform read from a manifest or typed by a user (lower case, aliases, default variants). */
export function normalizePlatform(p: Platform): Platform {
  return { os: normalizeOs(p.os.toLowerCase()), ...normalizeArch(p.architecture.toLowerCase(), p.variant?.toLowerCase()) };
}

/**
 * Parses `os/arch[/variant]` (e.g. `linux/arm64`, `linux/arm/v7`). A lone architecture (`arm64`) means
 * linux; a lone OS (`linux`) means the host's architecture on that OS.
 */
export function parsePlatform(text: string): Platform {
  const parts = text.toLowerCase().split('/');
  const bad = (why: string) =>
    new EngineError('INVALID_ARGUMENT', `invalid platform ${JSON.stringify(text)}: ${why}`, { hint: 'expected os/arch[/variant], e.g. linux/arm64' });
  if (parts.length > 3) throw bad('too many components');
  for (const part of parts) if (!COMPONENT_RE.test(part)) throw bad(part === '' ? 'empty component' : `bad component ${JSON.stringify(part)}`);
  if (parts.length === 1) {
    const only = parts[0] as string;
    if (KNOWN_OS.has(only) || only === 'macos') return normalizePlatform({ ...hostPlatform(), os: only });
    return normalizePlatform({ os: 'linux', architecture: only });
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return normalizePlatform(variant === undefined ? { os, architecture } : { os, architecture, variant });
}

/** The platform this process runs on (always linux: the engine runs linux containers). */
export function hostPlatform(): Platform {
  switch (process.arch) {
    case 'x64':
      return { os: 'linux', architecture: 'amd64' };
    case 'arm64':
      return { os: 'linux', architecture: 'arm64', variant: 'v8' };
    case 'arm': {
      const v = (process.config.variables as { arm_version?: string | number }).arm_version;
      return normalizePlatform({ os: 'linux', architecture: 'arm', ...(v !== undefined ? { variant: String(v) } : {}) });
    }
    case 'ia32':
      return { os: 'linux', architecture: '386' };
    case 'ppc64':
      return { os: 'linux', architecture: 'ppc64le' };
    case 'mipsel':
      return { os: 'linux', architecture: 'mipsle' };
    default:
      return { os: 'linux', architecture: process.arch };
  }
}

export function formatPlatform(p: Platform): string {
  return p.variant !== undefined && p.variant !== '' ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

const ARM_VARIANTS = ['v5', 'v6', 'v7', 'v8'];

/**
 * How well an image for `have` runs on `want`: 0 = no, higher = better. Exact matches score highest; a
 * missing variant on either side is a weaker match; 32-bit arm runs older variants (v7 runs v6 and v5).
 */
export function platformScore(want: Platform, have: Platform): number {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  if (w.os !== h.os || w.architecture !== h.architecture) return 0;
  if (w.variant === h.variant) return 100;
  if (w.variant === undefined || h.variant === undefined) return 50;
  if (w.architecture === 'arm') {
    const wi = ARM_VARIANTS.indexOf(w.variant);
    const hi = ARM_VARIANTS.indexOf(h.variant);
    if (wi !== -1 && hi !== -1 && hi < wi) return 50 - (wi - hi);
  }
  return 0;
}

/** True when an image built for `have` runs on `want` (arm64 with no variant matches v8, linux/arm/v7 runs v6). */
export function platformMatches(want: Platform, have: Platform): boolean {
  return platformScore(want, have) > 0;
}

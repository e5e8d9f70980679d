/**
 * Compiled seccomp programs for crun, cached in the run root. crun compiles a container's linux.seccomp with
 * libseccomp at every start (~15 ms of a ~30 ms `crun run` here; Debian's crun 1.8.1 is built without the
 * cache crun can keep). With the program given in config.json (annotation run.oci.seccomp_bpf_data, which
 * crun loads as is; the linux.seccomp section stays, for its flags and for readers), a start skips that.
 *
 * build/Release/tsengine-seccomp (native/seccomp-compile.c) makes the program with the same libseccomp calls
 * crun makes, so it is byte for byte crun's own (test/integration/runtime/seccomp-bpf.test.ts). Whatever
 * goes wrong here (the compiler not built, a profile it refuses, an unwritable cache) only means crun
 * compiles the profile itself, as before: the result is undefined, never an error.
 *
 * Cache: <runRoot>/seccomp/<sha256 of the compiler's input>.bpf, plus .json naming the libseccomp file that
 * compiled it and the identity (device, inode, size, mtime) of that file and of the compiler. An entry is
 * used only while both are unchanged: a libseccomp upgrade can resolve more syscall names. The cache keeps
 * the CACHE_KEEP entries used last (~10 kB each): each new entry evicts the oldest beyond that.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../storage/package-root.ts';
import { isErrno } from '../../storage/errors.ts';
import { runChild } from '../child.ts';
import type { OciSeccomp } from './oci-spec.ts';

/** Where node-gyp puts the binding.gyp target `tsengine-seccomp` (built only when libseccomp's headers exist). */
const COMPILER = join('build', 'Release', 'tsengine-seccomp');
/** The annotation crun reads the program from (crun(1), "run.oci.seccomp_bpf_data"): base64. */
export const SECCOMP_BPF_ANNOTATION = 'run.oci.seccomp_bpf_data';
/** Entries kept in the cache: a user with more distinct profiles than this pays a compile now and then. */
const CACHE_KEEP = 64;
/** One BPF instruction (struct sock_filter). */
const INSN_BYTES = 8;

interface CacheEntry {
  readonly library: string;
  readonly libseccomp: string;
  readonly libraryId: string;
  readonly compilerId: string;
}

/** linux.seccomp in the compiler's line format (native/seccomp-compile.c). */
export function compilerInput(s: OciSeccomp): string {
  const errnoField = (v: number | undefined) => (v === undefined ? '-' : String(v));
  const word = (v: string) => {
    if (!/^[A-Za-z0-9_]+$/.test(v)) throw new Error(`not a seccomp word: ${JSON.stringify(v)}`);
    return v;
  };
  const num = (v: number) => {
    if (!Number.isSafeInteger(v) || v < 0) throw new Error(`not a seccomp value: ${v}`);
    return String(v);
  };
  const lines = [`default ${word(s.defaultAction)} ${errnoField(s.defaultErrnoRet)}`];
  for (const a of s.architectures ?? []) lines.push(`arch ${word(a)}`);
  for (const r of s.syscalls ?? []) {
    const args = r.args ?? [];
    lines.push(
      ['rule', word(r.action), errnoField(r.errnoRet), r.names.map(word).join(','), args.length, ...args.flatMap((a) => [num(a.index), word(a.op), num(a.value), num(a.valueTwo ?? 0)])].join(' '),
    );
  }
  return `${lines.join('\n')}\n`;
}

function fileId(path: string): string {
  const st = statSync(path, { bigint: true });
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
}

function validProgram(bpf: Buffer): boolean {
  return bpf.length > 0 && bpf.length % INSN_BYTES === 0;
}

/**
 * The compiled program for `seccomp`, from the cache or compiled now (and cached); undefined when it cannot
 * be had (crun then compiles the profile itself). `compiler` is for tests; by default the package's build.
 */
export async function seccompProgram(seccomp: OciSeccomp, runRoot: string, o: { compiler?: string; signal?: AbortSignal; keep?: number } = {}): Promise<Buffer | undefined> {
  const compiler = o.compiler ?? join(packageRoot(), COMPILER);
  let input: string;
  try {
    input = compilerInput(seccomp);
  } catch {
    return undefined; // not something we pass on a command line: crun reads the JSON itself
  }
  const dir = join(runRoot, 'seccomp');
  const key = createHash('sha256').update(input).digest('hex');
  const bpfPath = join(dir, `${key}.bpf`);
  const entryPath = join(dir, `${key}.json`);
  let compilerId: string;
  try {
    compilerId = fileId(compiler);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined; // not built (no libseccomp headers at install)
    throw e;
  }
  const cached = readCached(bpfPath, entryPath, compilerId);
  if (cached) return cached;

  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${bpfPath}.${process.pid}.tmp`;
    const r = await runChild(compiler, [tmp], { input, ...(o.signal ? { signal: o.signal } : {}) });
    const [library, libseccomp] = r.stdout.trim().split(' ');
    if (r.exitCode !== 0 || !library || !libseccomp) {
      rmSync(tmp, { force: true });
      return undefined;
    }
    const bpf = readFileSync(tmp);
    if (!validProgram(bpf)) {
      rmSync(tmp, { force: true });
      return undefined;
    }
    const entry: CacheEntry = { library, libseccomp, libraryId: fileId(library), compilerId };
    renameSync(tmp, bpfPath); // the program first: an entry file always has its program
    writeFileSync(`${entryPath}.${process.pid}.tmp`, `${JSON.stringify(entry)}\n`);
    renameSync(`${entryPath}.${process.pid}.tmp`, entryPath);
    evictOldest(dir, o.keep ?? CACHE_KEEP);
    return bpf;
  } catch (e) {
    if (o.signal?.aborted) throw e;
    return undefined; // an unwritable run root, a vanished library: crun compiles
  }
}

/** Removes the entries beyond the `keep` most recently used (a cache hit refreshes an entry's mtime). */
function evictOldest(dir: string, keep: number): void {
  const entries = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => {
      try {
        return { key: f.slice(0, -'.json'.length), mtime: statSync(join(dir, f)).mtimeMs };
      } catch {
        return undefined; // evicted by another process meanwhile
      }
    })
    .filter((e) => e !== undefined)
    .sort((a, b) => b.mtime - a.mtime);
  for (const { key } of entries.slice(keep)) {
    rmSync(join(dir, `${key}.json`), { force: true }); // the entry first: an entry file always has its program
    rmSync(join(dir, `${key}.bpf`), { force: true });
  }
}

function readCached(bpfPath: string, entryPath: string, compilerId: string): Buffer | undefined {
  try {
    const entry = JSON.parse(readFileSync(entryPath, 'utf8')) as CacheEntry;
    if (entry.compilerId !== compilerId || fileId(entry.library) !== entry.libraryId) return undefined;
    const bpf = readFileSync(bpfPath);
    if (!validProgram(bpf)) return undefined;
    try {
      const now = new Date();
      utimesSync(entryPath, now, now); // used: the last to be evicted
    } catch {
      // A read-only cache still serves.
    }
    return bpf;
  } catch {
    return undefined; // absent, half-written by a killed process, or unreadable: compile again
  }
}

import { describe, expect, it } from 'vitest';
import { defaultRlimits, type HostLimits, readHostLimits, RLIMIT_DEFAULT } from '../../../engine/container/rlimits.ts';

// /proc/self/limits of a shell on the tsengine dev VM (no CAP_SYS_RESOURCE, nofile hard 20000).
const THIS_MACHINE = `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max file size             unlimited            unlimited            bytes     
Max data size             unlimited            unlimited            bytes     
Max stack size            8388608              unlimited            bytes     
Max core file size        0                    unlimited            bytes     
Max resident set          unlimited            unlimited            bytes     
Max processes             96365                96365                processes 
Max open files            20000                20000                files     
Max locked memory         8388608              8388608              bytes     
Max address space         unlimited            unlimited            bytes     
Max file locks            unlimited            unlimited            locks     
Max pending signals       96365                96365                signals   
Max msgqueue size         819200               819200               bytes     
Max nice priority         0                    0                    
Max realtime priority     0                    0                    
Max realtime timeout      unlimited            unlimited            us        
`;

const UNLIMITED = THIS_MACHINE.replace(/^Max processes .*$/m, 'Max processes             unlimited            unlimited            processes')
  .replace(/^Max open files .*$/m, 'Max open files            1024                 unlimited            files');

describe('readHostLimits', () => {
  it('parses nofile and nproc, and pid_max when given', () => {
    expect(readHostLimits(THIS_MACHINE, '32768\n')).toEqual({
      nofile: { soft: 20000, hard: 20000 }, nproc: { soft: 96365, hard: 96365 }, pidMax: 32768,
    });
  });

  it('reads unlimited as Infinity, and 2^64-1 too', () => {
    expect(readHostLimits(UNLIMITED)).toEqual({ nofile: { soft: 1024, hard: Infinity }, nproc: { soft: Infinity, hard: Infinity } });
    const big = THIS_MACHINE.replace(/^Max open files .*$/m, 'Max open files 1024 18446744073709551615 files');
    expect(readHostLimits(big).nofile).toEqual({ soft: 1024, hard: Infinity });
  });

  it('leaves pidMax out when it is not a positive number', () => {
    expect(readHostLimits(THIS_MACHINE, 'garbage')).not.toHaveProperty('pidMax');
  });

  it('fails clearly on text that is not /proc/self/limits', () => {
    expect(() => readHostLimits('hello')).toThrow('/proc/self/limits: no "Max open files" line');
    expect(() => readHostLimits(THIS_MACHINE.replace('20000                20000', 'lots lots'))).toThrow('unexpected value "lots"');
  });

  it('reads this process when given no text', () => {
    const l = readHostLimits();
    expect(l.nofile.hard).toBeGreaterThan(0);
    expect(l.nofile.soft).toBeLessThanOrEqual(l.nofile.hard);
    expect(l.nproc.hard).toBeGreaterThan(0);
    expect(l.pidMax).toBeGreaterThan(0);
  });
});

describe('defaultRlimits', () => {
  const host = (nofileHard: number, nprocHard: number, pidMax?: number): HostLimits => ({
    nofile: { soft: Math.min(1024, nofileHard), hard: nofileHard },
    nproc: { soft: nprocHard, hard: nprocHard },
    ...(pidMax === undefined ? {} : { pidMax }),
  });

  it.each<[string, HostLimits, [number, number]]>([
    ['this machine: nofile clamped to hard 20000; nproc = pid_max (as podman 4.3.1 wrote here)', host(20000, 96365, 32768), [20000, 32768]],
    ['unlimited host: podman values (nproc = pid_max)', host(Infinity, Infinity, 4194304), [RLIMIT_DEFAULT, 4194304]],
    ['unlimited host, pid_max unknown: 1048576 for both', host(Infinity, Infinity), [RLIMIT_DEFAULT, RLIMIT_DEFAULT]],
    ['pid_max above the nproc hard limit: clamped', host(Infinity, 50000, 4194304), [RLIMIT_DEFAULT, 50000]],
    ['a big finite hard limit: podman value', host(2 ** 30, 2 ** 30, 32768), [RLIMIT_DEFAULT, 32768]],
  ])('%s', (_name, h, [nofile, nproc]) => {
    expect(defaultRlimits(h)).toEqual([
      { type: 'RLIMIT_NOFILE', soft: nofile, hard: nofile },
      { type: 'RLIMIT_NPROC', soft: nproc, hard: nproc },
    ]);
  });

  it('never writes Infinity (JSON would turn it into null)', () => {
    const json = JSON.stringify(defaultRlimits(host(Infinity, Infinity)));
    expect(json).not.toContain('null');
  });
});

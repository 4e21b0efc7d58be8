/** Small measures both benchmark modules take: a process's memory from /proc, and medians. */
import { readFileSync } from 'node:fs';

function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Resident memory of a process now, in MiB. */
export const rssMiB = (pid: number) => statusMiB(pid, 'VmRSS');
/** Peak resident memory of a process (VmHWM), in MiB. */
export const peakRssMiB = (pid: number) => statusMiB(pid, 'VmHWM');

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

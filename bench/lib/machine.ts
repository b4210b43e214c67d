// What the figures were measured on: they mean little without the CPU, the memory and the software versions.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  nginx: string | null;
  wrk: string | null;
  /** 1-minute load average when the run started: figures from a busy machine are noisier (2 cores here). */
  loadAverage: number;
}

export function describeMachine(tools: { nginx: string | null; wrk: string | null }): Machine {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    nginx: tools.nginx ? versionOf(tools.nginx, ['-v'], /nginx\/(\S+)/) : null,
    wrk: tools.wrk ? versionOf(tools.wrk, ['-v'], /wrk (\S+)/) : null,
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

export function machineLine(m: Machine): string {
  const tools = [m.nginx && `nginx ${m.nginx}`, m.wrk && `wrk ${m.wrk}`].filter(Boolean).join(', ');
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.kernel}, Node ${m.node}${tools ? `, ${tools}` : ''} (load average ${m.loadAverage} at start)`;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1]!.trim();
  } catch {
    // Not Linux: os.cpus() below.
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

/** `nginx -v` and `wrk -v` print to stderr and wrk exits 1: read both streams, whatever the status. */
function versionOf(binary: string, args: string[], pattern: RegExp): string | null {
  let text = '';
  try {
    text = execFileSync(binary, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    text = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  return pattern.exec(text)?.[1] ?? null;
}

/** The absolute path of a system tool, or null: the bench names the package to install instead of crashing. */
export function findTool(name: string): string | null {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/sbin', '/bin']) {
    try {
      accessSync(`${dir}/${name}`, constants.X_OK);
      return `${dir}/${name}`;
    } catch {
      // try the next
    }
  }
  try {
    return execFileSync('sh', ['-c', 'command -v "$0"', name], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/**
 * PyTorch on one CPU thread (torch.set_num_threads(1)) in one long-lived /usr/bin/python3
 * child (python/torch_peer.py), driven with one JSON line per request. Skipped, with one line
 * saying so, when that python3 has no torch.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Trainer, TrainSession, TrainWorkload } from '../workloads';

/** Debian's python3 (python3-torch); $DUET_TORCH_PYTHON overrides. */
export const TORCH_PYTHON = process.env.DUET_TORCH_PYTHON ?? '/usr/bin/python3';
// From the bundle (apps/bench/dist/bench.js) or the source (apps/bench/src/peers/torch.ts).
const SCRIPT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../python/torch_peer.py' : '../../python/torch_peer.py', import.meta.url));

/** null when torch is usable, else why not (for the skip line). */
export function torchUnavailable(): string | null {
  if (!existsSync(TORCH_PYTHON)) return `${TORCH_PYTHON} not found`;
  const probe = spawnSync(TORCH_PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  return probe.status === 0 ? null : `${TORCH_PYTHON} has no torch (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()})`;
}

export class TorchPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  private stderr = '';
  private nextId = 0;

  constructor() {
    this.child = spawn(TORCH_PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.pending.shift()?.resolve(line));
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-2000)));
    this.child.on('exit', (code) => {
      for (const p of this.pending.splice(0)) p.reject(new Error(`torch peer exited (${code}): ${this.stderr.trim().split('\n').pop()}`));
    });
  }

  async request<T>(body: Record<string, unknown>): Promise<T> {
    const line = await new Promise<string>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify(body)}\n`);
    });
    const answer = JSON.parse(line) as T & { error?: string };
    if (answer.error) throw new Error(`torch peer: ${answer.error}`);
    return answer;
  }

  trainer(): Trainer {
    return {
      impl: 'pytorch-cpu',
      backend: 'cpu (1 thread)',
      create: async (w: TrainWorkload): Promise<TrainSession> => {
        const id = this.nextId++;
        await this.request({ cmd: 'train', id, workload: w });
        return {
          run: async (steps) => {
            await this.request({ cmd: 'run', id, steps });
          },
          loss: async () => (await this.request<{ loss: number }>({ cmd: 'loss', id })).loss,
          dispose: () => {},
        };
      },
    };
  }

  close(): void {
    this.child.stdin.end();
  }
}

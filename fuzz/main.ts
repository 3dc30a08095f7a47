/**
 * The fuzz campaign: `node scripts/run-ts.mjs fuzz/main.ts [--target NAME] [--cases N] [--seed S]
 * [--time-budget-s T] [--json]`. Each target runs in a worker thread; the main thread is a watchdog
 * that kills a worker stuck on one case (a hang) or dead of memory, records that case as a
 * finding and restarts after it. Findings go to fuzz/findings/<target>/<hash>.{bin,txt}.
 * Exit status: 0 with no findings, 1 with findings, 2 on bad arguments.
 */
import { rmSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { minimise, runRange, saveFinding, type Finding } from './campaign';
import { repoRoot, scratchDir } from './paths';
import { findingKind, generateCase } from './target';
import { pending, targets } from './targets';

interface Job {
  target: string;
  seed: number;
  from: number;
  to: number;
  /** Epoch milliseconds after which no new case starts. */
  deadline: number;
  heartbeat: SharedArrayBuffer;
}

type Message = { type: 'finding'; finding: Finding };

/**
 * Heartbeat slots shared with the worker: the case running now, the running counts, a tick per
 * minimisation try (progress that is not a new case), and whether a case is being counted.
 */
const [INDEX, CASES, OK, ERRORS, TICKS, IN_CASE] = [0, 1, 2, 3, 4, 5];

/** Seconds without progress on one case before the watchdog calls it a hang. */
const HANG_SECONDS = 10;
/** Old-generation heap a worker may use; beyond it the case is an allocation finding. */
const WORKER_HEAP_MB = 2048;
/** Findings of one kind kept (and minimised) per target; the rest are only counted. */
const KEEP_PER_KIND = 3;

function workerMain(job: Job): void {
  const target = targets.find((t) => t.name === job.target);
  if (!target) throw new Error(`fuzz: no target ${job.target}`);
  const beat = new Int32Array(job.heartbeat);
  const seeds = target.seeds();
  const seen = new Map<string, number>();
  // One case at a time, so the counts survive a kill and the deadline is checked between cases.
  for (let index = job.from; index < job.to && Date.now() < job.deadline; index++) {
    Atomics.store(beat, IN_CASE, 1);
    const tally = runRange(target, job.seed, index, index + 1, (i) => Atomics.store(beat, INDEX, i), seeds);
    Atomics.add(beat, CASES, 1);
    Atomics.store(beat, IN_CASE, 0);
    Atomics.add(beat, OK, tally.ok);
    Atomics.add(beat, ERRORS, tally.errors);
    for (const finding of tally.findings) {
      // Minimised here, not in the main thread: shrinking re-runs the case, which may be what crashes.
      const kind = findingKind(finding.problem);
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
      const shrink = seen.get(kind)! <= KEEP_PER_KIND && !/^(slow|memory)/.test(kind);
      const bytes = shrink ? minimise(target, finding.bytes, kind, 200, () => Atomics.add(beat, TICKS, 1)) : finding.bytes;
      parentPort?.postMessage({ type: 'finding', finding: { ...finding, bytes } } satisfies Message);
    }
  }
}

interface Summary {
  target: string;
  cases: number;
  ok: number;
  errors: number;
  findings: number;
  /** Distinct kinds, each with a count and the file of its first (minimised) example. */
  kinds: { kind: string; count: number; example: string; file?: string }[];
  seconds: number;
}

/** Runs one target to completion, restarting the worker after a hang or a crash. */
async function runTarget(name: string, seed: number, cases: number, deadline: number, root: string): Promise<Summary> {
  const target = targets.find((t) => t.name === name)!;
  const start = performance.now();
  const summary: Summary = { target: name, cases: 0, ok: 0, errors: 0, findings: 0, kinds: [], seconds: 0 };
  const record = (finding: Finding) => {
    summary.findings++;
    const kind = findingKind(finding.problem);
    let entry = summary.kinds.find((k) => k.kind === kind);
    if (!entry) summary.kinds.push((entry = { kind, count: 0, example: finding.problem }));
    entry.count++;
    if (entry.count <= KEEP_PER_KIND) entry.file ??= saveFinding(root, finding);
  };
  let from = 0;
  while (from < cases && Date.now() < deadline) {
    const heartbeat = new SharedArrayBuffer(24);
    const beat = new Int32Array(heartbeat);
    Atomics.store(beat, INDEX, from);
    const job: Job = { target: name, seed, from, to: cases, deadline, heartbeat };
    const worker = new Worker(new URL(import.meta.url), { workerData: job, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    const stuck = await new Promise<{ index: number; why: string } | undefined>((resolve) => {
      let last = '';
      let since = Date.now();
      const timer = setInterval(() => {
        const now = `${Atomics.load(beat, INDEX)}/${Atomics.load(beat, TICKS)}`;
        if (now !== last) [last, since] = [now, Date.now()];
        else if (Date.now() - since > HANG_SECONDS * 1000) {
          clearInterval(timer);
          void worker.terminate();
          const minimising = Atomics.load(beat, IN_CASE) === 0;
          resolve({ index: Atomics.load(beat, INDEX), why: `hang: no result after ${HANG_SECONDS} s${minimising ? ' (while minimising a finding of this case)' : ''}` });
        }
      }, 250);
      worker.on('message', (message: Message) => record(message.finding));
      worker.on('error', (error) => {
        clearInterval(timer);
        resolve({ index: Atomics.load(beat, INDEX), why: `worker died: ${error.name}: ${error.message.split('\n')[0]}` });
      });
      worker.on('exit', () => {
        clearInterval(timer);
        resolve(undefined);
      });
    });
    summary.cases += Atomics.load(beat, CASES);
    summary.ok += Atomics.load(beat, OK);
    summary.errors += Atomics.load(beat, ERRORS);
    if (!stuck) break;
    const { bytes, recipe } = generateCase(target, target.seeds(), seed, stuck.index);
    record({ target: name, source: `case ${stuck.index} of seed ${seed} (${recipe})`, problem: stuck.why, bytes });
    if (Atomics.load(beat, IN_CASE) === 1) summary.cases++; // stopped inside the case: it was not counted yet
    from = stuck.index + 1;
  }
  return { ...summary, seconds: (performance.now() - start) / 1000 };
}

function parseArgs(argv: string[]): { names: string[]; cases: number; seed: number; budget: number; json: boolean } {
  const options = { names: targets.map((t) => t.name), cases: 10_000, seed: 1, budget: Infinity, json: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const number = () => {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) usage(`${flag} needs a non-negative number, got ${value}`);
      i++;
      return n;
    };
    if (flag === '--target') {
      const names = (value ?? '').split(',');
      const unknown = names.filter((n) => !targets.some((t) => t.name === n));
      if (unknown.length) usage(`unknown target ${unknown.join(', ')} (targets: ${targets.map((t) => t.name).join(', ')})`);
      options.names = names;
      i++;
    } else if (flag === '--cases') options.cases = Math.floor(number());
    else if (flag === '--seed') options.seed = Math.floor(number()) >>> 0;
    else if (flag === '--time-budget-s') options.budget = number();
    else if (flag === '--json') options.json = true;
    else usage(`unknown option ${flag}`);
  }
  return options;
}

function usage(problem: string): never {
  process.stderr.write(`fuzz: ${problem}\nusage: node scripts/run-ts.mjs fuzz/main.ts [--target NAME[,NAME]] [--cases N] [--seed S] [--time-budget-s T] [--json]\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { names, cases, seed, budget, json } = parseArgs(process.argv.slice(2));
  const root = repoRoot();
  const started = Date.now();
  const summaries: Summary[] = [];
  for (const [i, name] of names.entries()) {
    // The time budget is shared out evenly over the targets still to run.
    const left = budget === Infinity ? Infinity : (budget * 1000 - (Date.now() - started)) / (names.length - i);
    const summary = await runTarget(name, seed, cases, Date.now() + left, root);
    summaries.push(summary);
    if (!json) {
      const kinds = summary.kinds.map((k) => `\n    ${k.count} x ${k.example}${k.file ? `\n      -> ${k.file}` : ''}`).join('');
      process.stdout.write(`${name.padEnd(12)} ${String(summary.cases).padStart(6)} cases  ${String(summary.ok).padStart(6)} ok  ${String(summary.errors).padStart(6)} refused  ${String(summary.findings).padStart(4)} findings  ${summary.seconds.toFixed(1)} s${kinds}\n`);
    }
  }
  if (json) process.stdout.write(`${JSON.stringify({ seed, summaries, pending }, null, 2)}\n`);
  else if (pending.length > 0) process.stdout.write(`not fuzzed yet: ${pending.join('; ')}\n`);
  rmSync(scratchDir(), { recursive: true, force: true });
  process.exitCode = summaries.some((s) => s.findings > 0) ? 1 : 0;
}

if (isMainThread) await main();
else workerMain(workerData as Job);

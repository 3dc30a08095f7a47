/**
 * `npm run bench -- [suite…] [--adapter S] [--json] [--quick] [--filter A,B] [--no-startup]`
 * Runs the suites, prints the table (Duet/peer ratio on every peer row), writes
 * benchmarks/results/<date>-<adapter>.json, and exits 1 when any result was wrong.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { acquireGpu, listAdapters, type GpuContext } from '@duet/gpu/node';
import { firstStepChild, FIRST_STEP_FLAG } from './startup';
import { filterSlugs, formatTable, gitCommit, hostSummary, writeResults, type BenchDocument } from './report';
import { kernelsSuite } from './suites/kernels';
import { peersSuite } from './suites/peers';
import { trainSuite } from './suites/train';
import { IMPLS, type Impl, type Row, type RunOptions, type Suite, type SuiteContext } from './types';
import { gpuTimer } from './timing';

/** The registry: every suite the app knows, in the order `all` runs them. */
export const SUITES: readonly Suite[] = [kernelsSuite, trainSuite, peersSuite];

const USAGE = `usage: npm run bench -- [suite…] [options]
suites: ${SUITES.map((s) => `${s.name} (${s.describe})`).join('; ')}; default: all
options:
  --adapter S     adapter whose name, vendor or backend contains S (default: $DUET_ADAPTER, else the best)
  --json          print the JSON document on stdout (the table goes to stderr)
  --quick         few repetitions, no 2048 matmul, no tuning, no start-up children (CI smoke test)
  --filter A,B    only workloads whose name contains one of these substrings
  --impls A,B     peers to run (default: ${IMPLS.join(',')}); Duet always runs
  --no-startup    skip the cold/warm first-step measurements (child processes)
  --out DIR       repository root for benchmarks/results (default: this checkout)`;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

async function main(argv: string[]): Promise<number> {
  if (argv[0] === FIRST_STEP_FLAG) return firstStepChild(argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        adapter: { type: 'string' },
        json: { type: 'boolean', default: false },
        quick: { type: 'boolean', default: false },
        filter: { type: 'string' },
        'no-startup': { type: 'boolean', default: false },
        impls: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const unknown = positionals.filter((p) => p !== 'all' && !SUITES.some((s) => s.name === p));
  if (unknown.length) {
    process.stderr.write(`unknown suite '${unknown.join("', '")}'\n${USAGE}\n`);
    return 2;
  }
  const chosen = positionals.length === 0 || positionals.includes('all') ? SUITES : SUITES.filter((s) => positionals.includes(s.name));
  const impls = values.impls ? values.impls.split(',').map((i) => i.trim()) : [...IMPLS];
  const badImpl = impls.find((i) => !(IMPLS as readonly string[]).includes(i));
  if (badImpl) {
    process.stderr.write(`unknown impl '${badImpl}' (known: ${IMPLS.join(', ')})\n`);
    return 2;
  }
  const options: RunOptions = {
    impls: impls as Impl[],
    quick: values.quick,
    filters: (values.filter ?? '').split(',').map((f) => f.trim()).filter(Boolean),
    adapter: values.adapter,
    noStartup: values['no-startup'] || values.quick,
  };
  const human = values.json ? process.stderr : process.stdout;
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);

  const ctx = await acquireGpu({ adapter: options.adapter });
  const rows: Row[] = [];
  try {
    const dawnAdapter = await dawnNameOf(ctx);
    const host = hostSummary();
    log(`bench: ${ctx.adapter.name} (${ctx.adapter.backend}${ctx.adapter.isSoftware ? ', software' : ''}) on ${host.cpu}, ${host.cores} cores [${host.vector.join(' ')}]; suites: ${chosen.map((s) => s.name).join(', ')}${options.quick ? ' (quick)' : ''}`);
    const suiteContext: SuiteContext = {
      ctx,
      options,
      dawnAdapter,
      log,
      emit(row) {
        rows.push(row);
        const figure = row.median === null ? row.status : `${row.median.toPrecision(4)} ${row.unit}`;
        log(`  ${row.suite} ${row.workload} ${row.impl}${row.variant ? ` [${row.variant}]` : ''}: ${figure}${row.status === 'failed' ? ` FAILED: ${row.note}` : ''}`);
      },
      wants: (workload) => options.filters.length === 0 || options.filters.some((f) => workload.includes(f)),
    };
    for (const suite of chosen) await suite.run(suiteContext);
    const timing = gpuTimer(ctx);
    const doc: BenchDocument = {
      adapter: { ...ctx.adapter, timing: timing.method },
      host,
      commit: gitCommit(REPO_ROOT),
      date: new Date().toISOString(),
      quick: options.quick,
      rows,
    };
    timing.dispose();
    const partial = chosen.length === SUITES.length ? [] : chosen.map((suite) => suite.name);
    const path = writeResults(values.out ? resolve(values.out) : REPO_ROOT, doc, [...partial, ...filterSlugs(options.filters)]);
    human.write(`${formatTable(rows)}\n`);
    log(`bench: results written to ${path}`);
    if (values.json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } finally {
    ctx.dispose();
  }
  const failed = rows.filter((r) => r.status === 'failed');
  if (failed.length) log(`bench: ${failed.length} row(s) computed a wrong answer: ${failed.map((r) => `${r.workload}/${r.impl}${r.variant ? `/${r.variant}` : ''}`).join(', ')}`);
  return failed.length ? 1 : 0;
}

/** Dawn's own (backend, name) of the context's adapter, so the peers open the same one. */
async function dawnNameOf(ctx: GpuContext): Promise<{ backend: string; name: string }> {
  const entries = await listAdapters().catch(() => []);
  const entry = entries.find((e) => e.name === ctx.adapter.name && e.backend === ctx.adapter.backend);
  return { backend: entry?.backend ?? ctx.adapter.backend, name: entry?.dawnName ?? ctx.adapter.name };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);

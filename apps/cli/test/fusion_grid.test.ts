/**
 * The sweep's grid file (parseGrid: schema, bounds, errors naming the file and field, the
 * cartesian product, paths relative to the file, the train arguments) and its leaderboard
 * (rows from reports, ranking, markdown). Pure: no GPU, no child process.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { leaderboardMarkdown, leaderboardRow, rankRows } from '../src/commands/sweep';
import { MAX_RUNS, MAX_VALUES, parseGrid, trainArgs } from '../src/fusion/grid';
import type { FusionReport } from '../src/fusion/report';

const FILE = '/some/where/grid.json';
const parse = (doc: unknown) => parseGrid(JSON.stringify(doc), FILE);

describe('parseGrid', () => {
  it('expands the grid in key order over the base settings', () => {
    const grid = parse({ base: { epochs: 2, augment: false }, grid: { fusion: ['early', 'attention'], lr: [0.001, 0.003, 0.01] }, evalSeed: 5 });
    expect(grid.evalSeed).toBe(5);
    expect(grid.varied).toEqual(['fusion', 'lr']);
    expect(grid.runs.map((r) => r.name)).toEqual([
      '001-fusion=early_lr=0.001', '002-fusion=early_lr=0.003', '003-fusion=early_lr=0.01',
      '004-fusion=attention_lr=0.001', '005-fusion=attention_lr=0.003', '006-fusion=attention_lr=0.01',
    ]);
    expect(grid.runs[4].settings).toEqual({ epochs: 2, augment: false, fusion: 'attention', lr: 0.003 });
  });

  it('resolves paths from the grid file\'s folder and writes train arguments', () => {
    const grid = parse({ base: { imageModel: 'runs/img', audioDir: '/data/fsdd', testSpeakers: ['theo'] }, grid: { fusion: ['late'], augment: [true, false] } });
    expect(grid.runs[0].settings.imageModel).toBe(resolve('/some/where/runs/img'));
    expect(grid.runs[0].settings.audioDir).toBe('/data/fsdd');
    expect(trainArgs(grid.runs[0].settings)).toEqual(['--image-model', resolve('/some/where/runs/img'), '--audio-dir', '/data/fsdd', '--test-speakers', 'theo', '--fusion', 'late']);
    expect(trainArgs(grid.runs[1].settings)).toContain('--no-augment');
  });

  it.each([
    ['not JSON', '{', /grid\.json: not JSON/],
    ['an unknown top-level field', { grid: { fusion: ['early'] }, runs: 3 }, /grid\.json: unknown top-level field "runs"/],
    ['an unknown field in grid', { grid: { fusion: ['early'], learningRate: [0.1] } }, /grid\.json: unknown field "learningRate" in grid/],
    ['an unknown field in base', { base: { epoch: 2 }, grid: { fusion: ['early'] } }, /grid\.json: unknown field "epoch" in base/],
    ['a wrong type', { grid: { fusion: ['early'], lr: ['fast'] } }, /grid\.json: grid\.lr is "fast"; expected a number in \(0, 10\]/],
    ['an unknown fusion', { grid: { fusion: ['middle'] } }, /grid\.fusion is "middle"; expected one of early, intermediate, attention, late/],
    ['an out-of-range integer', { base: { epochs: 0 }, grid: { fusion: ['early'] } }, /base\.epochs is 0; expected an integer from 1 to 1000/],
    ['a value that is not a list', { grid: { fusion: 'early' } }, /grid\.fusion must be a list of 1 to 16 values/],
    ['an empty list', { grid: { fusion: [] } }, /grid\.fusion must be a list/],
    ['too many values', { grid: { fusion: ['early'], seed: Array.from({ length: MAX_VALUES + 1 }, (_, i) => i) } }, /grid\.seed must be a list of 1 to 16 values/],
    ['too many runs', { grid: { fusion: ['early', 'late'], seed: Array.from({ length: 16 }, (_, i) => i), lr: [0.1, 0.2, 0.3] } }, new RegExp(`makes 96 runs; at most ${MAX_RUNS}`)],
    ['no fusion', { grid: { lr: [0.1] } }, /grid\.json: set "fusion" in base or grid/],
    ['a field in base and grid', { base: { lr: 0.1 }, grid: { fusion: ['early'], lr: [0.2] } }, /"lr" is in both base and grid/],
    ['an empty grid', { grid: {} }, /"grid" must be a non-empty object/],
    ['a bad evalSeed', { grid: { fusion: ['early'] }, evalSeed: -1 }, /evalSeed must be a non-negative integer/],
    ['a huge evalSeed', { grid: { fusion: ['early'] }, evalSeed: 1e300 }, /evalSeed must be a non-negative integer \(at most 4294967295\), not 1e\+300$/],
    ['a __proto__ field (not a run option)', '{"grid":{"fusion":["early"],"__proto__":[1]}}', /grid\.json: unknown field "__proto__" in grid/],
    ['a field named like an Object method', { base: { toString: 1 }, grid: { fusion: ['early'] } }, /unknown field "toString" in base/],
    ['deep nesting', `{"grid":{"fusion":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`, /grid\.json: nested 100002 deep, more than the 8 a grid needs$/],
    ['a field name with terminal escapes', { grid: { fusion: ['early'], '\u001b[2J\nx': [1] } }, /^[^\n\u001b]*unknown field "\\u001b\[2J\\nx" in grid/],
    ['a huge value', { grid: { fusion: ['early'], lr: ['x'.repeat(100_000)] } }, /^\/some\/where\/grid\.json: grid\.lr is "x{30,}\.\.\."; expected a number/],
  ])('refuses %s, naming the file', (_, doc, message) => {
    const run = () => (typeof doc === 'string' ? parseGrid(doc, FILE) : parse(doc));
    expect(run).toThrow(message);
    expect(run).toThrow(/^\/some\/where\/grid\.json: /);
  });
});

function report(fusion: FusionReport['fusion'], accuracy: number): FusionReport {
  const figures = (a: number) => ({ accuracy: a, nll: 0.1, calibration: { ece: 0.02, bins: [] }, confusion: [] });
  const method = fusion === 'late' ? 'late-product' : fusion;
  return {
    format: 'duet-fusion-report/1', fusion, seed: 0, test: { pairs: 10, clips: 10, speakers: ['theo'] }, unimodal: { image: '', audio: '' }, lateFit: null,
    methods: { image: figures(0.9), audio: figures(0.8), [method]: figures(accuracy) },
    disagreement: { counts: { bothRight: 0, onlyImage: 0, onlyAudio: 0, bothWrong: 0 }, methods: {} },
    robustness: [
      { id: 'audio-white-0db', curve: 'audio white noise', x: 0, accuracy: { [method]: 0.7 } },
      { id: 'image-blank', curve: 'image blanked', x: null, accuracy: { [method]: 0.6 } },
    ],
    attention: null,
  };
}

describe('leaderboard', () => {
  it('takes the run\'s own method, ranks by accuracy with failed runs last', () => {
    const rows = rankRows([
      leaderboardRow('001-a', { fusion: 'early' }, report('early', 0.91)),
      leaderboardRow('002-b', { fusion: 'late', lateRule: 'product' }, report('late', 0.97)),
      leaderboardRow('003-c', { fusion: 'attention' }, null),
    ]);
    expect(rows.map((r) => [r.run, r.method, r.status])).toEqual([['002-b', 'late-product', 'done'], ['001-a', 'early', 'done'], ['003-c', null, 'failed']]);
    expect(rows[0]).toMatchObject({ accuracy: 0.97, image: 0.9, audio: 0.8, ece: 0.02, audioWhite0db: 0.7, imageBlank: 0.6, audioMissing: null });
    const md = leaderboardMarkdown({ file: 'g.json', evalSeed: 0, varied: ['fusion'], runs: [] }, rows);
    expect(md).toContain('| 1 | 002-b | late | late-product | 97.00 | 90.00 | 80.00 | 2.00 | 70.00 | 60.00 | - |');
    expect(md).toContain('| 3 | 003-c | attention | failed | - |');
  });
});

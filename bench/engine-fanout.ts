/**
 * Engine overhead on a fan-out/fan-in pipeline of 202 util/concat nodes
 * (1 source -> 200 middle -> 1 aggregate): whole-process wall time of the
 * CLI, median of N runs, for a cold run, a no-op re-run and a re-run after
 * editing one middle node's text. Writes its section of BENCHMARKS.md.
 *
 * In the same run, interleaved with the wsol-run runs, it times the same
 * shape in Snakemake (a Snakefile of `shell:` rules, the middle rule's text
 * a param) and in GNU make (the floor: a Makefile whose middle targets each
 * read their text from a prerequisite file), when they are installed.
 *
 * Then it times `wsol-run plan` on the same shape at 3,500, 14,200 and 71,000
 * middle nodes (Step 16: plan is linear in the nodes), median of --plan-runs
 * (3 at the largest size), and a cold run, no-op re-runs and plans on a warm
 * cache at the two smaller sizes, beside the figures measured before that
 * step; its own section, engine-plan-scale. --plan-only skips the 202-node runs.
 * Between them, a 2,002-node fan-out cold and no-op (Step 18's targets: at
 * most 2 s and 0.5 s), section engine-fan-2002; --no-plan skips the plan scaling.
 *
 *   npm run bench:engine [-- --runs 5 --jobs 2 --plan-runs 5 --plan-only | --no-plan]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../src/paths.js';
import { machine, markdownTable, median, numericOption, updateBenchmarks } from './lib/report.js';

const option = numericOption;
const RUNS = option('runs', 5);
const JOBS = option('jobs', 2);
const PLAN_RUNS = option('plan-runs', 5);
const MIDDLE = 200;
/** Middle nodes of the `plan` scaling runs, and how many runs each (fewer at the largest). */
const PLAN_SIZES: [middle: number, runs: number][] = [
  [3_500, PLAN_RUNS],
  [14_200, PLAN_RUNS],
  [71_000, Math.min(PLAN_RUNS, 3)],
];
/**
 * `wsol-run plan` before Step 16 (commit 79ca0ec), one run each on this machine (2 cores, AMD EPYC), 2026-12-07,
 * same command and files: it was quadratic in the nodes (a ready list re-sorted per node, every plan row padded
 * to the longest reason). The 71,000 figure is with --json: the text table was not waited for (at 14,200 it was
 * already three times slower than --json).
 */
/** Middle nodes of the `run` scaling runs, and the same figures before Step 16 (79ca0ec, this machine, 2026-12-07, one run each). */
const RUN_SIZES: [middle: number, before: string][] = [
  [3_500, '8.25 s / 4.94 s / 1.06 s'],
  [14_200, 'not measured / out of memory after 68.59 s / 14.28 s'],
];
const PLAN_BEFORE: Record<number, string> = { 3500: '0.85 s', 14200: '14.64 s', 71000: '156.11 s (--json)' };
const EDITED = 100; // the middle node whose text the edit scenario changes

type Scenario = 'cold' | 'noop' | 'edit';
const SCENARIOS: Scenario[] = ['cold', 'noop', 'edit'];

/** Wall time of a whole child process in seconds, and its stdout (same method as lib/report's timeProcess). */
function timed(cmd: string, args: string[], cwd: string): { s: number; stdout: string } {
  const t = process.hrtime.bigint();
  // maxBuffer: the plan of a 71,002-node fan-out is tens of megabytes of text.
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WSOL_RUN_GPUS: '0' }, maxBuffer: 2 ** 30 });
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.error?.message}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  return { s, stdout: r.stdout };
}

/** First line of `cmd --version`, or undefined when the command is not installed. */
function version(cmd: string): string | undefined {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.error || r.status !== 0 ? undefined : r.stdout.split('\n')[0]!.trim();
}

const middleText = (i: number, edit?: number): string => (i === EDITED && edit !== undefined ? `edited ${edit}` : `middle ${i}`);

interface Tool {
  name: string;
  /** The command line as shown in BENCHMARKS.md. */
  command: string;
  /** Sets up an empty working directory (untimed). */
  fresh(): void;
  /** Applies the r-th edit of the edited middle node's text (untimed). */
  edit(r: number): void;
  /** One timed whole-process run; throws unless it ran exactly the nodes the scenario expects. */
  run(scenario: Scenario): number;
}

const root = mkdtempSync(join(tmpdir(), 'wsol-bench-engine-'));

// --- wsol-run --------------------------------------------------------------

function fanPipeline(edit?: number): unknown {
  const nodes: Record<string, unknown> = { source: { type: 'util/concat', with: { text: 'source\n' } } };
  for (let i = 0; i < MIDDLE; i++) {
    nodes[`m${i}`] = { type: 'util/concat', inputs: { in: 'source' }, with: { text: `${middleText(i, edit)}\n` } };
  }
  const inputs: Record<string, string> = {};
  for (let i = 0; i < MIDDLE; i++) inputs[`in${String(i).padStart(3, '0')}`] = `m${i}`;
  nodes.aggregate = { type: 'util/concat', inputs, with: { text: 'end\n' } };
  return { name: 'fan-out-fan-in', nodes };
}

const expectedRan: Record<Scenario, number> = { cold: MIDDLE + 2, noop: 0, edit: 2 };

function wsolTool(): Tool {
  const dir = join(root, 'wsol-run');
  const file = join(dir, 'fan.json');
  const bin = packagePath('bin/wsol-run.js');
  const write = (edit?: number): void => writeFileSync(file, JSON.stringify(fanPipeline(edit), null, 2));
  return {
    name: 'wsol-run',
    command: `wsol-run fan.json --jobs ${JOBS} --no-progress`,
    fresh() {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      write();
    },
    edit: (r) => write(r), // a new value each time: exactly one middle node and the aggregate re-run
    run(scenario) {
      const { s, stdout } = timed(process.execPath, [bin, file, '--jobs', String(JOBS), '--no-progress'], dir);
      const ran = /done: (\d+) ran/.exec(stdout)?.[1];
      if (Number(ran) !== expectedRan[scenario])
        throw new Error(`wsol-run ${scenario}: expected ${expectedRan[scenario]} nodes run, got ${ran ?? '?'}:\n${stdout}`);
      return s;
    },
  };
}

// --- Snakemake and make: file-based, checked by which outputs changed -----------

const outputs = ['source.txt', ...Array.from({ length: MIDDLE }, (_, i) => `m${i}.txt`), 'out.txt'];

/** mtime (ns) of every output; missing ones are -1. */
function snapshot(dir: string): bigint[] {
  return outputs.map((f) => {
    try {
      return statSync(join(dir, f), { bigint: true }).mtimeNs;
    } catch {
      return -1n;
    }
  });
}

/** Throws unless the scenario rewrote exactly the outputs it should and the result has the expected text. */
function checkOutputs(tool: string, dir: string, scenario: Scenario, before: bigint[], edit: number | undefined): void {
  const after = snapshot(dir);
  const changed = outputs.filter((_, k) => after[k] !== before[k]);
  if (after.includes(-1n)) throw new Error(`${tool} ${scenario}: missing outputs`);
  const want = scenario === 'cold' ? outputs : scenario === 'noop' ? [] : [`m${EDITED}.txt`, 'out.txt'];
  if (changed.join(' ') !== want.join(' ')) {
    throw new Error(
      `${tool} ${scenario}: expected ${want.length} outputs rewritten, got ${changed.length} (${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', ...' : ''})`,
    );
  }
  const out = readFileSync(join(dir, 'out.txt'), 'utf8');
  const lines = out.trimEnd().split('\n');
  const expected = ['source', middleText(EDITED, edit)];
  const k = 2 * EDITED;
  if (lines.length !== 2 * MIDDLE + 1 || lines[k] !== expected[0] || lines[k + 1] !== expected[1] || lines.at(-1) !== 'end') {
    throw new Error(`${tool} ${scenario}: unexpected out.txt (${lines.length} lines; middle ${EDITED}: ${lines[k + 1]})`);
  }
}

function fileTool(name: string, cmd: string, args: string[], setup: (dir: string, edit?: number) => void, editFile: (dir: string, r: number) => void): Tool {
  const dir = join(root, name);
  let lastEdit: number | undefined;
  return {
    name,
    command: [cmd, ...args].join(' '),
    fresh() {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      setup(dir);
      lastEdit = undefined;
    },
    edit(r) {
      editFile(dir, r);
      lastEdit = r;
    },
    run(scenario) {
      const before = snapshot(dir);
      const { s } = timed(cmd, args, dir);
      checkOutputs(name, dir, scenario, before, lastEdit);
      return s;
    },
  };
}

/** 1 source rule -> 200 work rule jobs (wildcard i, text a param looked up per i) -> 1 gather rule, all `shell:`. */
function snakefile(edit?: number): string {
  const texts = Array.from({ length: MIDDLE }, (_, i) => `    ${i}: ${JSON.stringify(middleText(i, edit))},`).join('\n');
  return `TEXT = {
${texts}
}

wildcard_constraints:
    i = r"\\d+"

rule gather:
    input: expand("m{i}.txt", i=range(${MIDDLE}))
    output: "out.txt"
    shell: "cat {input} > {output} && echo end >> {output}"

rule work:
    input: "source.txt"
    output: "m{i}.txt"
    params: text = lambda wildcards: TEXT[int(wildcards.i)]
    shell: "cat {input} > {output} && echo {params.text:q} >> {output}"

rule source:
    output: "source.txt"
    shell: "echo source > {output}"
`;
}

/** The same shape; the text of m<i> is the prerequisite file p<i>.txt, so the edit is a changed prerequisite. */
function makefile(): string {
  const middle = Array.from({ length: MIDDLE }, (_, i) => `m${i}.txt`).join(' ');
  return `M = ${middle}

out.txt: $(M)
\tcat $(M) > $@ && echo end >> $@

m%.txt: source.txt p%.txt
\tcat source.txt p$*.txt > $@

source.txt:
\techo source > $@
`;
}

const snakemakeVersion = version('snakemake');
const makeVersion = version('make');
const tools: Tool[] = [wsolTool()];
if (snakemakeVersion) {
  tools.push(
    fileTool(
      'snakemake',
      'snakemake',
      [`-j${JOBS}`, '--quiet'],
      (dir) => writeFileSync(join(dir, 'Snakefile'), snakefile()),
      (dir, r) => writeFileSync(join(dir, 'Snakefile'), snakefile(r)), // a changed param: default --rerun-triggers includes params
    ),
  );
} else process.stdout.write('note: snakemake is not installed (apt-get install snakemake); its column is left out\n');
if (makeVersion) {
  tools.push(
    fileTool(
      'make',
      'make',
      [`-j${JOBS}`],
      (dir) => {
        writeFileSync(join(dir, 'Makefile'), makefile());
        for (let i = 0; i < MIDDLE; i++) writeFileSync(join(dir, `p${i}.txt`), `${middleText(i)}\n`);
      },
      (dir, r) => writeFileSync(join(dir, `p${EDITED}.txt`), `${middleText(EDITED, r)}\n`),
    ),
  );
} else process.stdout.write('note: make is not installed (apt-get install make); its column is left out\n');

/** The 202-node scenarios in every tool; writes the engine-fanout section. */
function overheadBench(): void {
  // Interleaved: each round runs every tool once, the order rotating from round to round.
  const loadBefore = loadavg()[0]!;
  const times = new Map<string, Record<Scenario, number[]>>(tools.map((t) => [t.name, { cold: [], noop: [], edit: [] }]));
  const rotated = (r: number): Tool[] => tools.map((_, k) => tools[(k + r) % tools.length]!);
  for (let r = 0; r < RUNS; r++) {
    for (const t of rotated(r)) {
      t.fresh();
      times.get(t.name)!.cold.push(t.run('cold'));
    }
  }
  for (let r = 0; r < RUNS; r++) for (const t of rotated(r)) times.get(t.name)!.noop.push(t.run('noop'));
  for (let r = 0; r < RUNS; r++) {
    for (const t of rotated(r)) {
      t.edit(r); // a new value each time: exactly one middle node and the aggregate re-run
      times.get(t.name)!.edit.push(t.run('edit'));
    }
  }
  const loadAfter = loadavg()[0]!;

  const med = (tool: string, s: Scenario): number | undefined => {
    const xs = times.get(tool)?.[s];
    return xs ? median(xs) : undefined;
  };
  const cell = (tool: string, s: Scenario): string => {
    const m = med(tool, s);
    return m === undefined ? 'not installed' : fmt(m);
  };
  const ratio = (tool: string, s: Scenario): string => {
    const m = med(tool, s);
    return m === undefined ? '—' : `${(med('wsol-run', s)! / m).toFixed(2)}`;
  };
  const labels: Record<Scenario, string> = {
    cold: 'cold run (202 nodes run)',
    noop: 'no-op re-run (0 nodes run)',
    edit: 're-run after editing one middle node (2 nodes run)',
  };
  // Step 18: at least 3x ahead of Snakemake in each scenario (wsol-run's time at most a third of Snakemake's).
  const AHEAD = 3;
  const rows = SCENARIOS.map((s) => [
    labels[s],
    fmt(med('wsol-run', s)!),
    `≥ ${AHEAD}x ahead of Snakemake`,
    med('snakemake', s) === undefined
      ? 'not measured'
      : med('snakemake', s)! / med('wsol-run', s)! >= AHEAD
        ? `met (${(med('snakemake', s)! / med('wsol-run', s)!).toFixed(1)}x)`
        : `MISSED (${(med('snakemake', s)! / med('wsol-run', s)!).toFixed(1)}x)`,
    cell('snakemake', s),
    cell('make', s),
    ratio('snakemake', s),
    ratio('make', s),
  ]);
  const snakeHead = snakemakeVersion ? `Snakemake ${snakemakeVersion}` : 'Snakemake';
  const makeHead = makeVersion ? makeVersion.replace(/^GNU Make/, 'GNU make') : 'make';
  const table = markdownTable(['scenario', `wsol-run (median of ${RUNS})`, 'target', '', snakeHead, makeHead, 'wsol-run / Snakemake', 'wsol-run / make'], rows);
  const allRuns = tools
    .map(
      (t) =>
        `${t.name}: ${SCENARIOS.map(
          (s) =>
            `${s === 'noop' ? 'no-op' : s} ${times
              .get(t.name)!
              [s].map((x) => x.toFixed(3))
              .join(', ')}`,
        ).join('; ')}`,
    )
    .join('. ');
  const commands = tools.map((t) => `\`${t.command}\``).join(', ');
  process.stdout.write(`${table}\n\nall runs (s): ${allRuns}\n1-minute load average: ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after\n`);

  const versions = [
    `Snakemake ${snakemakeVersion ?? 'not installed'} (\`snakemake --version\`)`,
    `${makeVersion ?? 'make not installed'} (\`make --version\`, first line)`,
  ].join(', ');
  updateBenchmarks(
    'engine-fanout',
    `## Engine overhead: 202-node fan-out/fan-in (util/concat)

Machine: ${machine()}. Command: \`npm run bench:engine -- --runs ${RUNS} --jobs ${JOBS}\` (measured ${new Date().toISOString().slice(0, 10)}; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on the machine's shared cores). Whole-process wall time, median of ${RUNS}, of ${commands}, each in its own temporary directory; the three are run interleaved in the same run (each round runs every tool once, in rotating order). Versions: ${versions}.

${table}

Same shape in every tool: 1 source -> ${MIDDLE} middle -> 1 aggregate, each middle output the source's text plus its own line, the aggregate all ${MIDDLE} in order plus \`end\`. Snakemake: a Snakefile of \`shell:\` rules (\`source\`, one wildcard rule \`work\` for the ${MIDDLE} middle jobs with its text a \`params\` entry, \`gather\`); the edit changes one job's param, which Snakemake 7's default \`--rerun-triggers\` (mtime, params, input, software-env, code) picks up. make: a Makefile with a pattern rule for the middle targets, each reading its text from a prerequisite file \`p<i>.txt\`; the edit rewrites one of those files. Cold runs start from an empty directory (no cache, no \`.snakemake\`, no outputs); the ratio columns are wsol-run's median over the other tool's (below 1: wsol-run is faster). Every run is checked: wsol-run must report 202 / 0 / 2 nodes run, and Snakemake and make must rewrite all 202 / none / exactly the edited middle output and the aggregate, with the expected text.

All runs (s): ${allRuns}.`,
  );
}

// --- 2,002 nodes: cold and no-op (Step 18's targets) ----------------------------------

const BIG_MIDDLE = 2_000;
const BIG_TARGETS = { cold: 2, noop: 0.5 };

/** The fan-out/fan-in at 2,002 nodes: RUNS cold runs (each in a fresh directory), each followed by a no-op re-run; writes engine-fan-2002. */
function bigFanBench(): void {
  const loadBefore = loadavg()[0]!;
  const bin = packagePath('bin/wsol-run.js');
  const cold: number[] = [];
  const noop: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const dir = join(root, `fan-2002-${r}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'fan.json');
    writeFileSync(file, JSON.stringify(bigFanOut(BIG_MIDDLE), null, 2));
    const run = (expect: number): number => {
      const { s, stdout } = timed(process.execPath, [bin, file, '--jobs', String(JOBS), '--no-progress'], dir);
      const ran = /done: (\d+) ran/.exec(stdout)?.[1];
      if (Number(ran) !== expect) throw new Error(`2,002 nodes: expected ${expect} nodes run, got ${ran ?? '?'}: ${stdout.slice(-300)}`);
      return s;
    };
    cold.push(run(BIG_MIDDLE + 2));
    noop.push(run(0));
  }
  const loadAfter = loadavg()[0]!;
  const verdict = (m: number, target: number): string => (m <= target ? 'met' : 'MISSED');
  const table = markdownTable(
    ['scenario', `wsol-run (median of ${RUNS})`, 'target', '', 'runs (s)'],
    [
      [
        'cold run (2,002 nodes run)',
        fmt(median(cold)),
        `≤ ${BIG_TARGETS.cold} s`,
        verdict(median(cold), BIG_TARGETS.cold),
        cold.map((x) => x.toFixed(3)).join(', '),
      ],
      [
        'no-op re-run (0 nodes run)',
        fmt(median(noop)),
        `≤ ${BIG_TARGETS.noop} s`,
        verdict(median(noop), BIG_TARGETS.noop),
        noop.map((x) => x.toFixed(3)).join(', '),
      ],
    ],
  );
  process.stdout.write(`\n${table}\n`);
  updateBenchmarks(
    'engine-fan-2002',
    `## Engine overhead: 2,002-node fan-out/fan-in (util/concat)

Machine: ${machine()}. Command: \`npm run bench:engine -- --runs ${RUNS} --jobs ${JOBS}\` (measured ${new Date().toISOString().slice(0, 10)}; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after). Whole-process wall time of \`wsol-run fan.json --jobs ${JOBS} --no-progress\` on 1 source -> 2,000 middle -> 1 gather of all 2,000 (\`bigFanOut()\` below), each cold run in a fresh directory of the system's temporary folder, each followed by a no-op re-run; checked to run 2,002 nodes, then none. Targets: Step 18's.

${table}

On this machine's ext4 a cold run right after a large deletion (another run's cache removed) pays for the file system's inode allocator skipping recently freed inodes (\`recently_deleted\`, the kernel's top symbol in \`perf\`): the same cold run took 5-8 s there and 3.4-3.8 s in a folder with no deletion nearby. What a cold run costs per node: a work folder, the node's file, a manifest and an action record created (each a new inode), two thread hops (scheduler to worker and back) and the commit's file calls, about 1.7 ms of CPU a node on 2 cores.`,
  );
}

// --- wsol-run plan at scale (empty cache: every node to run) ----------------------

/** The fan-out with `middle` middle nodes, as test/cli/distributed.test.ts writes it (1 source -> middle -> 1 gather). */
function bigFanOut(middle: number): unknown {
  const nodes: Record<string, unknown> = { src: { type: 'util/concat', with: { text: 'source\n' } } };
  for (let i = 0; i < middle; i++) nodes[`m${i}`] = { type: 'util/concat', inputs: { in: 'src' }, with: { text: `middle ${i}\n` } };
  nodes.all = { type: 'util/concat', inputs: { in: Array.from({ length: middle }, (_, i) => `m${i}`) }, with: { text: 'all\n' } };
  return { name: 'fan-out', nodes };
}

/** `wsol-run plan` at PLAN_SIZES; writes the engine-plan-scale section (next to engine-fanout). */
function planBench(): void {
  const loadBeforePlan = loadavg()[0]!;
  const planDir = join(root, 'plan');
  mkdirSync(planDir, { recursive: true });
  const planTimes = new Map<number, number[]>();
  for (const [middle, runs] of PLAN_SIZES) {
    const file = join(planDir, `fan-${middle}.json`);
    writeFileSync(file, JSON.stringify(bigFanOut(middle), null, 2));
    const xs: number[] = [];
    for (let r = 0; r < runs; r++) {
      const { s, stdout } = timed(process.execPath, [packagePath('bin/wsol-run.js'), 'plan', file, '--cache', join(planDir, 'cache')], planDir);
      if (!stdout.endsWith(`\n${middle + 2} to run, 0 cached\n`)) throw new Error(`plan ${middle}: unexpected summary: ${stdout.slice(-200)}`);
      xs.push(s);
    }
    planTimes.set(middle, xs);
  }

  // `run` at the two smaller sizes: one cold run (it also fills the cache), then no-op re-runs and plans on it.
  const bin = packagePath('bin/wsol-run.js');
  const runTimes = new Map<number, { cold: number; noop: number[]; warmPlan: number[] }>();
  for (const [middle] of RUN_SIZES) {
    const dir = join(planDir, `run-${middle}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'fan.json');
    writeFileSync(file, JSON.stringify(bigFanOut(middle), null, 2));
    const cache = join(dir, 'cache');
    const run = (expect: number): number => {
      const { s, stdout } = timed(process.execPath, [bin, file, '--jobs', String(JOBS), '--no-progress', '--cache', cache], dir);
      const ran = /done: (\d+) ran/.exec(stdout)?.[1];
      if (Number(ran) !== expect) throw new Error(`run ${middle}: expected ${expect} nodes run, got ${ran ?? '?'}: ${stdout.slice(-300)}`);
      return s;
    };
    const cold = run(middle + 2);
    const noop: number[] = [];
    const warmPlan: number[] = [];
    for (let r = 0; r < PLAN_RUNS; r++) {
      noop.push(run(0));
      const { s, stdout } = timed(process.execPath, [bin, 'plan', file, '--cache', cache], dir);
      if (!stdout.endsWith(`\n0 to run, ${middle + 2} cached\n`)) throw new Error(`plan ${middle} (warm): unexpected summary: ${stdout.slice(-200)}`);
      warmPlan.push(s);
    }
    runTimes.set(middle, { cold, noop, warmPlan });
  }
  const loadAfterPlan = loadavg()[0]!;

  const PLAN_TARGET = 10; // seconds, at 71,000 middle nodes (Step 16)
  const planRows = PLAN_SIZES.map(([middle, runs]) => {
    const m = median(planTimes.get(middle)!);
    const largest = middle === PLAN_SIZES.at(-1)![0];
    return [
      `${(middle + 2).toLocaleString('en-US')} (1 -> ${middle.toLocaleString('en-US')} -> 1)`,
      `${fmt(m)} (median of ${runs})`,
      largest ? `≤ ${PLAN_TARGET} s` : '—',
      largest ? (m <= PLAN_TARGET ? 'met' : 'MISSED') : '',
      PLAN_BEFORE[middle] ?? '—',
    ];
  });
  const planTable = markdownTable(['nodes', '`wsol-run plan`', 'target', '', 'before Step 16 (79ca0ec)'], planRows);
  const planRuns = PLAN_SIZES.map(
    ([middle]) =>
      `${middle + 2}: ${planTimes
        .get(middle)!
        .map((x) => x.toFixed(3))
        .join(', ')}`,
  ).join('; ');
  const runRows = RUN_SIZES.map(([middle, before]) => {
    const t = runTimes.get(middle)!;
    return [
      `${(middle + 2).toLocaleString('en-US')}`,
      fmt(t.cold),
      `${fmt(median(t.noop))} (median of ${t.noop.length})`,
      `${fmt(median(t.warmPlan))} (median of ${t.warmPlan.length})`,
      before,
    ];
  });
  const runTable = markdownTable(
    ['nodes', 'cold run (1 run)', 'no-op re-run', '`plan` on the warm cache', 'before Step 16: cold run / no-op re-run / warm `plan`'],
    runRows,
  );
  const runRuns = RUN_SIZES.map(([middle]) => {
    const t = runTimes.get(middle)!;
    return `${middle + 2}: no-op ${t.noop.map((x) => x.toFixed(3)).join(', ')}; warm plan ${t.warmPlan.map((x) => x.toFixed(3)).join(', ')}`;
  }).join('. ');
  process.stdout.write(
    `\n${planTable}\n\nplan runs (s): ${planRuns}\n\n${runTable}\n\nruns (s): ${runRuns}\n1-minute load average after: ${loadAfterPlan.toFixed(2)}\n`,
  );
  updateBenchmarks(
    'engine-plan-scale',
    `## Engine: \`plan\` and \`run\` on a fan-out of 3,502 to 71,002 nodes

Machine: ${machine()}. Command: \`npm run bench:engine -- ${PLAN_ONLY ? '--plan-only ' : ''}--plan-runs ${PLAN_RUNS} --jobs ${JOBS}\` (measured ${new Date().toISOString().slice(0, 10)}; 1-minute load average ${loadBeforePlan.toFixed(1)} before, ${loadAfterPlan.toFixed(1)} after, on the machine's shared cores). Whole-process wall time of \`wsol-run plan fan.json --cache <empty dir>\` (the text table; every node to run), median of the runs shown, for the fan-out/fan-in shape of the section above at larger sizes: 1 source -> N middle -> 1 gather of all N (util/concat), as \`fanOut()\` in test/cli/distributed.test.ts writes it. Every run is checked to plan all N + 2 nodes. The target is Step 16's: \`plan\` is linear in the nodes, 71,002 in at most ${PLAN_TARGET} s.

${planTable}

The last column is the same command before Step 16 (commit 79ca0ec; one run each on this machine, 2026-12-07), when \`plan\` was quadratic in the nodes: the topological order re-sorted and shifted its ready list per node, \`plan\` copied every known digest into a new map per node, and the table padded every row to the longest reason (the gather node's, naming all N inputs). At 71,002 nodes the text table was not waited for; that figure is with \`--json\`.

Plan runs (s): ${planRuns}.

\`run\` on the same shape at the two smaller sizes, with \`--jobs ${JOBS} --no-progress\`: one cold run from an empty cache (every node runs: mostly the nodes' own work in the worker pool), then, interleaved, ${PLAN_RUNS} no-op re-runs (every node cached) and ${PLAN_RUNS} \`plan\`s on that cache (every node cached); each run is checked to run all N + 2 nodes, then none. Before Step 16 the no-op re-run (whose scheduler raced every pending cache check on each wake-up) ran out of memory (a 4 GB heap) at 14,202 nodes; \`plan\` copied every known digest per node.

${runTable}

Runs (s): ${runRuns}.`,
  );
}

const PLAN_ONLY = process.argv.includes('--plan-only');
/** --no-plan: the 202- and 2,002-node runs only (the plan scaling takes minutes). */
const NO_PLAN = process.argv.includes('--no-plan');
const fmt = (s: number): string => `${s.toFixed(3)} s`;
try {
  if (!PLAN_ONLY) {
    overheadBench();
    bigFanBench();
  }
  if (!NO_PLAN) planBench();
} finally {
  rmSync(root, { recursive: true, force: true });
}

/**
 * The wsol-run command line. Each verb is a thin module in commands/; errors
 * arrive here as WsolError values and are printed with their location (a
 * stack trace only with --verbose).
 */
import { Command, Option, type CommanderError } from 'commander';
import { isUserError } from '../core/errors.js';
import { existsSync } from 'node:fs';
import { WsolError, closest, formatDiagnostic } from '../engine/diagnostics.js';
import { WSOL_RUN_VERSION } from '../version.js';
import { setWide } from './width.js';
import { collect, parseNonNegativeInt, parsePositiveInt, parseSeconds } from './options.js';

const EXIT_USAGE = 2;
const EXIT_INTERNAL = 70;
const WIDE = 'print every line in full instead of fitting $COLUMNS (100 when not a terminal)';

let verbose = process.argv.includes('--verbose');
let json = process.argv.includes('--json');

function report(e: unknown): number {
  if (e instanceof WsolError) {
    if (json) process.stdout.write(`${JSON.stringify({ event: 'error', diagnostics: e.diagnostics })}\n`);
    for (const d of e.diagnostics) process.stderr.write(`error: ${formatDiagnostic(d)}\n`);
    if (verbose) process.stderr.write(`${e.stack ?? ''}\n`);
    return e.exitCode;
  }
  if (isUserError(e)) {
    if (json) process.stdout.write(`${JSON.stringify({ event: 'error', diagnostics: [{ message: e.message, ...(e.hint ? { hint: e.hint } : {}) }] })}\n`);
    process.stderr.write(`error: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
    if (verbose) process.stderr.write(`${e.stack ?? ''}\n`);
    return EXIT_USAGE;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  if (json) process.stdout.write(`${JSON.stringify({ event: 'error', diagnostics: [{ message: err.message }] })}\n`);
  process.stderr.write(`error: ${err.message}\n`);
  process.stderr.write(verbose ? `${err.stack ?? ''}\n` : '  (this is a bug or an environment problem; run again with --verbose for the stack trace)\n');
  return EXIT_INTERNAL;
}

/** Runs a verb and turns its result or error into the process exit code. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<number>) {
  return async (...args: A): Promise<void> => {
    let code: number;
    try {
      code = await fn(...args);
    } catch (e) {
      code = report(e);
    }
    process.exitCode = code;
  };
}

/**
 * `wsol-run stauts` reaches the default verb with 'stauts' as its pipeline:
 * a word that is no file, has no path separator or extension and is within
 * two edits of a verb is a misspelt verb, not a missing pipeline.
 */
function refuseMisspeltVerb(word: string, program: Command): void {
  if (/[./\\]/.test(word) || existsSync(word)) return;
  const verbs = program.commands.map((c) => c.name());
  const best = closest(word, verbs, 2);
  if (best)
    throw new WsolError({ message: `unknown command '${word}': did you mean ${best}?`, hint: `wsol-run ${best} --help; the commands: ${verbs.join(', ')}` });
}

function withPipelineOptions(cmd: Command): Command {
  return cmd
    .option('--set <path=value>', 'override a value: node.param=value, node.matrix.param=[..], params.name=value (repeatable)', collect, [])
    .option(
      '--preset <name>',
      'the pipeline\'s preset of that name (its "presets", e.g. smoke: tiny sizes, one epoch), applied as --set params.x=v before --set',
    )
    .option('--cache <dir>', 'cache directory (default: ./cache or $WSOL_RUN_CACHE)')
    .option('--json', 'machine-readable output: one JSON object per line')
    .option('--verbose', 'show stack traces and cached nodes')
    .option('--wide', WIDE)
    .option(
      '--backend <name>',
      'tensor backend: tensorflow-gpu, webgpu, tensorflow, wasm or cpu (default: the first installed, webgpu only on a hardware GPU adapter; $WSOL_RUN_BACKEND)',
    )
    .option(
      '--plugin <module>',
      'load a plugin (an ES module adding node types, heads or map methods) besides the pipeline\'s own "plugins" (repeatable)',
      collect,
      [],
    )
    .option('--run <id>', "that run's configuration: its --set overrides, --plugin modules and backend (an id or a prefix; `wsol-run exp show` lists them)");
}

/** What `run` and `verify` both take. */
function withRunOptions(cmd: Command): Command {
  return withPipelineOptions(cmd)
    .addOption(new Option('-j, --jobs <n>', 'nodes running at once (default: number of cores)').argParser(parsePositiveInt('--jobs')))
    .addOption(new Option('--gpus <n>', 'GPUs available to nodes (default: detected with nvidia-smi)').argParser(parseNonNegativeInt('--gpus')))
    .option('--force <node>', 'run this node even if cached (repeatable; a matrix node id forces all its instances)', collect, [])
    .option('--force-all', 'run every node even if cached')
    .option('-k, --keep-going', 'after a failure, finish the branches that do not depend on it')
    .option('--verify', 're-hash every reused cache entry instead of the fast size/mtime check')
    .option('--no-progress', 'no live progress bars, even on a terminal')
    .addOption(
      new Option(
        '--progress-every <seconds>',
        'not on a terminal: a progress line per running node this often (default 30, $WSOL_RUN_PROGRESS_EVERY; 0: none)',
      ).argParser(parseSeconds('--progress-every')),
    )
    .addOption(
      new Option('--executor <name>', 'where nodes run: local worker threads, or bullmq workers on other machines')
        .choices(['local', 'bullmq'])
        .default('local'),
    )
    .option('--redis <url>', 'Redis of the bullmq executor, e.g. redis://HOST:6379 ($WSOL_RUN_REDIS)')
    .addOption(
      new Option('--checkpoint-every <epochs>', 'trainers checkpoint every n epochs under the cache, so a crashed run resumes (0: never)')
        .argParser(parseNonNegativeInt('--checkpoint-every'))
        .default(1),
    );
}

export function buildProgram(): Command {
  const program = new Command('wsol-run')
    .description('Declarative pipelines for weakly supervised object localization experiments')
    .version(WSOL_RUN_VERSION)
    .showHelpAfterError('(run wsol-run --help for usage)')
    .exitOverride((err: CommanderError) => {
      process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
    });

  addRunVerbs(program);
  addInspectionVerbs(program);
  addSharingVerbs(program);
  addMachineVerbs(program);
  return program;
}

/** run (the default verb), verify, exp show / exp diff, plan. */
function addRunVerbs(program: Command): void {
  withRunOptions(
    program
      .command('run <pipeline> [nodes...]', { isDefault: true })
      .description(
        'run a pipeline (the default verb): only what changed is recomputed; with nodes (ids, or instance ids like loc[alpha=0.2]), only those and their ancestors',
      ),
  )
    .option('-n, --dry-run', 'show the plan (what would run and why) and run nothing')
    .option('--check-lock', 'compare every result with the committed lock file and leave it unchanged (as `verify`); exit 3 if they differ')
    .option(
      '--update-lock',
      "write the lock even for an experiment (--set, --plugin, another backend than the lock's) or where a result has the lock's key but other bytes (without it such a lock is left as it was, exit 3)",
    )
    .action(
      action(async (pipeline: string, nodes: string[], o) => {
        refuseMisspeltVerb(pipeline, program);
        return (await import('./commands/run.js')).runCommand(pipeline, o, nodes);
      }),
    );

  withRunOptions(
    program
      .command('verify <pipeline>')
      .description(
        'run what is not cached, then report node by node which digests differ from the committed lock and which metrics moved; the lock stays as it is; exit 3 on a mismatch',
      ),
  )
    .option(
      '--recompute <node>',
      'run this node again even if cached and compare its bytes with the lock (repeatable; e.g. results an import brought)',
      collect,
      [],
    )
    .action(action(async (pipeline: string, o) => (await import('./commands/run.js')).runCommand(pipeline, { ...o, checkLock: true })));

  const exp = program.command('exp').description('experiments: the runs recorded in the run store, with their overrides and metrics');
  exp
    .command('show [pipeline]')
    .description('one row per run, newest first: id, when, overrides, backend, status, headline metrics per evaluation')
    .option('--status <status>', 'only runs with this status (succeeded, failed, cancelled, interrupted, running)')
    .addOption(new Option('--limit <n>', 'at most this many runs').argParser(parsePositiveInt('--limit')))
    .option('--csv', 'CSV output (one header row)')
    .option('--cache <dir>', 'cache directory')
    .option('--json', 'one JSON object per run')
    .action(action(async (pipeline: string | undefined, o) => (await import('./commands/exp.js')).expShowCommand(pipeline, o)));
  exp
    .command('diff <a> <b>')
    .description('params and metrics of two runs side by side: run ids (a prefix is enough), `lock` (the committed lock) or HEAD/latest (the newest run)')
    .option('--pipeline <file>', "the pipeline whose lock and newest run `lock` and HEAD mean (default: the other side's, or the newest run's)")
    .option('--cache <dir>', 'cache directory')
    .option('--json', 'JSON output')
    .action(action(async (a: string, b: string, o) => (await import('./commands/exp.js')).expDiffCommand(a, b, o)));

  withPipelineOptions(
    program
      .command('plan <pipeline> [nodes...]')
      .description('list each node as cached or to-run, with the reason; with nodes, only those and their ancestors'),
  )
    .option('--force <node>', 'plan as if this node were forced (repeatable)', collect, [])
    .option('--force-all', 'plan as if every node were forced')
    .option('--verify', 're-hash cache entries while planning')
    .action(action(async (pipeline: string, nodes: string[], o) => (await import('./commands/plan.js')).planCommand(pipeline, o, nodes)));
}

/** locks, results, status, graph, show, layers, report: reading what runs left. */
function addInspectionVerbs(program: Command): void {
  program
    .command('locks <pipelines...>')
    .description(
      "check without running anything that each pipeline's lock is current: the keys today's code computes from the file, the lock's upstream digests and backend equal the lock's; exit 3 if not",
    )
    .option('--require-lock', 'a pipeline without a lock file is a failure too')
    .option(
      '--refresh',
      "where a lock's only problem is an edit of the file that leaves every node key as it was (a value made a param, a preset, a description), record the edited file's hash and params in the lock; nothing runs",
    )
    .option('--cache <dir>', 'cache directory (only its table of file hashes is read)')
    .option('--plugin <module>', 'load a plugin the pipelines need (repeatable)', collect, [])
    .option('--json', 'one JSON object per pipeline')
    .action(action(async (pipelines: string[], o) => (await import('./commands/locks.js')).locksCommand(pipelines, o)));

  program
    .command('results [document]')
    .description('render the tables of RESULTS.md (or another document) from the lock files their specs name; --check only compares; exit 3 if they differ')
    .option('--check', 'compare instead of writing')
    .action(action(async (document: string | undefined, o) => (await import('./commands/results.js')).resultsCommand(document, o)));

  program
    .command('status [pipeline]')
    .description('recent runs; with a pipeline (or --run ID), its latest run node by node')
    .option('--run <id>', 'one run by id (a prefix is enough)')
    .option('--redis <url>', 'instead: the workers of this Redis and its queues, flagging jobs no live worker can take')
    .addOption(new Option('--limit <n>', 'how many recent runs to list').argParser(parsePositiveInt('--limit')).default(10))
    .option('--cache <dir>', 'cache directory')
    .option('--json', 'JSON output')
    .option('--wide', WIDE)
    .action(action(async (pipeline: string | undefined, o) => (await import('./commands/status.js')).statusCommand(pipeline, o)));

  withPipelineOptions(program.command('graph <pipeline>').description('print the DAG (after matrix expansion)'))
    .addOption(new Option('--format <format>', 'output format').choices(['dot', 'mermaid']).default('dot'))
    .action(action(async (pipeline: string, o) => (await import('./commands/graph.js')).graphCommand(pipeline, o)));

  withPipelineOptions(
    program
      .command('show <pipeline> <node>')
      .description("a node's latest result (with --set: the result of that configuration): artifact path, files, metrics, timing"),
  )
    .option('--path', 'print only the artifact directory')
    .action(action(async (pipeline: string, node: string, o) => (await import('./commands/show.js')).showCommand(pipeline, node, o)));

  program
    .command('layers <pipeline> <node>')
    .description("the layers of a node's model (its latest result) with output shapes: what `layer` and a DGL sweep can name")
    .option('--cache <dir>', 'cache directory')
    .option('--json', 'JSON output')
    .action(action(async (pipeline: string, node: string, o) => (await import('./commands/layers.js')).layersCommand(pipeline, node, o)));

  withPipelineOptions(
    program
      .command('report <pipeline>')
      .description("build the pipeline's HTML report from what is cached (its report/html node, or one over every evaluation) into a folder"),
  )
    .option('-o, --output <dir>', 'folder to write (default: <pipeline>-report here); an earlier report there is replaced, any other content refused')
    .option('--node <id>', "the report/html node to build, when the pipeline has several; 'x[*]': one report across the instances of a matrixed report node x")
    .action(action(async (pipeline: string, o) => (await import('./commands/report.js')).reportCommand(pipeline, o)));
}

/** export, import, gc, worker: moving results between caches and machines. */
function addSharingVerbs(program: Command): void {
  program
    .command('export <pipeline>')
    .description('pack the pipeline, its lock and (with --results) the cached results it names into one .tar.gz to share')
    .option('-o, --output <file>', 'bundle file (default: <pipeline>.bundle.tar.gz here)')
    .option('--results <which...>', 'results to include: all, none (the default), or node ids (each with the nodes it depends on)')
    .option('--cache <dir>', 'cache directory')
    .option('--plugin <module>', 'load a plugin the pipeline needs (repeatable)', collect, [])
    .option('--with-plugins', 'also pack the plugin modules the pipeline names in "plugins" (single files inside or beside its folder)')
    .option('--json', 'JSON output')
    .action(action(async (pipeline: string, o) => (await import('./commands/bundle.js')).exportCommand(pipeline, o)));

  program
    .command('import <bundle>')
    .description("verify a bundle (every file's digest, every result) and bring its pipeline, lock and results in; a bad bundle changes nothing")
    .option('--into <dir>', 'folder for the pipeline and lock files (default: here)')
    .option('--overwrite', 'replace pipeline or lock files there that differ')
    .option('--keep-local', 'where this cache holds another result under a key the bundle brings, keep it and import the rest (without it: refused)')
    .option('--cache <dir>', 'cache directory')
    .option('--plugin <module>', 'load a plugin the pipeline needs (repeatable)', collect, [])
    .option('--plugins', 'write the plugin files the bundle carries into --into (code: never written or run unless asked; a different file there is refused)')
    .addOption(
      new Option('--max-size <bytes>', "refuse bundles whose index lists more bytes (default 64 GiB; no member may exceed its index's size)").argParser(
        parsePositiveInt('--max-size'),
      ),
    )
    .addOption(new Option('--max-entries <n>', 'refuse bundles with more members (default 1,000,000)').argParser(parsePositiveInt('--max-entries')))
    .option('--json', 'JSON output')
    .action(action(async (bundle: string, o) => (await import('./commands/bundle.js')).importCommand(bundle, o)));

  program
    .command('gc [pipelines...]')
    .description('remove cached results that no lock file or recent run references, and print what was freed')
    .addOption(new Option('--keep-days <n>', 'keep results of runs from the last n days').argParser(parseNonNegativeInt('--keep-days')).default(7))
    .addOption(
      new Option('--grace <seconds>', 'never remove results younger than this (protects concurrent runs)')
        .argParser(parseNonNegativeInt('--grace'))
        .default(60),
    )
    .option('-n, --dry-run', 'only report what would be removed')
    .option('--cache <dir>', 'cache directory')
    .option('--json', 'JSON output')
    .action(action(async (pipelines: string[], o) => (await import('./commands/gc.js')).gcCommand(pipelines, o)));

  program
    .command('worker')
    .description('take nodes from a Redis (BullMQ) that `run --executor bullmq` submits, and commit their results into the shared cache')
    .option('--redis <url>', 'the Redis, e.g. redis://HOST:6379 ($WSOL_RUN_REDIS)')
    .option('--cache <dir>', "this machine's mount of the shared cache")
    .addOption(new Option('--gpus <n>', 'GPUs this worker offers (default: detected with nvidia-smi)').argParser(parseNonNegativeInt('--gpus')))
    .option('--backend <name>', 'tensor backend (default: the first installed; $WSOL_RUN_BACKEND)')
    .addOption(new Option('--concurrency <n>', 'nodes at once (default: the number of cores)').argParser(parsePositiveInt('--concurrency')))
    .addOption(
      new Option('--lease-seconds <s>', 'a node whose worker stops renewing its lock this long goes to another worker')
        .argParser(parsePositiveInt('--lease-seconds'))
        .default(30),
    )
    .action(action(async (o) => (await import('./commands/worker.js')).workerCommand(o)));
}

/** doctor, types: this machine's backends, and what node types, heads and map methods exist. */
function addMachineVerbs(program: Command): void {
  program
    .command('doctor')
    .description('which tensor backends are installed and usable (and why not), the machine, and a training-speed probe')
    .addOption(
      new Option('--probe-seconds <n>', 'length of the training-speed probe (0 to skip)').argParser(parseNonNegativeInt('--probe-seconds')).default(10),
    )
    .option('--backend <name>', 'probe this backend instead of the default choice')
    .option('--verbose', "also print what native libraries (Dawn's driver warnings) wrote while probed")
    .option('--json', 'JSON output')
    .option('--wide', WIDE)
    .action(action(async (o) => (await import('./commands/doctor.js')).doctorCommand(o)));

  program
    .command('types [type]')
    .description('list node types, or one type with its inputs, output and params')
    .option('--plugin <module>', 'also list what this plugin adds (repeatable)', collect, [])
    .option('--json', 'JSON output')
    .option('--wide', WIDE)
    .action(action(async (type: string | undefined, o) => (await import('./commands/types.js')).typesCommand(type, o)));
}

/**
 * A reader that went away (`wsol-run status | head -1`) closes our stdout: the
 * next write fails with EPIPE. That is the reader's choice, not an error: end
 * quietly with the verb's exit code so far.
 */
function endQuietlyOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      throw e;
    });
}

export async function main(argv: string[]): Promise<void> {
  endQuietlyOnClosedOutput();
  verbose = argv.includes('--verbose');
  json = argv.includes('--json');
  setWide(argv.includes('--wide'));
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    process.exitCode = report(e);
  }
}

import { checkReportFolder, clearReportFolder, markReportFolder } from '../report-folder.js';
import { chmod, cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { WsolError } from '../../engine/diagnostics.js';
import type { Executor } from '../../engine/executors/executor.js';
import { loadPipeline } from '../../engine/load/load-pipeline.js';
import type { NodeDeclaration, ResolvedPipeline } from '../../engine/pipeline.js';
import { runCachedNode } from '../../engine/run/run-one.js';
import { listRuns } from '../../engine/run-store.js';
import { withConfiguration } from '../../reports/html/configuration.js';
import { nodeTypes } from '../../nodes/registry.js';
import { cacheDirOf, defaultJobs } from '../options.js';
import { load, printJson, runEnvironment, type PipelineOptions } from './common.js';
import { configurationFlags, shellWord } from './locked-result.js';

/** Options of `wsol-run report`, as commander parses them: the output folder and which report/html node to build. */
export interface ReportOptions extends PipelineOptions {
  output?: string;
  node?: string;
}

const REPORT_TYPE = 'report/html';
/** The id of the report node `report` adds to a pipeline that has none. */
export const GENERATED_REPORT = 'report';

/** How an input names every instance of a declared node: `x[*]` for a matrix node, `x` otherwise. */
function reference(p: ResolvedPipeline, base: string): string {
  return (p.instances.get(base) ?? []).some((id) => id !== base) ? `${base}[*]` : base;
}

/**
 * The report node for a pipeline without one: every evaluate/localization
 * node, the maps and datasets they score, every trainer's model and every
 * DGL sweep. Its params are the defaults, with the pipeline's name as title.
 */
export function reportDeclaration(p: ResolvedPipeline): NodeDeclaration {
  const bases = (pick: (type: string, id: string) => boolean): string[] => {
    const out: string[] = [];
    for (const [base, ids] of p.instances) if (ids.some((id) => pick(p.nodes.get(id)!.nodeType.type, id)) && !out.includes(base)) out.push(base);
    return out;
  };
  const evaluations = bases((type) => type === 'evaluate/localization');
  if (evaluations.length === 0)
    throw new WsolError({
      file: p.file,
      message: 'has no evaluate/localization node: a report shows evaluations',
      hint: 'add an evaluation node, or report another pipeline',
    });
  const evalIds = new Set(evaluations.flatMap((b) => p.instances.get(b) ?? []));
  const fedInto = (input: string): string[] => {
    const producers = new Set([...evalIds].flatMap((id) => p.nodes.get(id)!.inputs[input] ?? []));
    return bases((_, id) => producers.has(id));
  };
  const inputs: Record<string, string[]> = {
    evaluations: evaluations.map((b) => reference(p, b)),
    maps: fedInto('maps').map((b) => reference(p, b)),
    datasets: fedInto('dataset').map((b) => reference(p, b)),
    models: bases((type) => type.startsWith('train/')).map((b) => reference(p, b)),
    sweeps: bases((type) => type === 'sweep/dgl-layers').map((b) => reference(p, b)),
  };
  return { type: REPORT_TYPE, with: { title: p.name }, inputs: Object.fromEntries(Object.entries(inputs).filter(([, v]) => v.length)) };
}

/** The id suffix of the report `--node 'x[*]'` builds across the instances of `x`. */
export const ACROSS_SUFFIX = '-across';

/**
 * One report/html node over every instance of the matrixed report node
 * `base` (a sweep): each input gathers what the instances had, in order, so
 * the comparison has a row per instance and the side-by-side sample the
 * same images for all. Instances that differ in their own params (a matrix
 * on the report itself) have no one report: the user picks one.
 */
export function acrossDeclaration(p: ResolvedPipeline, base: string): NodeDeclaration {
  const ids = p.instances.get(base) ?? [];
  const nodes = ids.map((id) => p.nodes.get(id)!);
  if (nodes.length === 0 || nodes[0]!.nodeType.type !== REPORT_TYPE)
    throw new WsolError({
      file: p.file,
      message: `--node ${base}[*]: no report/html node '${base}'`,
      hint: `report nodes: ${
        [...p.nodes.values()]
          .filter((n) => n.nodeType.type === REPORT_TYPE)
          .map((n) => n.base)
          .filter((b, i, all) => all.indexOf(b) === i)
          .join(', ') || '(none)'
      }`,
    });
  if (p.nodes.has(`${base}${ACROSS_SUFFIX}`))
    throw new WsolError({ file: p.file, message: `--node ${base}[*]: a node is already called '${base}${ACROSS_SUFFIX}'`, hint: 'rename that node' });
  const params = JSON.stringify(nodes[0]!.params);
  const differing = nodes.find((n) => JSON.stringify(n.params) !== params);
  if (differing)
    throw new WsolError({
      file: p.file,
      message: `--node ${base}[*]: the instances of '${base}' differ in their own params (${nodes[0]!.id} and ${differing.id}), so no one report shows them all`,
      hint: `pick one: --node ${shellWord(nodes[0]!.id)}`,
    });
  const inputs: Record<string, string[]> = {};
  for (const n of nodes)
    for (const [name, producers] of Object.entries(n.inputs)) {
      const list = inputs[name] ?? [];
      inputs[name] = [...list, ...producers.filter((id) => !list.includes(id))];
    }
  return { type: REPORT_TYPE, with: nodes[0]!.params, inputs };
}

export async function reportCommand(pipelinePath: string, o: ReportOptions): Promise<number> {
  const out = o.output ?? `${basename(pipelinePath).replace(/\.json$/i, '')}-report`;
  // Before any work: a folder that is not an earlier report is never replaced.
  checkReportFolder(out);
  let { pipeline } = await load(pipelinePath, o);
  const declared = [...pipeline.nodes.values()].filter((n) => n.nodeType.type === REPORT_TYPE);
  let nodeId: string;
  const across = o.node?.endsWith('[*]') ? o.node.slice(0, -3) : undefined;
  if (across !== undefined) {
    const extra = { [`${across}${ACROSS_SUFFIX}`]: acrossDeclaration(pipeline, across) };
    pipeline = (await loadPipeline(pipelinePath, { overrides: o.set ?? [], preset: o.preset, types: nodeTypes, plugins: o.plugin ?? [], extraNodes: extra }))
      .pipeline;
    nodeId = `${across}${ACROSS_SUFFIX}`;
  } else if (o.node) {
    if (!pipeline.nodes.has(o.node) || pipeline.nodes.get(o.node)!.nodeType.type !== REPORT_TYPE)
      throw new WsolError({
        file: pipeline.file,
        message: `--node ${o.node}: no report/html node of that id`,
        hint: `report nodes: ${declared.map((n) => n.id).join(', ') || '(none)'}`,
      });
    nodeId = o.node;
  } else if (declared.length > 1) {
    // Several reports (two declared, or a report under a matrix --set): building one of them silently would hide the others.
    const ids = declared.map((n) => n.id);
    const bases = [...new Set(declared.map((n) => n.base))];
    // Instances of one matrixed report (a sweep): one report across them is the likely wish.
    const sameParams = declared.every((n) => JSON.stringify(n.params) === JSON.stringify(declared[0]!.params));
    const gather = bases.length === 1 && sameParams ? `; or one report across them: --node ${shellWord(`${bases[0]}[*]`)}` : '';
    throw new WsolError({
      file: pipeline.file,
      message: `has ${ids.length} report/html nodes: ${ids.join(', ')}; which one?`,
      hint: `name one: wsol-run report ${shellWord(pipelinePath)} ${ids.map((id) => `--node ${shellWord(id)}`).join(' | ')}${gather}`,
    });
  } else if (declared.length === 1) {
    nodeId = declared[0]!.id;
  } else {
    if (pipeline.nodes.has(GENERATED_REPORT))
      throw new WsolError({
        file: pipeline.file,
        message: `a node is called '${GENERATED_REPORT}' but is no report/html node`,
        hint: 'name a report node with --node',
      });
    const extra = { [GENERATED_REPORT]: reportDeclaration(pipeline) };
    pipeline = (await loadPipeline(pipelinePath, { overrides: o.set ?? [], preset: o.preset, types: nodeTypes, plugins: o.plugin ?? [], extraNodes: extra }))
      .pipeline;
    nodeId = GENERATED_REPORT;
  }
  const cacheDir = cacheDirOf(o.cache);
  // The command that makes what is missing: the user's own cache and configuration, as typed.
  const flags = [...(o.cache !== undefined ? [`--cache ${shellWord(o.cache)}`] : []), ...configurationFlags(o)].join(' ');
  const env = runEnvironment(pipeline, o).env;
  const result = await runCachedNode(pipeline, nodeId, {
    cacheDir,
    env,
    jobs: Math.min(2, defaultJobs()),
    createExecutor: async (cache): Promise<Executor> => new (await import('../../engine/executors/local-pool.js')).LocalPoolExecutor(cache, 1),
    emit: (e) => {
      if (e.event === 'node-failed') process.stderr.write(`error: ${e.node}: ${e.error.message}\n`);
    },
    command: `wsol-run ${shellWord(pipelinePath)}${flags ? ` ${flags}` : ''}`,
  });
  await clearReportFolder(out);
  await cp(result.dir, out, { recursive: true });
  // Artifacts are read-only in the cache; the copy is the user's.
  const entries = await readdir(out, { recursive: true, withFileTypes: true });
  await Promise.all(entries.map((e) => chmod(join(e.parentPath ?? out, e.name), e.isDirectory() ? 0o755 : 0o644)));
  await addConfiguration(join(out, 'index.html'), pipeline, nodeId, cacheDir, env);
  await markReportFolder(out);
  if (o.json) printJson({ event: 'report', node: nodeId, digest: result.digest, ran: result.ran, dir: out, index: join(out, 'index.html') });
  else process.stdout.write(`${result.ran ? 'built' : 'cached'} report of ${nodeId} (${result.digest.slice(0, 12)}): ${join(out, 'index.html')}\n`);
  return 0;
}

/**
 * The user's copy gets the configuration header (params, --set, backend, run
 * id) at view time: the cached report's bytes stay as the node wrote them.
 * The run is the latest of this pipeline with the same --set, as typed.
 */
async function addConfiguration(index: string, p: ResolvedPipeline, nodeId: string, cacheDir: string, env: Record<string, string>): Promise<void> {
  const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  const runs = (await listRuns(cacheDir)).filter((r) => r.pipeline === p.file && same(r.options.overrides, p.overrides));
  const run = runs.find((r) => r.status === 'succeeded') ?? runs[0];
  const html = await readFile(index, 'utf8');
  await writeFile(
    index,
    withConfiguration(html, {
      pipeline: basename(p.file),
      params: p.params,
      overrides: p.overrides,
      backend: run?.env.backend ?? env.backend ?? null,
      run: run ? { id: run.id, status: run.status } : null,
      node: nodeId,
    }),
  );
}

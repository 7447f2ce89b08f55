import { importThatAdded, readImports } from '../../engine/bundle/provenance.js';
import { WsolError } from '../../engine/diagnostics.js';
import { listRuns } from '../../engine/run-store.js';
import { formatBytes, formatDuration, table } from '../format.js';
import { formatMetricValue } from '../../evaluation/metric-format.js';
import { printJson, type PipelineOptions } from './common.js';
import { configuredResult, hasConfiguration, lockedResult, shellWord } from './locked-result.js';

/** Options of `wsol-run show`, as commander parses them: with `path`, print only the artifact directory. */
export interface ShowOptions extends PipelineOptions {
  path?: boolean;
}

/**
 * A node's result: artifact path, metrics, timing. By default the latest one
 * (the lock file's); with --set (or --plugin, --backend) the result of that
 * configuration, found in the cache by its key as `plan` computes it.
 */
export async function showCommand(pipelinePath: string, nodeId: string, o: ShowOptions): Promise<number> {
  const configured = hasConfiguration(o);
  const { file, locked, cacheDir, dir, check, overrides } = configured
    ? await configuredResult(pipelinePath, nodeId, o)
    : await lockedResult(pipelinePath, nodeId, o.cache);
  if (o.path) {
    if (!check.ok)
      throw new WsolError({
        node: nodeId,
        message: `the result of '${nodeId}' is not in cache ${cacheDir}: ${check.reason}`,
        hint: `re-run the pipeline to recompute it: wsol-run ${pipelinePath}${overrides.map((s) => ` --set ${shellWord(s)}`).join('')}`,
      });
    process.stdout.write(`${dir}\n`);
    return 0;
  }
  const runs = (await listRuns(cacheDir)).filter((r) => r.pipeline === file && r.nodes[nodeId]);
  // For a configuration, only a run that made or reused this very result tells its timing.
  const run = configured
    ? (runs.find((r) => r.nodes[nodeId]!.digest === locked.digest && r.nodes[nodeId]!.status === 'done') ??
      runs.find((r) => r.nodes[nodeId]!.digest === locked.digest))
    : runs.find((r) => r.nodes[nodeId]!.status === 'done' || r.nodes[nodeId]!.digest === locked.digest);
  const record = run?.nodes[nodeId];
  const from = importThatAdded(readImports(cacheDir), (x) => x.key === locked.key && x.digest === locked.digest);
  const info = {
    node: nodeId,
    type: locked.type,
    version: locked.version,
    key: locked.key,
    digest: locked.digest,
    artifact: check.ok ? dir : null,
    artifactProblem: check.ok ? null : check.reason,
    files: check.ok ? check.artifact.manifest.files.map((f) => ({ path: f.path, size: f.size })) : [],
    params: locked.params,
    overrides,
    inputs: locked.inputs,
    metrics: locked.metrics ?? null,
    importedFrom: from ? { bundle: from.bundle, bundleSha256: from.bundleSha256, importedAt: from.importedAt } : null,
    lastRun: run ? { id: run.id, status: record?.status, startedAt: record?.startedAt ?? run.startedAt, durationMs: record?.durationMs ?? null } : null,
  };
  if (o.json) {
    printJson(info);
    return 0;
  }
  const lines = [
    `node      ${nodeId}`,
    `type      ${locked.type} v${locked.version}`,
    `key       ${locked.key}`,
    `digest    ${locked.digest}`,
    `artifact  ${check.ok ? dir : `(not in this cache: ${check.reason})`}`,
  ];
  if (info.files.length) lines.push(`files     ${info.files.map((f) => `${f.path} (${formatBytes(f.size)})`).join(', ')}`);
  if (info.lastRun) {
    const timing =
      info.lastRun.durationMs !== null && info.lastRun.durationMs !== undefined ? `ran in ${formatDuration(info.lastRun.durationMs)}` : info.lastRun.status;
    lines.push(`timing    ${timing} (run ${info.lastRun.id}, ${info.lastRun.startedAt})`);
  }
  if (info.importedFrom)
    lines.push(
      `imported  from bundle ${info.importedFrom.bundle} (${info.importedFrom.importedAt}); recompute with: wsol-run verify ${pipelinePath} --recompute ${nodeId}`,
    );
  if (overrides.length) lines.push(`set       ${overrides.join(', ')}${configured ? '' : ' (as the lock records)'}`);
  lines.push(`params    ${JSON.stringify(locked.params)}`);
  if (locked.metrics)
    lines.push(
      '',
      table(
        ['metric', 'value'],
        Object.entries(locked.metrics).map(([k, v]) => [k, formatMetricValue(k, v)]),
      ),
    );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

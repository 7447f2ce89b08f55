import { WsolError } from '../../engine/diagnostics.js';
import { listRuns } from '../../engine/run-store.js';
import { formatBytes, formatDuration, formatMetric, table } from '../format.js';
import { printJson } from './common.js';
import { lockedResult } from './locked-result.js';

export interface ShowOptions {
  cache?: string;
  path?: boolean;
  json?: boolean;
}

/** A node's latest result: artifact path, metrics, timing (from the lock file and the run store). */
export async function showCommand(pipelinePath: string, nodeId: string, o: ShowOptions): Promise<number> {
  const { file, locked, cacheDir, dir, check } = await lockedResult(pipelinePath, nodeId, o.cache);
  if (o.path) {
    if (!check.ok)
      throw new WsolError({
        node: nodeId,
        message: `the result of '${nodeId}' is not in cache ${cacheDir}: ${check.reason}`,
        hint: `re-run the pipeline to recompute it: wsol-run ${pipelinePath}`,
      });
    process.stdout.write(`${dir}\n`);
    return 0;
  }
  const run = (await listRuns(cacheDir)).find(
    (r) => r.pipeline === file && r.nodes[nodeId] && (r.nodes[nodeId]!.status === 'done' || r.nodes[nodeId]!.digest === locked.digest),
  );
  const record = run?.nodes[nodeId];
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
    inputs: locked.inputs,
    metrics: locked.metrics ?? null,
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
  lines.push(`params    ${JSON.stringify(locked.params)}`);
  if (locked.metrics)
    lines.push(
      '',
      table(
        ['metric', 'value'],
        Object.entries(locked.metrics).map(([k, v]) => [k, formatMetric(v)]),
      ),
    );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

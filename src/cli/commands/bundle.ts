import { basename, relative } from 'node:path';
import { exportBundle, type ResultSelection } from '../../engine/bundle/export.js';
import { DEFAULT_IMPORT_LIMITS, importBundle, type ImportResult } from '../../engine/bundle/import.js';
import { WsolError } from '../../engine/diagnostics.js';
import { formatBytes } from '../format.js';
import { cacheDirOf } from '../options.js';
import { loadPipeline } from '../../engine/load/load-pipeline.js';
import { nodeTypes } from '../../nodes/registry.js';
import { load, printJson, type PipelineOptions } from './common.js';
import { configurationFlags, shellWord } from './locked-result.js';

/** Options of `wsol-run export`, as commander parses them: the bundle file, which cached results to pack, and whether to pack plugin files. */
export interface ExportOptions extends PipelineOptions {
  output?: string;
  results?: string[];
  withPlugins?: boolean;
}

function selection(values: string[] | undefined): ResultSelection {
  if (!values || values.length === 0) return 'none';
  if (values.length === 1 && (values[0] === 'all' || values[0] === 'none')) return values[0];
  if (values.includes('all') || values.includes('none'))
    throw new WsolError({ message: `--results ${values.join(' ')}: "all" and "none" stand alone`, hint: 'give all, none, or node ids' });
  return values;
}

export async function exportCommand(pipelinePath: string, o: ExportOptions): Promise<number> {
  const { pipeline, fileDigest } = await load(pipelinePath, o);
  const out = o.output ?? `${basename(pipelinePath).replace(/\.json$/i, '')}.bundle.tar.gz`;
  const r = await exportBundle(pipeline, {
    cacheDir: cacheDirOf(o.cache),
    out,
    results: selection(o.results),
    fileDigest,
    withPlugins: o.withPlugins ?? false,
  });
  if (o.json) printJson({ event: 'exported', ...r });
  else
    process.stdout.write(
      `wrote ${r.file} (${formatBytes(r.bytes)}): the pipeline, its lock${r.artifacts ? ` and ${r.artifacts} result(s) of ${r.nodes.length} node(s) (${formatBytes(r.artifactBytes)} unpacked)` : ', no results (add --results all to include them)'}` +
        `${r.packedPlugins.length ? `, and ${r.packedPlugins.length} plugin(s) (${r.packedPlugins.join(', ')}): the importer takes them with \`wsol-run import --plugins\`` : ''}\n` +
        (r.pluginsNotPacked.length
          ? `note: the pipeline loads ${r.pluginsNotPacked.length} plugin(s) that the bundle does not carry (${r.pluginsNotPacked.join(', ')}): whoever imports it needs them at the same relative paths, with the same contents (their hashes are in every key)${o.withPlugins ? ' (a --plugin module is never packed)' : '; pack the single-file ones the pipeline names with --with-plugins'}\n`
          : ''),
    );
  return 0;
}

/**
 * Options of `wsol-run import`, as commander parses them: where pipeline and
 * lock go, what may be replaced, plugins, and the size limits on a bundle.
 */
export interface ImportOptions {
  cache?: string;
  into?: string;
  overwrite?: boolean;
  keepLocal?: boolean;
  plugin?: string[];
  plugins?: boolean;
  maxSize?: number;
  maxEntries?: number;
  json?: boolean;
}

export async function importCommand(bundle: string, o: ImportOptions): Promise<number> {
  const r = await importBundle(bundle, {
    cacheDir: cacheDirOf(o.cache),
    pipelineDir: o.into ?? '.',
    overwrite: o.overwrite ?? false,
    keepLocal: o.keepLocal ?? false,
    writePlugins: o.plugins ?? false,
    loadPipeline: (file, { overrides, pluginBase }) => loadPipeline(file, { overrides, pluginBase, types: nodeTypes, plugins: o.plugin ?? [] }),
    limits: { maxBytes: o.maxSize ?? DEFAULT_IMPORT_LIMITS.maxBytes, maxEntries: o.maxEntries ?? DEFAULT_IMPORT_LIMITS.maxEntries },
  });
  if (o.json) printJson({ event: 'imported', ...r });
  else {
    const file = relative(process.cwd(), r.pipelineFile) || r.pipelineFile;
    // The command that reuses what was imported: this cache, and the configuration the bundle's results are of.
    const shown = [file, ...(o.cache ? [`--cache ${shellWord(o.cache)}`] : []), ...configurationFlags({ set: r.overrides, plugin: o.plugin ?? [] })].join(' ');
    process.stdout.write(
      `imported ${shown} and its lock; ${r.imported} result(s) added to the cache (${formatBytes(r.bytes)}), ${r.present} already there\n` +
        r.keptLocal
          .map(
            (k) =>
              `kept local: ${k.node} (key ${k.key.slice(0, 12)}): this cache's ${k.local.slice(0, 12)} stays in force, the bundle's ${k.bundle.slice(0, 12)} was not recorded\n`,
          )
          .join('') +
        pluginLines(bundle, r.plugins, o.into ?? '.') +
        `next: wsol-run ${shown}   (what the bundle brought is reused; \`wsol-run verify ${shown}\` recomputes the rest and compares)\n`,
    );
  }
  return 0;
}

function pluginLines(bundle: string, plugins: ImportResult['plugins'], into: string): string {
  const list = (status: string): string[] => plugins.filter((p) => p.status === status).map((p) => p.path);
  const written = list('written');
  const present = list('present');
  const skipped = list('not-written');
  return (
    (written.length ? `wrote ${written.length} plugin(s) the bundle carries: ${written.join(', ')} (their code runs in every run of this pipeline)\n` : '') +
    (present.length ? `${present.length} plugin(s) the bundle carries were there already, identical: ${present.join(', ')}\n` : '') +
    (skipped.length
      ? `the bundle carries ${skipped.length} plugin(s) (${skipped.join(', ')}), not written: the ones in ${into} were used; to take the bundle's, import into a folder without them with --plugins: wsol-run import ${bundle} --into DIR --plugins\n`
      : '')
  );
}

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { acceptedKinds, type InputSpec, type JsonObject, type JsonValue } from '../../nodes/contract.js';
import type { RegisteredNodeType } from '../../nodes/registry.js';
import { loadPlugins, pluginRef, type PluginRef } from '../../nodes/plugins.js';
import { isUserError } from '../../core/errors.js';
import { WsolError, didYouMean, type Diagnostic } from '../diagnostics.js';
import { findCycle, graphOf, topologicalOrder } from '../graph.js';
import type { NodeDeclaration, PipelineFile, ResolvedNode, ResolvedPipeline } from '../pipeline.js';
import { parseJsonSource, type JsonSource } from './json-source.js';
import { interpolate } from './interpolate.js';
import { applyOverrides, parseOverride } from './overrides.js';
import { presetOverrides, presetProblems } from './presets.js';
import { coordinatePairs, instanceId, normalizeReference, parseReference, selectorPairs, type Reference } from './references.js';
import { getPipelineSchema, prepareValidators, validateAgainst } from './schema-validation.js';
import { PIPELINE_SCHEMA_ID, nodeSchemaId } from './schema-ids.js';

/** A whole param value `${matrix.axis}`: the instance's coordinate on that axis. */
const MATRIX_REF = /^\$\{matrix\.([A-Za-z_][A-Za-z0-9_-]*)\}$/;

/** How a pipeline file is loaded: overrides and preset, the node types known, extra plugins and nodes, and where its plugins resolve. */
export interface LoadOptions {
  /** `--set path=value` strings, applied in order. */
  overrides?: readonly string[];
  /** `--preset NAME`: the file's preset of that name, applied as `--set params.x=v` before `overrides`. */
  preset?: string;
  types: ReadonlyMap<string, RegisteredNodeType>;
  /** --plugin paths (relative to the working directory), loaded after the file's own. */
  plugins?: readonly string[];
  /** Nodes added to the file's (e.g. the report `wsol-run report` builds for a pipeline without one). */
  extraNodes?: Record<string, NodeDeclaration>;
  /**
   * The folder the file's "plugins" resolve against (default: the file's own). `import` checks a bundle's
   * pipeline where it was unpacked, but its plugins are the ones beside the place it is imported into.
   */
  pluginBase?: string;
}

/** A pipeline file loaded and resolved, with the sha256 of its bytes for the lock. */
export interface LoadedPipeline {
  pipeline: ResolvedPipeline;
  /** sha256 of the file's bytes, recorded in the lock file. */
  fileDigest: string;
}

/** Reads, validates, expands and wires a pipeline file. Throws WsolError with located diagnostics. */
export async function loadPipeline(path: string, options: LoadOptions): Promise<LoadedPipeline> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new WsolError({
      file: path,
      message: code === 'ENOENT' ? 'pipeline file not found' : `cannot read the pipeline file (${code ?? String(e)})`,
      hint: code === 'ENOENT' ? 'check the path; shipped pipelines are in pipelines/' : undefined,
    });
  }
  const source = parseJsonSource(text, path, 'pipeline');
  await prepareValidators([[PIPELINE_SCHEMA_ID, getPipelineSchema()]]);
  checkFileSchema(source, source.value, false);
  const plugins = await loadPipelinePlugins(source, options.pluginBase ?? dirname(file), options.plugins ?? []);
  await prepareSchemas(options.types);
  const pipeline = resolveCheckedPipeline(source, options);
  return { pipeline: { ...pipeline, file, plugins }, fileDigest: createHash('sha256').update(text).digest('hex') };
}

/** Loads the file's plugins (relative to it) and the command line's (relative to the working directory), each problem located. */
async function loadPipelinePlugins(source: JsonSource, dir: string, extra: readonly string[]): Promise<PluginRef[]> {
  const declared = ((source.value as { plugins?: string[] }).plugins ?? []).map((path, i) => ({
    path,
    base: dir,
    pointer: `/plugins/${i}` as string | undefined,
  }));
  const all = [...declared, ...extra.map((path) => ({ path, base: process.cwd(), pointer: undefined }))];
  const refs: PluginRef[] = [];
  for (const { path, base, pointer } of all) {
    try {
      const ref = pluginRef(path, base);
      await loadPlugins([ref.url]);
      if (!refs.some((r) => r.url === ref.url)) refs.push(ref);
    } catch (e) {
      const message = `cannot load plugin ${path}: ${e instanceof Error ? e.message : String(e)}`;
      const hint =
        isUserError(e) && e.hint
          ? e.hint
          : 'a plugin is an ES module (.js) whose default export is definePlugin({ name, nodes?, heads?, mapMethods? }); paths in "plugins" are relative to the pipeline file';
      if (pointer !== undefined) fail(source, [{ pointer, message, hint }]);
      throw new WsolError({ message: `--plugin ${path}: ${message}`, hint });
    }
  }
  return refs;
}

/** Validators for the pipeline schema and every node type's params (needed before resolvePipeline). */
export function prepareSchemas(types: ReadonlyMap<string, RegisteredNodeType>): Promise<void> {
  return prepareValidators([
    [PIPELINE_SCHEMA_ID, getPipelineSchema()],
    ...[...types.values()].map((t): [string, RegisteredNodeType['params']] => [nodeSchemaId(t.type), t.params]),
  ]);
}

function fail(source: JsonSource, problems: Omit<Diagnostic, 'file'>[]): never {
  throw new WsolError(
    problems.map((p) => (p.pointer !== undefined ? { ...source.at(p.pointer, p.message), ...p, file: source.file } : { ...p, file: source.file })),
  );
}

function checkFileSchema(source: JsonSource, data: unknown, afterOverrides: boolean): void {
  const violations = validateAgainst(getPipelineSchema(), data);
  if (violations.length) {
    fail(
      source,
      violations.map((v) => ({
        pointer: v.pointer,
        message: v.message + (afterOverrides ? ' (after applying --set)' : ''),
        hint: v.hint,
      })),
    );
  }
}

/** The pure part of loading: from parsed JSON to a resolved pipeline. */
export function resolvePipeline(source: JsonSource, options: LoadOptions): Omit<ResolvedPipeline, 'file' | 'plugins'> {
  checkFileSchema(source, source.value, false);
  return resolveCheckedPipeline(source, options);
}

/** resolvePipeline for a source already checked against the pipeline schema (loadPipeline checks it before loading plugins). */
/** Each node's input references by input name; references to unknown nodes or inputs, and missing required inputs, go to `problems`. */
function parseReferences(raw: PipelineFile, types: LoadOptions['types'], problems: Omit<Diagnostic, 'file'>[]): Map<string, Map<string, Reference[]>> {
  const refs = new Map<string, Map<string, Reference[]>>();
  for (const [id, decl] of Object.entries(raw.nodes)) {
    const nodeType = types.get(decl.type)!;
    const byInput = new Map<string, Reference[]>();
    for (const [inputName, value] of Object.entries(decl.inputs ?? {})) {
      const pointer = `/nodes/${id}/inputs/${inputName}`;
      if (!specFor(nodeType, inputName)) {
        const declared = Object.keys(nodeType.inputs);
        problems.push({
          pointer,
          node: id,
          message: `node type ${decl.type} has no input '${inputName}'.${didYouMean(inputName, declared)}`,
          hint: declared.length ? `inputs of ${decl.type}: ${declared.join(', ')}` : `${decl.type} takes no inputs`,
        });
        continue;
      }
      const list = (Array.isArray(value) ? value : [value]).map(parseReference);
      list.forEach((r, i) => {
        if (!(r.base in raw.nodes)) {
          problems.push({
            pointer: Array.isArray(value) ? `${pointer}/${i}` : pointer,
            node: id,
            message: `input '${inputName}' refers to '${r.base}', which is not a node of this pipeline.${didYouMean(r.base, Object.keys(raw.nodes))}`,
            hint: `nodes: ${Object.keys(raw.nodes).join(', ')}`,
          });
        } else if (r.base === id) {
          problems.push({ pointer, node: id, message: `node '${id}' takes its own output as input '${inputName}'` });
        }
      });
      byInput.set(inputName, list);
    }
    for (const [inputName, spec] of Object.entries(nodeType.inputs)) {
      if (inputName !== '*' && !spec.optional && !byInput.has(inputName)) {
        problems.push({
          pointer: `/nodes/${id}${decl.inputs ? '/inputs' : ''}`,
          node: id,
          message: `missing required input '${inputName}' (kind ${acceptedKinds(spec).join(' or ')})`,
          hint: `wire it: "inputs": { "${inputName}": "<node id>" }`,
        });
      }
    }
    refs.set(id, byInput);
  }
  return refs;
}

function resolveCheckedPipeline(source: JsonSource, options: LoadOptions): Omit<ResolvedPipeline, 'file' | 'plugins'> {
  const { types } = options;
  const raw = structuredClone(source.value) as unknown as PipelineFile;
  if (options.extraNodes) raw.nodes = { ...raw.nodes, ...structuredClone(options.extraNodes) };
  const presetErrors = presetProblems(raw);
  if (presetErrors.length) fail(source, presetErrors);
  const preset = presetOverrides(raw, options.preset);
  if (preset.problem) fail(source, [preset.problem]);
  const given = [...preset.overrides, ...(options.overrides ?? [])];
  const overrides = given.map(parseOverride);
  if (overrides.length) {
    applyOverrides(raw, overrides, types);
    checkFileSchema(source, raw, true);
  }
  const params = raw.params ?? {};
  const problems: Omit<Diagnostic, 'file'>[] = [];

  // 1. Node types exist.
  for (const [id, decl] of Object.entries(raw.nodes)) {
    if (!types.has(decl.type)) {
      problems.push({
        pointer: `/nodes/${id}/type`,
        node: id,
        message: `unknown node type '${decl.type}'.${didYouMean(decl.type, types.keys())}`,
        hint: `known types: ${[...types.keys()].sort().join(', ')}`,
      });
    }
  }
  if (problems.length) fail(source, problems);

  // 2. References point at declared nodes and inputs are declared by the type.
  const refs = parseReferences(raw, types, problems);
  if (problems.length) fail(source, problems);

  // 3. No cycles among the declared nodes.
  const baseDeps: [string, string][] = [];
  for (const [id, byInput] of refs) for (const list of byInput.values()) for (const r of list) baseDeps.push([r.base, id]);
  const baseGraph = graphOf(Object.keys(raw.nodes), baseDeps);
  const cycle = findCycle(baseGraph);
  if (cycle) {
    fail(source, [
      {
        pointer: `/nodes/${cycle[0]}/inputs`,
        node: cycle[0],
        message: `the pipeline has a cycle: ${cycle.join(' -> ')}`,
        hint: 'a node cannot depend, directly or indirectly, on its own output',
      },
    ]);
  }

  // 4. Expand matrices in topological order so inherited coordinates are known.
  const nodes = new Map<string, ResolvedNode>();
  const instances = new Map<string, string[]>();
  for (const base of topologicalOrder(baseGraph)) {
    const decl = raw.nodes[base]!;
    // An upstream node that failed to expand has its problem recorded already.
    if ([...refs.get(base)!.values()].some((list) => list.some((r) => !instances.has(r.base)))) continue;
    for (const node of expandNode({ base, decl, inputRefs: refs.get(base)!, params, done: nodes, instances, nodeType: types.get(decl.type)!, problems })) {
      if (nodes.has(node.id)) {
        problems.push({
          pointer: `/nodes/${base}/matrix`,
          node: node.id,
          message: `the matrix yields '${node.id}' twice`,
          hint: 'remove the repeated value from the matrix',
        });
        continue;
      }
      nodes.set(node.id, node);
      const list = instances.get(base);
      if (list) list.push(node.id);
      else instances.set(base, [node.id]);
    }
  }
  if (problems.length) fail(source, problems);
  return { name: raw.name, params, overrides: given, nodes, instances };
}

function specFor(nodeType: RegisteredNodeType, inputName: string): InputSpec | undefined {
  return nodeType.inputs[inputName] ?? nodeType.inputs['*'];
}

interface Combination {
  coords: JsonObject;
  /** Bare reference (its base id) or partial selector (its text) -> the chosen instance id. */
  picks: Map<string, string>;
}

/**
 * The instances a partial selector picks (`localizer[variant=vst]` where the instances are
 * `localizer[seed=0,variant=vst]`, ...): those whose coordinates include every written pair. Null when the
 * reference names one instance exactly (the ordinary case) or matches none (reported where inputs are wired).
 */
function partialSelection(r: Reference, upstream: readonly string[], done: Map<string, ResolvedNode>): string[] | null {
  if (r.form !== 'instance' || instanceNamed(upstream, r.id) !== undefined) return null;
  const wanted = selectorPairs(r.id);
  const matches = upstream.filter((u) => {
    const pairs = coordinatePairs(done.get(u)!.coords);
    return wanted.every((w) => pairs.includes(w));
  });
  return matches.length > 0 ? matches : null;
}

const byNormalizedId = new WeakMap<readonly string[], Map<string, string>>();

/**
 * The first of a node's instances whose normalised id is `id`. Indexed once per instance list
 * (lists are complete when referenced: upstream nodes expand first), not scanned per reference.
 */
function instanceNamed(upstream: readonly string[], id: string): string | undefined {
  let index = byNormalizedId.get(upstream);
  if (!index) {
    index = new Map();
    for (const u of upstream) {
      const k = normalizeReference(u);
      if (!index.has(k)) index.set(k, u);
    }
    byNormalizedId.set(upstream, index);
  }
  return index.get(id);
}

/** An instance's coordinates without the axes a selector fixed (those are not this node's coordinates). */
function withoutSelected(coords: JsonObject, r: Reference): JsonObject {
  if (r.form !== 'instance') return coords;
  const fixed = new Set(selectorPairs(r.id).map((pair) => pair.slice(0, pair.indexOf('='))));
  return Object.fromEntries(Object.entries(coords).filter(([axis]) => !fixed.has(axis)));
}

function consistent(a: JsonObject, b: JsonObject): boolean {
  for (const [k, v] of Object.entries(b)) if (k in a && JSON.stringify(a[k]) !== JSON.stringify(v)) return false;
  return true;
}

/** What expandNode needs: one declared node, what is resolved so far, and where its problems go. */
interface Expansion {
  /** The declared node id (its instances get matrix coordinates appended). */
  base: string;
  decl: NodeDeclaration;
  /** Its parsed input references, by input name. */
  inputRefs: Map<string, Reference[]>;
  /** The pipeline's params (after overrides), for `${params.x}`. */
  params: JsonObject;
  /** Nodes resolved so far (every upstream node is, in topological order). */
  done: Map<string, ResolvedNode>;
  /** Declared id -> its instances' ids, so far. */
  instances: Map<string, string[]>;
  nodeType: RegisteredNodeType;
  problems: Omit<Diagnostic, 'file'>[];
}

function expandNode({ base, decl, inputRefs, params, done, instances, nodeType, problems }: Expansion): ResolvedNode[] {
  const start = problems.length;
  const withValues = interpolate(decl.with ?? {}, params, ['nodes', base, 'with'], problems) as JsonObject;

  // Inherit coordinates from bare references to expanded upstream nodes.
  let combos: Combination[] = [{ coords: {}, picks: new Map() }];
  const inherited = new Set<string>();
  // A partial selector (`node[axis=value]` naming several instances) expands this node over the instances it
  // picks, like a bare reference, minus the axes it fixes: `localizer[variant=vst]` below a per-seed matrix
  // gives one instance per seed, and a second selector of the same node agrees with it on the seed.
  for (const list of inputRefs.values()) {
    for (const r of list) {
      const selected = r.form === 'bare' ? instances.get(r.base)! : partialSelection(r, instances.get(r.base)!, done);
      const pickKey = r.form === 'bare' ? r.base : r.text;
      if (!selected || inherited.has(pickKey)) continue;
      if (r.form === 'bare' && selected.length === 1 && Object.keys(done.get(selected[0]!)!.coords).length === 0) continue;
      inherited.add(pickKey);
      const next: Combination[] = [];
      for (const c of combos) {
        for (const instance of selected) {
          const coords = withoutSelected(done.get(instance)!.coords, r);
          if (consistent(c.coords, coords)) next.push({ coords: { ...c.coords, ...coords }, picks: new Map([...c.picks, [pickKey, instance]]) });
        }
      }
      combos = next;
    }
  }
  if (combos.length === 0) {
    problems.push({
      pointer: `/nodes/${base}/inputs`,
      node: base,
      message: 'the matrix values of the expanded inputs never agree, so this node has no combination to run',
    });
    return [];
  }

  // Own matrix axes: a cartesian product, in declaration order. A named-variant
  // axis contributes its labels as coordinates and sets each variant's params.
  const axes: [string, JsonValue[]][] = [];
  const variantAxes = new Map<string, Record<string, JsonObject>>();
  for (const [axis, rawValues] of Object.entries(decl.matrix ?? {})) {
    const pointer = `/nodes/${base}/matrix/${axis}`;
    const values = interpolate(rawValues as JsonValue, params, ['nodes', base, 'matrix', axis], problems);
    if (values !== null && typeof values === 'object' && !Array.isArray(values)) {
      const variants = values as Record<string, JsonObject>;
      if (combos.some((c) => axis in c.coords)) {
        problems.push({
          pointer,
          node: base,
          message: `matrix axis '${axis}' is already inherited from an expanded input`,
          hint: 'rename the axis or reference a single upstream instance',
        });
        continue;
      }
      if (axis in ((nodeType.params.properties as Record<string, unknown> | undefined) ?? {})) {
        problems.push({
          pointer,
          node: base,
          message: `the variant axis '${axis}' is named like a param of ${decl.type}`,
          hint: 'name a variant axis after what it varies, e.g. "variant" or "recipe"',
        });
        continue;
      }
      variantAxes.set(axis, variants);
      axes.push([axis, Object.keys(variants)]);
      continue;
    }
    if (!Array.isArray(values) || values.length === 0) {
      problems.push({ pointer, node: base, message: `matrix axis '${axis}' must be a non-empty list (or a \${params.x} holding one)` });
      continue;
    }
    if (combos.some((c) => axis in c.coords)) {
      problems.push({
        pointer,
        node: base,
        message: `matrix axis '${axis}' is already inherited from an expanded input`,
        hint: 'rename the axis or reference a single upstream instance',
      });
      continue;
    }
    if (axis in withValues) {
      problems.push({ pointer, node: base, message: `'${axis}' is both a matrix axis and a fixed value in "with"`, hint: `remove "${axis}" from "with"` });
      continue;
    }
    axes.push([axis, values]);
  }
  for (const [axis, values] of axes) {
    combos = combos.flatMap((c) => values.map((v) => ({ coords: { ...c.coords, [axis]: v }, picks: c.picks })));
  }
  if (problems.length > start) return [];

  const ownAxes = new Set(axes.map(([a]) => a));
  const out: ResolvedNode[] = [];
  for (const combo of combos) {
    const id = instanceId(base, combo.coords);
    const candidate: JsonObject = structuredClone(withValues);
    for (const axis of ownAxes) {
      const variants = variantAxes.get(axis);
      if (variants) Object.assign(candidate, structuredClone(variants[combo.coords[axis] as string]!));
      else candidate[axis] = combo.coords[axis]!;
    }
    // "${matrix.axis}" as a whole param value takes this instance's coordinate (own or inherited): a
    // fine-tuning node below a per-seed pretraining node trains with that instance's seed.
    for (const [param, value] of Object.entries(candidate)) {
      const ref = typeof value === 'string' ? MATRIX_REF.exec(value) : null;
      if (!ref) continue;
      const axis = ref[1]!;
      if (axis in combo.coords) candidate[param] = combo.coords[axis]!;
      else {
        problems.push({
          pointer: `/nodes/${base}/with/${param}`,
          node: base,
          message: `\${matrix.${axis}}: this node has no matrix coordinate '${axis}'.${didYouMean(axis, Object.keys(combo.coords))}`,
          hint: Object.keys(combo.coords).length ? `its coordinates: ${Object.keys(combo.coords).join(', ')}` : 'it has no matrix, own or inherited',
        });
      }
    }
    if (problems.length > start) return [];
    for (const v of validateAgainst(nodeType.params, candidate)) {
      const top = v.pointer.split('/')[1] ?? '';
      const fromMatrix = ownAxes.has(top);
      const variantAxis = [...variantAxes].find(([axis, variants]) => top in variants[combo.coords[axis] as string]!)?.[0];
      problems.push({
        pointer: fromMatrix
          ? `/nodes/${base}/matrix/${top}`
          : variantAxis
            ? `/nodes/${base}/matrix/${variantAxis}/${String(combo.coords[variantAxis])}${v.pointer}`
            : `/nodes/${base}/with${v.pointer}`,
        node: id,
        message: `${decl.type}: ${v.pointer ? `param '${v.pointer.slice(1)}'` : 'params'}: ${v.message}`,
        hint: v.hint,
      });
    }
    const inputs: Record<string, string[]> = {};
    for (const [inputName, list] of inputRefs) {
      const spec = specFor(nodeType, inputName)!;
      const producers: string[] = [];
      list.forEach((r) => {
        const upstream = instances.get(r.base)!;
        if (r.form === 'bare') producers.push(combo.picks.get(r.base) ?? upstream[0]!);
        else if (r.form === 'all') producers.push(...upstream);
        else {
          const match = combo.picks.get(r.text) ?? instanceNamed(upstream, r.id);
          if (match) {
            producers.push(match);
            return;
          }
          problems.push({
            pointer: `/nodes/${base}/inputs/${inputName}`,
            node: id,
            message: `input '${inputName}' refers to '${r.text}', which is not an instance of '${r.base}'`,
            hint: `instances: ${upstream.join(', ')}`,
          });
        }
      });
      if (producers.length > 1 && !spec.many) {
        problems.push({
          pointer: `/nodes/${base}/inputs/${inputName}`,
          node: id,
          message: `input '${inputName}' takes one artifact but is given ${producers.length} (${producers.join(', ')})`,
          hint: 'reference a single instance, e.g. node[axis=value]',
        });
      }
      for (const producer of producers) {
        const produced = done.get(producer)?.nodeType.output;
        if (produced && !acceptedKinds(spec).includes(produced)) {
          problems.push({
            pointer: `/nodes/${base}/inputs/${inputName}`,
            node: id,
            message: `input '${inputName}' expects ${acceptedKinds(spec).join(' or ')}, but '${producer}' (${done.get(producer)!.nodeType.type}) produces ${produced}`,
            hint: `wire a node whose output kind is ${acceptedKinds(spec).join(' or ')}`,
          });
        }
      }
      inputs[inputName] = producers;
    }
    if (problems.length > start) continue;
    out.push({
      id,
      base,
      coords: combo.coords,
      nodeType,
      params: candidate,
      inputs,
      resources: { cpu: decl.resources?.cpu ?? nodeType.resources?.cpu ?? 1, gpu: decl.resources?.gpu ?? nodeType.resources?.gpu ?? 0 },
    });
  }
  return out;
}

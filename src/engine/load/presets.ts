/**
 * A pipeline's `presets`: named sets of param values (a smoke size, a paper
 * scale) chosen with `--preset NAME`. A preset is nothing but `--set
 * params.x=v` for each entry, placed before the command line's own `--set`s,
 * so a run with a preset is an experiment like any other (recorded with
 * those overrides, never written to the lock) and `--run ID` replays it
 * without the preset having to exist any more.
 */
import { didYouMean, type Diagnostic } from '../diagnostics.js';
import type { PipelineFile } from '../pipeline.js';

/** Problems of the file's presets (a key that is not a declared param), located; checked on every load so a typo fails `plan` and `locks`. */
export function presetProblems(raw: PipelineFile): Omit<Diagnostic, 'file'>[] {
  const declared = Object.keys(raw.params ?? {});
  const problems: Omit<Diagnostic, 'file'>[] = [];
  for (const [name, values] of Object.entries(raw.presets ?? {}))
    for (const key of Object.keys(values))
      if (!declared.includes(key))
        problems.push({
          pointer: `/presets/${name}/${key}`,
          message: `preset ${name} sets ${key}, which is not a param of this pipeline.${didYouMean(key, declared)}`,
          hint: declared.length ? `declared params: ${declared.join(', ')}` : 'declare it under "params" first',
        });
  return problems;
}

/** The `--set` strings preset `name` stands for (none without a name); an unknown name is a problem naming the file's presets. */
export function presetOverrides(raw: PipelineFile, name: string | undefined): { overrides: string[]; problem?: Omit<Diagnostic, 'file'> } {
  if (name === undefined) return { overrides: [] };
  const presets = raw.presets ?? {};
  const values = presets[name];
  if (!values) {
    const names = Object.keys(presets);
    return {
      overrides: [],
      problem: {
        message: `--preset ${name}: no such preset in this pipeline.${didYouMean(name, names)}`,
        hint: names.length ? `its presets: ${names.join(', ')}` : 'this pipeline declares no "presets"; set params one by one with --set params.name=value',
      },
    };
  }
  return { overrides: Object.entries(values).map(([k, v]) => `params.${k}=${JSON.stringify(v)}`) };
}

import type { FromSchema } from 'json-schema-to-ts';
import { defineNode } from '../contract.js';
import { writeConcatenation } from './text-output.js';

const params = {
  type: 'object',
  properties: { text: { type: 'string', default: '', description: 'Appended after the inputs.' } },
  additionalProperties: false,
} as const;

/** The params of a util/concat node: the text written after the inputs' texts. */
export type ConcatParams = FromSchema<typeof params>;

/** Concatenates its text inputs and a string: the engine's test and benchmark workhorse. */
export const concatNode = defineNode<ConcatParams>({
  type: 'util/concat',
  version: 1,
  description: "Writes out.txt = every input's out.txt in input-name order, then `text`.",
  params,
  inputs: { '*': { kind: 'text', many: true, optional: true, description: 'Any number of text inputs, any names.' } },
  output: 'text',
  async run(ctx) {
    await writeConcatenation(ctx.inputs, ctx.params.text, ctx.outDir);
  },
});

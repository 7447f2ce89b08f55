import { setTimeout as delay } from 'node:timers/promises';
import type { FromSchema } from 'json-schema-to-ts';
import { UserError, defineNode } from '../contract.js';
import { writeConcatenation } from './text-output.js';

const params = {
  type: 'object',
  properties: {
    ms: { type: 'number', minimum: 0, description: 'How long to sleep.' },
    text: { type: 'string', default: '', description: 'Appended after the inputs.' },
    fail: { type: 'string', description: 'If set, fail with this message after sleeping (to exercise failure handling).' },
  },
  required: ['ms'],
  additionalProperties: false,
} as const;

/** The params of a util/sleep node (for exercising the engine): how long to sleep in ms, the text appended, and a message to fail with. */
export type SleepParams = FromSchema<typeof params>;

/** Waits `ms` (reporting progress, honouring cancel), then behaves as util/concat. */
export const sleepNode = defineNode<SleepParams>({
  type: 'util/sleep',
  version: 1,
  description: 'Sleeps `ms` milliseconds with live progress, then writes out.txt like util/concat.',
  params,
  inputs: { '*': { kind: 'text', many: true, optional: true, description: 'Optional text inputs, any names.' } },
  output: 'text',
  async run(ctx) {
    const tick = Math.max(10, Math.min(200, ctx.params.ms / 20));
    const started = Date.now();
    for (;;) {
      const elapsed = Date.now() - started;
      if (elapsed >= ctx.params.ms) break;
      ctx.progress({ fraction: elapsed / ctx.params.ms, message: `${elapsed}/${ctx.params.ms} ms` });
      await delay(Math.min(tick, ctx.params.ms - elapsed), undefined, { signal: ctx.signal });
    }
    ctx.progress({ fraction: 1 });
    if (ctx.params.fail !== undefined) throw new UserError(ctx.params.fail, 'util/sleep was asked to fail (param "fail")');
    await writeConcatenation(ctx.inputs, ctx.params.text, ctx.outDir);
  },
});

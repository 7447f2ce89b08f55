/**
 * A node for the worker-recycling test: it writes the id of the worker thread
 * it ran on, and with `trap` throws what an aborted WebAssembly module throws.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { defineNode, definePlugin } from '../../src/plugin-api.js';

const params = {
  type: 'object',
  properties: { trap: { type: 'boolean', default: false }, label: { type: 'string', default: '' } },
  additionalProperties: false,
} as const;

const threadNode = defineNode<{ trap: boolean; label: string }>({
  type: 'test/thread',
  version: 1,
  description: 'Writes out.txt = the worker thread id; with trap, fails as an aborted wasm module does.',
  params,
  inputs: { '*': { kind: 'text', many: true, optional: true, description: 'Only for ordering.' } },
  output: 'text',
  async run(ctx) {
    ctx.log(`thread ${threadId}`);
    if (ctx.params.trap) {
      // What emscripten's abort throws (a WebAssembly.RuntimeError; the lib types here do not declare the class).
      const trap = new Error('Aborted(). Build with -sASSERTIONS for more info.');
      trap.name = 'RuntimeError';
      throw trap;
    }
    await writeFile(join(ctx.outDir, 'out.txt'), `${threadId}\n`);
  },
});

export default definePlugin({ name: 'trap', nodes: [threadNode] });

/**
 * A node for the cancellation-deadline test: it reads a named pipe (FIFO)
 * with a blocking fs.readFileSync, as a node reading a device or a pipe
 * nobody writes would. Its thread then sits in a system call that neither
 * the cancel signal nor Worker.terminate can interrupt.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineNode, definePlugin } from '../../src/plugin-api.js';

const params = {
  type: 'object',
  properties: { path: { type: 'string' } },
  required: ['path'],
  additionalProperties: false,
} as const;

const fifoNode = defineNode<{ path: string }>({
  type: 'test/fifo-read',
  version: 1,
  description: 'Writes out.txt = what it reads from `path` with a blocking readFileSync (a FIFO: until a writer closes it).',
  params,
  inputs: {},
  output: 'text',
  async run(ctx) {
    ctx.log(`reading ${ctx.params.path}`);
    const text = readFileSync(ctx.params.path, 'utf8');
    writeFileSync(join(ctx.outDir, 'out.txt'), text);
  },
});

export default definePlugin({ name: 'fifo', nodes: [fifoNode] });

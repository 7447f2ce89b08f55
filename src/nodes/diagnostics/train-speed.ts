import type { FromSchema } from 'json-schema-to-ts';
import { defineNode } from '../contract.js';

const params = {
  type: 'object',
  properties: {
    steps: { type: 'integer', minimum: 1, default: 10, description: 'Timed steps.' },
    warmup: { type: 'integer', minimum: 0, default: 2, description: 'Untimed steps first.' },
    batch: { type: 'integer', minimum: 1, default: 32, description: 'Images per step.' },
    size: { type: 'integer', minimum: 8, default: 64, description: 'Image side (pixels).' },
    seed: { type: 'integer', default: 0, description: 'Seed of the random weights and data.' },
  },
  additionalProperties: false,
} as const;

/** The params of a diagnostics/train-speed node, as its schema gives them: timed and warm-up steps, batch, image side and seed. */
export type TrainSpeedParams = FromSchema<typeof params>;

/**
 * Measures training throughput of the reference model (docs/backends.md) on
 * the run's backend: a pipeline-level version of `wsol-run doctor`'s probe,
 * so a machine's speed can be recorded next to the results it produced.
 */
export const trainSpeedNode = defineNode<TrainSpeedParams>({
  type: 'diagnostics/train-speed',
  version: 2,
  description: 'Times Adam training steps of the reference CNN (conv32-pool-conv64-pool-conv128-GAP-dense10) on the run backend.',
  params,
  inputs: {},
  output: 'metrics',
  env: ['backend'],
  async run(ctx) {
    const { tensorsFor } = await import('../../tensor/backends/for-node.js');
    const { timeTrainingSteps, medianStepMs } = await import('../../tensor/train-step-probe.js');
    const { activeKernelModule } = await import('../../tensor/backends/init.js');
    const tf = await tensorsFor(ctx.env);
    const p = ctx.params;
    ctx.progress({ fraction: 0, message: `${tf.getBackend()}: warming up` });
    const t = await timeTrainingSteps(tf, { steps: p.steps, warmup: p.warmup, batch: p.batch, size: p.size, seed: p.seed });
    const median = medianStepMs(t);
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    await writeFile(join(ctx.outDir, 'steps.json'), JSON.stringify({ backend: ctx.env.backend, stepMs: t.stepMs, losses: t.losses }, null, 2));
    return {
      metrics: {
        imagesPerSecond: Math.round((p.batch * 1000 * 10) / median) / 10,
        medianStepMs: Math.round(median * 10) / 10,
        finalLoss: t.losses.at(-1) ?? null,
        // The threads the measurement ran with (the node's share of the cores), null without the kernel module.
        kernelThreads: activeKernelModule()?.threads ?? null,
      },
    };
  },
});

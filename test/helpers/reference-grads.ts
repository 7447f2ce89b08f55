/**
 * Child process for test/tensor/full-size-gradients.test.ts: the gradients
 * of the reference model at full input size (64x64, batch from argv) from
 * fixed weights and inputs, on the wasm backend with whatever kernels the
 * environment selects; printed as JSON { name: number[] }.
 */
import { initTensorBackend } from '../../src/tensor/backends/init.js';
import { referenceModel } from '../../src/tensor/models/reference.js';

const batch = Number(process.argv[2] ?? 32);
const tf = await initTensorBackend('wasm');
const tfl = await import('@tensorflow/tfjs-layers');
const model = referenceModel(tfl, 10, 64);
model.setWeights(model.getWeights().map((w) => tf.tidy(() => tf.reshape(tf.mul(tf.sin(tf.add(tf.range(0, w.size), w.size)), 0.1), w.shape))));
// A smooth, structured input: it produces the near-ties in max pooling that make forward rounding matter.
const x = tf.tidy(() => tf.reshape(tf.abs(tf.sin(tf.range(0, batch * 64 * 64 * 3))), [batch, 64, 64, 3]));
const y = tf.tidy(() =>
  tf.cast(
    tf.oneHot(
      tf.tensor1d(
        Array.from({ length: batch }, (_, i) => (i * 7) % 10),
        'int32',
      ),
      10,
    ),
    'float32',
  ),
);
const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as never) as never);
const out: Record<string, number[]> = {};
for (const [name, g] of Object.entries(grads)) out[name] = Array.from(g.dataSync());
process.stdout.write(JSON.stringify(out));

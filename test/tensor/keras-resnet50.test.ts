import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type KerasLayer, kerasResnet50LayerName, kerasResnet50Settings, kerasResnet50WeightName } from '../../src/tensor/models/keras-resnet50.js';

const BLOCKS: Record<number, number> = { 2: 3, 3: 4, 4: 6, 5: 3 };

/** The layers of a Keras 2.2 ResNet50 config (what the converter's model.json holds), with overrides. */
function keras22Layers(edit: (layers: KerasLayer[]) => void = () => {}): KerasLayer[] {
  const layers: KerasLayer[] = [
    { class_name: 'InputLayer', config: { name: 'input_1', batch_input_shape: [null, 224, 224, 3] } },
    {
      class_name: 'ZeroPadding2D',
      config: {
        name: 'conv1_pad',
        padding: [
          [3, 3],
          [3, 3],
        ],
      },
    },
    { class_name: 'Conv2D', config: { name: 'conv1', kernel_size: [7, 7], strides: [2, 2], padding: 'valid' } },
    { class_name: 'BatchNormalization', config: { name: 'bn_conv1', epsilon: 0.001 } },
    {
      class_name: 'ZeroPadding2D',
      config: {
        name: 'pool1_pad',
        padding: [
          [1, 1],
          [1, 1],
        ],
      },
    },
    { class_name: 'MaxPooling2D', config: { name: 'max_pooling2d', pool_size: [3, 3], strides: [2, 2] } },
  ];
  for (const [stage, blocks] of Object.entries(BLOCKS))
    for (let b = 0; b < blocks; b++) {
      const letter = String.fromCharCode(97 + b);
      for (const branch of b === 0 ? ['2a', '2b', '2c', '1'] : ['2a', '2b', '2c']) {
        const stride = b === 0 && stage !== '2' && (branch === '2a' || branch === '1') ? 2 : 1;
        layers.push({ class_name: 'Conv2D', config: { name: `res${stage}${letter}_branch${branch}`, strides: [stride, stride] } });
        layers.push({ class_name: 'BatchNormalization', config: { name: `bn${stage}${letter}_branch${branch}`, epsilon: 0.001 } });
      }
    }
  layers.push({ class_name: 'Dense', config: { name: 'fc1000', units: 1000 } });
  edit(layers);
  return layers;
}

test('Keras 2.2 ResNet50 names map onto the Keras 2.3+ names of our backbone', () => {
  const cases: [string, string | null][] = [
    ['conv1', 'conv1_conv'],
    ['bn_conv1', 'conv1_bn'],
    ['res2a_branch2a', 'conv2_block1_1_conv'],
    ['bn2a_branch1', 'conv2_block1_0_bn'],
    ['res3d_branch2c', 'conv3_block4_3_conv'],
    ['bn4f_branch2b', 'conv4_block6_2_bn'],
    ['res5c_branch2a', 'conv5_block3_1_conv'],
    ['fc1000', 'fc'],
    ['res5d_branch2a', null], // stage 5 has three blocks
    ['res3e_branch2a', null],
    ['activation_12', null],
  ];
  for (const [keras, ours] of cases) assert.equal(kerasResnet50LayerName(keras), ours, keras);
  assert.equal(kerasResnet50WeightName('bn3a_branch2a/moving_variance'), 'conv3_block1_1_bn/moving_variance');
  assert.equal(kerasResnet50WeightName('resnet50/res4b_branch2b/kernel:0'), 'conv4_block2_2_conv/kernel');
  assert.equal(kerasResnet50WeightName('fc1000_1/bias'), 'fc/bias');
  assert.equal(kerasResnet50WeightName('kernel'), null);
});

test("the topology check reads the batch norms' epsilon and refuses a network that only shares names", () => {
  assert.deepEqual(kerasResnet50Settings(keras22Layers()), { bnEpsilon: 0.001, classes: 1000, inputSide: 224 });
  const refused: [string, (layers: KerasLayer[]) => void, RegExp][] = [
    ['no pool padding (Keras before 2.2.3)', (l) => l.splice(4, 1), /pool1_pad/],
    [
      'stride on the 3x3 conv (the "v1.5" layout)',
      (l) => {
        l.find((x) => x.config.name === 'res3a_branch2a')!.config.strides = [1, 1];
        l.find((x) => x.config.name === 'res3a_branch2b')!.config.strides = [2, 2];
      },
      /res3a_branch2a has stride 1, expected 2/,
    ],
    [
      'two epsilons',
      (l) => {
        l.find((x) => x.config.name === 'bn5c_branch2c')!.config.epsilon = 1e-5;
      },
      /do not share one epsilon/,
    ],
    [
      'a missing block',
      (l) =>
        l.splice(
          l.findIndex((x) => x.config.name === 'res4f_branch2a'),
          1,
        ),
      /no layer 'res4f_branch2a'/,
    ],
    [
      'a 3x3 stem',
      (l) => {
        l[2]!.config.kernel_size = [3, 3];
      },
      /conv1 is not a 7x7/,
    ],
  ];
  for (const [what, edit, message] of refused) assert.throws(() => kerasResnet50Settings(keras22Layers(edit)), message, what);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startCli, tempDir, writePipeline, type CliResult } from '../helpers/cli.js';

async function fails(pipeline: unknown, extraArgs: string[] = []): Promise<CliResult> {
  const dir = tempDir();
  const file = writePipeline(dir, pipeline);
  const r = await runCli([file, ...extraArgs], dir);
  assert.equal(r.code, 2, `expected exit 2, got ${r.code}: ${r.stdout}${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace without --verbose');
  return r;
}

const ok = {
  name: 'ok',
  nodes: {
    a: { type: 'util/concat', with: { text: 'a' } },
    b: { type: 'util/concat', inputs: { in: 'a' } },
  },
};

test('unparsable JSON names the line and column', async () => {
  const r = await fails('{\n  "name": "x",\n  "nodes": {\n    "a": { "type": "util/concat", }\n  }\n}\n');
  assert.match(r.stderr, /pipeline\.json:4:35: pipeline is not valid JSON: expected a property name in double quotes/);
});

test('a missing pipeline file says so', async () => {
  const dir = tempDir();
  const r = await runCli(['nope.json'], dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nope\.json: pipeline file not found/);
});

test('schema violations name the file, line, JSON pointer and what was expected', async () => {
  const r = await fails({ name: 'x', nodes: { a: { type: 'util/concat', with: { text: 3 } } } });
  assert.match(r.stderr, /pipeline\.json:\d+:\d+: util\/concat: param 'text': expected string, got integer 3 \(node 'a', at \/nodes\/a\/with\/text\)/);
  const typo = await fails({ name: 'x', nodes: { a: { type: 'util/concat', wtih: {} } } });
  assert.match(typo.stderr, /unknown property 'wtih'\. Did you mean 'with'\?/);
  const param = await fails({ name: 'x', nodes: { a: { type: 'util/sleep', with: { mss: 3 } } } });
  assert.match(param.stderr, /unknown property 'mss'\. Did you mean 'ms'\?/);
  assert.match(param.stderr, /missing required property 'ms'/);
});

test('an unknown node type lists the known ones', async () => {
  const r = await fails({ name: 'x', nodes: { a: { type: 'util/concatt' } } });
  assert.match(r.stderr, /unknown node type 'util\/concatt'\. Did you mean 'util\/concat'\?/);
  assert.match(r.stderr, /known types: .*util\/concat.*util\/sleep/);
});

test('a missing or misspelled input reference suggests the right node', async () => {
  const r = await fails({ name: 'x', nodes: { alpha: { type: 'util/concat' }, b: { type: 'util/concat', inputs: { in: 'alpah' } } } });
  assert.match(r.stderr, /input 'in' refers to 'alpah', which is not a node of this pipeline\. Did you mean 'alpha'\?/);
  assert.match(r.stderr, /at \/nodes\/b\/inputs\/in/);
  const inst = await fails({
    name: 'x',
    nodes: { a: { type: 'util/concat', matrix: { text: ['1', '2'] } }, b: { type: 'util/concat', inputs: { in: 'a[text=3]' } } },
  });
  assert.match(inst.stderr, /'a\[text=3\]', which is not an instance of 'a'/);
  assert.match(inst.stderr, /instances: a\[text=1\], a\[text=2\]/);
});

test('a cycle is named', async () => {
  const r = await fails({
    name: 'x',
    nodes: {
      a: { type: 'util/concat', inputs: { in: 'c' } },
      b: { type: 'util/concat', inputs: { in: 'a' } },
      c: { type: 'util/concat', inputs: { in: 'b' } },
    },
  });
  assert.match(r.stderr, /the pipeline has a cycle: a -> b -> c -> a/);
});

test('duplicate node ids are rejected with their location', async () => {
  const r = await fails('{\n "name": "x",\n "nodes": {\n  "a": { "type": "util/concat" },\n  "a": { "type": "util/sleep", "with": { "ms": 1 } }\n }\n}\n');
  assert.match(r.stderr, /pipeline\.json:5:3: duplicate node id 'a'/);
});

test('bad --set paths are explained', async () => {
  let r = await fails(ok, ['--set', 'aa.text=x']);
  assert.match(r.stderr, /--set aa\.text=x: no node 'aa' in pipeline 'ok'\. Did you mean 'a'\?/);
  r = await fails(ok, ['--set', 'a.txt=x']);
  assert.match(r.stderr, /node type util\/concat has no parameter 'txt'\. Did you mean 'text'\?/);
  r = await fails(ok, ['--set', 'a=x']);
  assert.match(r.stderr, /expected node\.key=value/);
  r = await fails({ name: 'x', nodes: { a: { type: 'util/concat', matrix: { text: ['1'] } } } }, ['--set', 'a.text=2']);
  assert.match(r.stderr, /'text' is a matrix axis of 'a'/);
  assert.match(r.stderr, /--set a\.matrix\.text=\[2\]/);
});

test('unknown ${params.x} and bad CLI values are errors', async () => {
  const r = await fails({ name: 'x', params: { seed: 1 }, nodes: { a: { type: 'util/concat', with: { text: '${params.sed}' } } } });
  assert.match(r.stderr, /unknown pipeline variable \$\{params\.sed\}\. Did you mean 'seed'\?/);
  const dir = tempDir();
  const file = writePipeline(dir, ok);
  const jobs = await runCli([file, '--jobs', 'zero'], dir);
  assert.equal(jobs.code, 2);
  assert.match(jobs.stderr, /--jobs must be a positive integer/);
  const force = await runCli([file, '--force', 'zz'], dir);
  assert.equal(force.code, 2);
  assert.match(force.stderr, /--force zz: no such node/);
});

test('--verbose adds the stack trace; --json reports errors as an event', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, { name: 'x', nodes: { a: { type: 'nope/nope' } } });
  const verbose = await runCli([file, '--verbose'], dir);
  assert.equal(verbose.code, 2);
  assert.match(verbose.stderr, /WsolError/);
  const json = await runCli([file, '--json'], dir);
  const event = json.events[0] as { event: string; diagnostics: { message: string; node: string }[] };
  assert.equal(event.event, 'error');
  assert.equal(event.diagnostics[0]!.node, 'a');
});

test('JSON nested 200,000 deep (a pipeline or a lock) is a located error, not a stack overflow', async () => {
  const deep = `{"name": "x", "nodes": {}, "description": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
  const r = await fails(deep);
  assert.match(r.stderr, /pipeline\.json:1:\d+: pipeline nests objects and arrays more than 256 levels deep/);
  const dir = tempDir();
  const file = writePipeline(dir, ok);
  writeFileSync(join(dir, 'pipeline.lock.json'), `{"lockVersion": 2, "nodes": ${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}}`);
  const v = await runCli(['verify', file], dir);
  assert.equal(v.code, 2, v.stdout + v.stderr);
  assert.match(v.stderr, /pipeline\.lock\.json:1:\d+: lock file nests objects and arrays more than 256 levels deep/);
  assert.doesNotMatch(v.stderr, /Maximum call stack|this is a bug/);
});

test('output piped into a reader that goes away (| head -1) ends quietly: no EPIPE, no stack trace', async () => {
  const dir = tempDir();
  const { child, done } = startCli(['types', '--json'], dir);
  child.stdout!.once('data', () => child.stdout!.destroy());
  const r = await done;
  assert.doesNotMatch(r.stderr, /EPIPE|\n\s+at |this is a bug/, r.stderr);
  assert.ok(r.code === 0 || r.code === null, `exit ${r.code}: ${r.stderr}`);
});

test('a lock with wrong field types is a located error (exit 2) for verify, a warning for run, and leaves no run "running"', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, ok);
  assert.equal((await runCli([file], dir)).code, 0);
  const lock = JSON.parse(readFileSync(join(dir, 'pipeline.lock.json'), 'utf8')) as { nodes: Record<string, Record<string, unknown>>; env: unknown };
  lock.nodes.a!.key = 5;
  lock.nodes.b!.inputs = { in: [{ node: 'a', digest: 7 }] };
  writeFileSync(join(dir, 'pipeline.lock.json'), JSON.stringify(lock, null, 2));
  const v = await runCli(['verify', file], dir);
  assert.equal(v.code, 2, v.stdout + v.stderr);
  assert.match(v.stderr, /pipeline\.lock\.json:\d+:\d+: lock file: .*(string|type)/);
  assert.match(v.stderr, /\/nodes\/a\/key/);
  assert.match(v.stderr, /\/nodes\/b\/inputs\/in\/0\/digest/);
  assert.doesNotMatch(v.stderr, /TypeError|this is a bug/);
  const status = await runCli(['status'], dir);
  assert.doesNotMatch(status.stdout, /running/, status.stdout);
  const run = await runCli([file], dir);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout + run.stderr, /ignoring .*pipeline\.lock\.json/);
});

test('a --cache that is a file, or a cache with a file where its folders go, is an environment error (exit 2) and nothing runs', async () => {
  const dir = tempDir();
  const file = writePipeline(dir, ok);
  writeFileSync(join(dir, 'not-a-dir'), 'mine\n');
  for (const args of [[file], ['verify', file]]) {
    const r = await runCli([...args, '--cache', join(dir, 'not-a-dir')], dir);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /not-a-dir: cannot use the cache: a file is in the way of the cache folder.*\((ENOTDIR|EEXIST)\)/);
    assert.doesNotMatch(r.stderr, /this is a bug/);
  }
  assert.equal(readFileSync(join(dir, 'not-a-dir'), 'utf8'), 'mine\n');
  // A cache whose tmp/ is a file.
  const cache = join(dir, 'cache2');
  mkdirSync(cache);
  writeFileSync(join(cache, 'tmp'), 'x');
  const r = await runCli([file, '--cache', cache], dir);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /cache2: cannot use the cache: a file is in the way/);
  assert.ok(!existsSync(join(cache, 'actions')), 'nothing was committed');
});

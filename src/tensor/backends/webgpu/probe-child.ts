/**
 * Child-process entry that lists the WebGPU adapters Dawn finds and prints
 * them as one JSON line. A process of its own: Dawn's native start-up (and
 * a driver that crashes in it) must not touch the CLI, which only reads the
 * answer (probe-cache.ts).
 */
import { findAdapters } from './dawn.js';
import type { WebgpuProbe } from './probe-cache.js';

async function main(): Promise<WebgpuProbe> {
  try {
    const { found, problems } = await findAdapters();
    return { ok: true, adapters: found.map((f) => f.description), problems };
  } catch (e) {
    return { ok: false, adapters: [], problems: [`the webgpu package did not load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`] };
  }
}

process.stdout.write(`${JSON.stringify(await main())}\n`);
// Dawn's instances hold native threads: leave without waiting for them.
process.exit(0);

/**
 * The one source of seeded randomness: every generated dataset, every
 * shuffle, every augmentation draw and every initial weight is a pure
 * function of a seed. A stream is named by the seed plus labels (e.g.
 * `rng(seed, 'train', 17)`, `rng(seed, 'shuffle', epoch)`), so each consumer
 * draws from its own stream and changing one count, split or epoch never
 * reshuffles the others.
 *
 * Generator: sfc32 (small, fast, passes PractRand to large sizes), its state
 * filled by splitmix32 from an FNV-1a hash of the stream name. tfjs's own
 * initializers take an integer seed: streamSeed gives one per named stream.
 */

/** One named random stream (sfc32), as rng(seed, ...labels) returns it: draws that depend only on the seed and the stream's name. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[];
  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function streamName(seed: number, stream: readonly (string | number)[]): string {
  return `${seed}|${stream.join('|')}`;
}

/** A 31-bit integer seed for a named stream (for tfjs ops that take a seed, e.g. initializers). */
export function streamSeed(seed: number, ...stream: (string | number)[]): number {
  return fnv1a(streamName(seed, stream)) >>> 1;
}

/** Fisher-Yates permutation of 0..n-1. */
export function permutation(n: number, random: Rng): number[] {
  return random.shuffle(Array.from({ length: n }, (_, i) => i));
}

export function rng(seed: number, ...stream: (string | number)[]): Rng {
  const init = { s: fnv1a(streamName(seed, stream)) };
  let a = splitmix32(init);
  let b = splitmix32(init);
  let c = splitmix32(init);
  let d = splitmix32(init);
  const nextU32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) nextU32();
  const next = (): number => nextU32() / 4294967296;
  let spare: number | null = null;
  const r: Rng = {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    normal: () => {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      const u = 1 - next();
      const v = next();
      const m = Math.sqrt(-2 * Math.log(u));
      spare = m * Math.sin(2 * Math.PI * v);
      return m * Math.cos(2 * Math.PI * v);
    },
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j]!, items[i]!];
      }
      return items;
    },
    pick: (items) => {
      if (items.length === 0) throw new Error('rng.pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
  };
  return r;
}

/**
 * A network head: what sits on the backbone's last activation and turns it
 * into what a method trains on (class scores, class maps, boxes). Each head
 * is one module exporting a HeadType, registered in registry.ts (or by a
 * plugin), so a new head touches no other head, no trainer and no network
 * code. A head's config is `{kind, ...its params}`; it is stored in the model
 * artifact, so a saved network is rebuilt from it.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import type { JsonObject, JsonSchema } from '../../../core/json.js';
import type { Tf } from '../../backends/init.js';
import type { ParamStore } from '../../nn/params.js';

type T2 = TfCore.Tensor2D;
type T4 = TfCore.Tensor4D;

/** A head as it appears in a network config: its kind plus its params (defaults filled in). */
export type HeadConfig = { kind: string } & JsonObject;

/** What a head's outputs may include; trainers accept the heads that provide what they need. */
export type HeadCapability = 'logits' | 'classMaps' | 'boxes';

/** What a head's forward pass gives, depending on the head: class scores, a second branch's scores, class maps, boxes. */
export interface HeadOutput {
  /** Class scores the method reports [N, C] (the localizer's, for STL). */
  logits?: T2;
  /** A second branch's class scores [N, C] (STL's classifier branch). */
  classifierLogits?: T2;
  /** Class maps [N, h, w, C] where the head makes them directly. */
  maps?: T4;
  /** Box regression output [N, 4]. */
  boxes?: T2;
}

/** The backbone output a head is built on. */
export interface HeadInput {
  /** Channels of the last backbone activation. */
  channels: number;
  /** Total stride of the backbone (input side / feature side). */
  stride: number;
  /** Network input size. */
  inputSize: { height: number; width: number };
  /** Height and width of the backbone's last activation for that input. */
  featureSize: { height: number; width: number };
  classes: number;
}

/** A head built on a backbone (HeadType.build): its forward pass, and its class maps where it has them. */
export interface Head {
  apply(features: T4, training: boolean): HeadOutput;
  /** Class maps [N, h, w, C] of a forward output, at the features' resolution; absent for heads without class maps. */
  classMaps?(features: T4, out: HeadOutput): T4;
}

/** A head kind, as one module exports it and the head registry (or a plugin) registers it: its params, capabilities, and how to build it. */
export interface HeadType<C extends HeadConfig = HeadConfig> {
  kind: C['kind'];
  description: string;
  /** JSON Schema properties of the head's params (besides `kind`), with defaults. */
  params: Record<string, JsonSchema>;
  provides: readonly HeadCapability[];
  /** Creates the head's parameters in `store` (names must not collide with the backbone's). */
  build(tf: Tf, store: ParamStore, input: HeadInput, config: C): Head;
}

/** The config type of a head from its kind and its params' schema. */
export type HeadConfigOf<K extends string, P extends Record<string, JSONSchema>> = FromSchema<{
  type: 'object';
  properties: P;
  additionalProperties: false;
}> & { kind: K };

/** Typed identity helper, as defineNode is for node types. */
export function defineHead<C extends HeadConfig>(head: HeadType<C>): HeadType<C> {
  return head;
}

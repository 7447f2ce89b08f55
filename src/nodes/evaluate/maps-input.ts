/**
 * How the evaluation nodes take a maps artifact: which preprocessing `auto`
 * means for it, and one split of it as the evaluator's MapSet. Shared by
 * evaluate/localization and export/wsolevaluation so both read maps alike.
 */
import { mapAt, type MapsManifest, type MapsSplit } from '../../artifacts/maps.js';
import type { MapSet } from '../../evaluation/localization.js';
import { SCOREMAP_LABEL_PREFIX } from '../../methods/maps/map-method.js';

/** How the evaluator takes a split's maps: raw maps resized and min-max normalised, or score maps used as they are (what `auto` resolves to). */
export type Preprocess = 'resize-normalize' | 'none';

/** `auto`: maps imported from .npy are score maps already (as the tool reads them); others are raw. */
export function resolvePreprocess(param: Preprocess | 'auto', manifest: Pick<MapsManifest, 'method'> | null): Preprocess {
  if (param !== 'auto') return param;
  return manifest?.method.startsWith(SCOREMAP_LABEL_PREFIX) ? 'none' : 'resize-normalize';
}

export function mapSetOf(stored: MapsSplit, target: MapsManifest['target']): MapSet {
  return { width: stored.entry.width, height: stored.entry.height, target, map: (i) => mapAt(stored, i) };
}

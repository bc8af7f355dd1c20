// What a row change (NOTIFY misto_changes) does to the map: which layers it touches and which
// tiles at each zoom, from the old and the new bounding box of the row. The tile cache drops
// exactly those tiles; the live stream tells the web map which layers and area to refresh.
import type { Change } from '../server/live/changes.js';
import { LAYERS, type TileLayer } from './layers.js';
import { MAX_ZOOM, tilesTouching, type BBox, type TileRange } from './tile.js';

export { tilesTouching };

/** The ids of the layers whose tiles a change of this table can alter. */
export function layersAffectedBy(change: Pick<Change, 'table'>): string[] {
  return LAYERS.filter((l) => change.table in l.changedBy).map((l) => l.id);
}

function grow(b: BBox, by: number): BBox {
  return [b[0] - by, b[1] - by, b[2] + by, b[3] + by];
}

export interface LayerChange {
  layer: TileLayer;
  /** The boxes (old and new geometry) whose features may have changed, in WGS 84. */
  boxes: BBox[];
}

/** Per affected layer, the boxes to redraw: the row's old and new box, grown by the layer's reach. */
export function changedAreas(change: Change): LayerChange[] {
  const boxes = [change.old, change.new].filter((b): b is BBox => Array.isArray(b) && b.length === 4 && b.every(Number.isFinite));
  return LAYERS.filter((l) => change.table in l.changedBy).map((layer) => {
    const reach = layer.changedBy[change.table] ?? 0;
    return { layer, boxes: boxes.map((b) => grow(b, reach)) };
  });
}

/** For each zoom a layer is served at, the blocks of tiles a change touches. */
export function tileRangesFor(area: LayerChange): TileRange[] {
  const ranges: TileRange[] = [];
  for (let z = area.layer.minzoom; z <= MAX_ZOOM; z++) {
    for (const box of area.boxes) ranges.push(tilesTouching(box, z));
  }
  return ranges;
}

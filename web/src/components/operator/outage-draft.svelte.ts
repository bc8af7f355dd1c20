// The outage being drawn, shared by the side form and the map tool: how the zone is given (polygon, network line with a buffer, street range), the outage's own fields, and the server's live count of affected addresses.
import { area, kinks, polygon } from '@turf/turf';
import type { LngLat } from '../../map/context.js';
import type { Utility, ZoneBody, ZonePreview } from './staff-api.js';
import { toLocalInput } from './local-time.js';

export type ZoneMode = 'polygon' | 'line' | 'street';

/** The first corner "catches" a click this close to it (pixels) and closes the polygon. */
export const CLOSE_TOLERANCE_PX = 12;

export class OutageDraft {
  mode = $state<ZoneMode>('polygon');
  /** Corners of the drawn polygon, in order (the ring closes itself). */
  vertices = $state<LngLat[]>([]);
  /** The drawing is finished: clicks on the map no longer add corners. */
  closed = $state(false);
  line = $state<{ id: number; kind: string } | null>(null);
  /** Metres; empty (null) while the operator retypes it. */
  bufferM = $state<number | null | undefined>(50);
  street = $state<{ id: number; name: string } | null>(null);
  houseFrom = $state('');
  houseTo = $state('');
  parity = $state<'' | 'odd' | 'even'>('');

  utility = $state<Utility>('water');
  kind = $state<'planned' | 'emergency'>('emergency');
  executorId = $state('');
  startsAt = $state(toLocalInput(Math.floor(Date.now() / 60_000) * 60_000));
  endsAt = $state(toLocalInput(Math.floor(Date.now() / 60_000) * 60_000 + 4 * 3_600_000));
  publicText = $state('');

  preview = $state<ZonePreview | null>(null);
  previewing = $state(false);

  /** The drawn ring as a GeoJSON polygon, once it has three corners. */
  get ring(): number[][] | null {
    if (this.vertices.length < 3) return null;
    const first = this.vertices[0]!;
    return [...this.vertices.map((v) => [v[0], v[1]]), [first[0], first[1]]];
  }

  /** What is wrong with the drawing, checked here before the server is asked: too few corners, or edges that cross. */
  get polygonProblem(): 'tooFew' | 'crossing' | null {
    const ring = this.ring;
    if (!ring) return 'tooFew';
    return kinks(polygon([ring])).features.length > 0 ? 'crossing' : null;
  }

  /** The drawn area in square metres (turf, on the sphere). */
  get drawnArea(): number {
    const ring = this.ring;
    return ring && this.polygonProblem === null ? area(polygon([ring])) : 0;
  }

  /** The zone as the API takes it, or null while it is incomplete. */
  get zone(): ZoneBody | null {
    switch (this.mode) {
      case 'polygon':
        return this.ring && this.polygonProblem === null ? { polygon: { type: 'Polygon', coordinates: [this.ring] } } : null;
      case 'line': {
        const buffer = this.bufferM;
        return this.line && typeof buffer === 'number' && Number.isFinite(buffer) ? { line: { object_id: this.line.id }, buffer_m: buffer } : null;
      }
      case 'street': {
        if (!this.street) return null;
        const num = (s: string) => (/^\d{1,6}$/.test(s.trim()) ? Number(s.trim()) : undefined);
        const from = num(this.houseFrom);
        const to = num(this.houseTo);
        return {
          street_id: this.street.id,
          ...(from !== undefined ? { house_from: from } : {}),
          ...(to !== undefined ? { house_to: to } : {}),
          ...(this.parity ? { parity: this.parity } : {}),
        };
      }
    }
    return null;
  }

  addVertex(at: LngLat) {
    if (this.closed) return;
    this.vertices = [...this.vertices, at];
  }

  undo() {
    this.vertices = this.vertices.slice(0, -1);
    this.closed = false;
  }

  close() {
    if (this.vertices.length >= 3) this.closed = true;
  }

  clearZone() {
    this.vertices = [];
    this.closed = false;
    this.line = null;
    this.preview = null;
  }

  /** After saving: a clean outage, the last utility and executor kept (the next one is often the same service). */
  reset() {
    this.clearZone();
    this.street = null;
    this.houseFrom = '';
    this.houseTo = '';
    this.parity = '';
    this.publicText = '';
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    this.startsAt = toLocalInput(now);
    this.endsAt = toLocalInput(now + 4 * 3_600_000);
  }
}

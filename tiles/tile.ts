// Tile addresses: z/x/y parsed and checked before any database work, and the Web Mercator
// tile math (WGS 84 → tile grid) that invalidation, the live map and the tests share.
import { badRequest, type FieldError } from '../server/http/problem.js';

/** The deepest zoom served; clients overzoom past a layer's maxzoom up to here. */
export const MAX_ZOOM = 22;
/** Tile coordinates per tile side, and the buffer around a tile, in those units (as in the SQL). */
export const EXTENT = 4096;
export const BUFFER = 64;

export interface TileAddress {
  z: number;
  x: number;
  y: number;
}

/** [west, south, east, north] in WGS 84. */
export type BBox = [number, number, number, number];

/** An inclusive block of tiles at one zoom. */
export interface TileRange {
  z: number;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

// Digits only: no sign, no decimal point, no exponent; eight digits hold 2^22.
const INTEGER = /^[0-9]{1,8}$/;
const TILE_FILE = /^([0-9]{1,8})\.(mvt|pbf)$/;

/** z, x and the last path segment ("y.mvt" or "y.pbf"), or a 400 naming each bad part. */
export function parseTileAddress(z: string, x: string, file: string): TileAddress {
  const errors: FieldError[] = [];
  const zoom = INTEGER.test(z) ? Number(z) : NaN;
  if (!(zoom >= 0 && zoom <= MAX_ZOOM)) errors.push({ field: 'z', message: `must be a whole number from 0 to ${MAX_ZOOM}` });
  const limit = zoom >= 0 && zoom <= MAX_ZOOM ? 2 ** zoom : undefined;
  const range = limit === undefined ? 'a whole number below 2^z' : `a whole number from 0 to ${limit - 1}`;
  const col = INTEGER.test(x) ? Number(x) : NaN;
  if (!(col >= 0 && (limit === undefined || col < limit))) errors.push({ field: 'x', message: `must be ${range}` });
  const m = TILE_FILE.exec(file);
  const row = m ? Number(m[1]) : NaN;
  if (!m) errors.push({ field: 'y', message: `must be ${range} followed by .mvt or .pbf` });
  else if (!(row >= 0 && (limit === undefined || row < limit))) errors.push({ field: 'y', message: `must be ${range}` });
  if (errors.length > 0) throw badRequest('The tile address is not valid.', errors);
  return { z: zoom, x: col, y: row };
}

// Web Mercator stops short of the poles.
const MAX_LATITUDE = 85.0511287798066;

/** Longitude → x across the world, 0 (antimeridian, west) to 1. */
export function worldX(lon: number): number {
  return (Math.min(Math.max(lon, -180), 180) + 180) / 360;
}

/** Latitude → y across the world, 0 (north edge) to 1 (south edge). */
export function worldY(lat: number): number {
  const phi = (Math.min(Math.max(lat, -MAX_LATITUDE), MAX_LATITUDE) * Math.PI) / 180;
  return (1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2;
}

/** The tile holding a point (tile edges belong to the tile east and south of them). */
export function tileOf(lon: number, lat: number, z: number): TileAddress {
  const n = 2 ** z;
  const clamp = (v: number) => Math.min(Math.max(Math.floor(v), 0), n - 1);
  return { z, x: clamp(worldX(lon) * n), y: clamp(worldY(lat) * n) };
}

/** Where a point falls inside tile t, in tile coordinates (0..EXTENT, y down). */
export function tileCoordinates(lon: number, lat: number, t: TileAddress): Position {
  const n = 2 ** t.z;
  return [(worldX(lon) * n - t.x) * EXTENT, (worldY(lat) * n - t.y) * EXTENT];
}
type Position = [number, number];

/**
 * The tiles at zoom z whose buffered square (the tile plus BUFFER units on every side, as the
 * tile SQL reads it) touches bbox: the tiles a feature inside bbox can be drawn in. A little
 * more than the buffer is taken, so that rounding here and in PostGIS never leaves one out.
 */
export function tilesTouching(bbox: BBox, z: number, buffer = BUFFER): TileRange {
  const n = 2 ** z;
  const margin = (buffer + 1) / EXTENT;
  const clamp = (v: number) => Math.min(Math.max(Math.floor(v), 0), n - 1);
  return {
    z,
    minX: clamp(worldX(bbox[0]) * n - margin),
    maxX: clamp(worldX(bbox[2]) * n + margin),
    minY: clamp(worldY(bbox[3]) * n - margin),
    maxY: clamp(worldY(bbox[1]) * n + margin),
  };
}

export function rangeSize(r: TileRange): number {
  return (r.maxX - r.minX + 1) * (r.maxY - r.minY + 1);
}

export function inRange(r: TileRange, t: TileAddress): boolean {
  return t.z === r.z && t.x >= r.minX && t.x <= r.maxX && t.y >= r.minY && t.y <= r.maxY;
}

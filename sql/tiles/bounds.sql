-- The bounds of one tile, the first CTE of every tile statement (tiles/sql.ts composes it).
-- tile: the tile in 3857, for ST_AsMVTGeom. area: the tile and its 64/4096 buffer in 4326, the
-- tables' own SRID, so `geom && bounds.area` is a plain GiST index condition; with the tile
-- address a constant in each (custom) plan the planner folds it and can estimate it. The area
-- is worked out in degrees rather than by ST_Transform of a buffered envelope: at the world's
-- edges a buffer reaching past 180° would wrap to -180° and turn the box inside out.
SELECT ST_TileEnvelope($z::integer, $x::integer, $y::integer) AS tile,
       ST_MakeEnvelope(
         greatest(-180, ($x::integer - 0.015625) * 360 / 2 ^ $z::integer - 180),
         degrees(atan(sinh(pi() * (1 - 2 * least(2 ^ $z::integer, $y::integer + 1.015625) / 2 ^ $z::integer)))),
         least(180, ($x::integer + 1.015625) * 360 / 2 ^ $z::integer - 180),
         degrees(atan(sinh(pi() * (1 - 2 * greatest(0, $y::integer - 0.015625) / 2 ^ $z::integer)))),
         4326) AS area

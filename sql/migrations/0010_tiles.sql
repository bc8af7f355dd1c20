-- The vector tile service's database side: a portable ST_AsMVTGeom, the indexes the tile
-- queries lean on, and change notices for the two basemap tables.

-- ST_AsMVTGeom with functions every PostGIS build has. The embedded PostGIS is built without
-- protobuf-c, so both ST_AsMVT and ST_AsMVTGeom fail there; tiles/mvt-encode.ts encodes what
-- this returns. It follows PostGIS's own steps (postgis/mvt.c, mvt_geom): into tile space
-- with y down, snap to the integer grid, drop points on straight lines, clip to the buffered
-- tile, repair polygons and give exterior rings the orientation the MVT spec asks for
-- (positive area in tile coordinates, which PostGIS calls counter-clockwise). PostGIS repairs
-- polygons with wagyu, we with ST_MakeValid, so polygon vertices may differ by one tile unit.
CREATE OR REPLACE FUNCTION misto_tile_geom(geom geometry, bounds geometry,
                                           extent integer DEFAULT 4096, buffer integer DEFAULT 64)
RETURNS geometry
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  xmin float8 := ST_XMin(bounds);
  ymax float8 := ST_YMax(bounds);
  sx float8 := extent / (ST_XMax(bounds) - ST_XMin(bounds));
  sy float8 := extent / (ST_YMax(bounds) - ST_YMin(bounds));
  -- The buffered tile in world units, a pixel wider than the tile-space clip below: cutting
  -- a large polygon down to the tile before anything else keeps the work per tile small.
  margin_x float8 := (buffer + 1) / sx;
  margin_y float8 := (buffer + 1) / sy;
  clip box2d := ST_MakeBox2D(ST_Point(-buffer, -buffer), ST_Point(extent + buffer, extent + buffer));
  dim integer;
  g geometry;
BEGIN
  IF geom IS NULL OR ST_IsEmpty(geom) THEN
    RETURN NULL;
  END IF;
  dim := ST_Dimension(geom);
  -- A line or polygon smaller than half a tile unit both ways is not drawn (as ST_AsMVTGeom
  -- does, from its bounding box, before any other work).
  IF dim > 0 AND ST_XMax(geom) - ST_XMin(geom) < 0.5 / sx AND ST_YMax(geom) - ST_YMin(geom) < 0.5 / sy THEN
    RETURN NULL;
  END IF;
  g := geom;
  IF dim > 0 THEN
    g := ST_ClipByBox2D(g, ST_MakeBox2D(ST_Point(ST_XMin(bounds) - margin_x, ST_YMin(bounds) - margin_y),
                                        ST_Point(ST_XMax(bounds) + margin_x, ST_YMax(bounds) + margin_y)));
    IF g IS NULL OR ST_IsEmpty(g) THEN
      RETURN NULL;
    END IF;
  END IF;
  g := ST_SnapToGrid(ST_TransScale(g, -xmin, -ymax, sx, -sy), 1);
  IF dim > 0 THEN
    g := ST_Simplify(g, 0, false);
  END IF;
  IF g IS NULL OR ST_IsEmpty(g) THEN
    RETURN NULL;
  END IF;
  g := ST_ClipByBox2D(g, clip);
  IF g IS NULL OR ST_IsEmpty(g) THEN
    RETURN NULL;
  END IF;
  IF dim = 0 THEN
    g := ST_RemoveRepeatedPoints(g);
  ELSE
    -- Clipping puts new vertices on the box edges, between grid points.
    g := ST_SnapToGrid(g, 1);
  END IF;
  IF dim = 2 THEN
    g := ST_CollectionExtract(ST_MakeValid(g), 3);
    IF g IS NULL OR ST_IsEmpty(g) THEN
      RETURN NULL;
    END IF;
    -- Repair can cut edges where they cross, off the grid; snapping again keeps integers.
    g := ST_CollectionExtract(ST_MakeValid(ST_SnapToGrid(g, 1)), 3);
    g := ST_ForcePolygonCCW(g);
  ELSIF dim = 1 THEN
    g := ST_CollectionExtract(g, 2);
  END IF;
  IF g IS NULL OR ST_IsEmpty(g) THEN
    RETURN NULL;
  END IF;
  RETURN g;
END $$;

-- One feature as ST_AsMVT takes it: the geometry in tile coordinates and the public
-- properties as one jsonb object (ST_AsMVT turns its keys into tags, leaving out nulls).
CREATE TYPE misto_tile_feature AS (geom geometry, properties jsonb);

-- The tickets layer shows open tickets and tickets closed in the last days. Most of a city's
-- tickets are closed long ago, so the map finds the open ones through a partial index and
-- the recently closed ones through closed_at; the status list is the one in
-- sql/tiles/tickets.sql (a test checks it against ticket_statuses.is_open).
CREATE INDEX IF NOT EXISTS tickets_map_open_location_idx ON tickets USING gist (location)
  WHERE status IN ('new', 'accepted', 'in_progress', 'needs_info', 'reopened', 'done');
CREATE INDEX IF NOT EXISTS tickets_map_closed_at_idx ON tickets (closed_at)
  WHERE status = 'closed';

-- Streets and unaddressed buildings are tile layers too: their tiles are invalidated like
-- any other layer's when an import changes them.
CREATE TRIGGER streets__notify_changed AFTER INSERT OR UPDATE OR DELETE ON streets
  FOR EACH ROW EXECUTE FUNCTION misto_notify_changed('geom');
CREATE TRIGGER buildings__notify_changed AFTER INSERT OR UPDATE OR DELETE ON buildings
  FOR EACH ROW EXECUTE FUNCTION misto_notify_changed('footprint');

-- Whether a GeoJSON geometry lies in the city: within about 5 km (0.05°) of a district, or anywhere while no districts are loaded.
SELECT NOT EXISTS (SELECT 1 FROM districts)
       OR EXISTS (SELECT 1 FROM districts
                  WHERE ST_DWithin(geom, ST_SetSRID(ST_GeomFromGeoJSON($geometry::text), 4326), 0.05)) AS inside

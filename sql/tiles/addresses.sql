-- Tile layer "addresses": each address's footprint (its point where the footprint is not
-- known), with whether an active outage covers it now. Which addresses an outage covers is what
-- its live telephonograms say (a street range covers the houses it names, not its drawing);
-- they change in the same transaction as the outage, whose NOTIFY redraws these tiles. The
-- windows of those outages tell when the clock alone will flip the flag.
SELECT ST_Transform(coalesce(a.footprint, a.point), 3857) AS geom,
       jsonb_build_object(
         'id', a.id,
         'label', a.label,
         'house_number', a.house_number,
         'affected', coalesce(cover.affected, false)) AS properties,
       cover.expires_at
FROM addresses a
CROSS JOIN bounds
LEFT JOIN LATERAL (
  SELECT bool_or(u.starts_at <= $now::timestamptz) AS affected,
         min(CASE WHEN u.starts_at > $now::timestamptz THEN u.starts_at ELSE u.ends_at END) AS expires_at
  FROM telephonograms tg
  JOIN outages u ON u.id = tg.outage_id
  WHERE tg.address_id = a.id
    AND tg.withdrawn_at IS NULL
    AND u.status IN ('scheduled', 'active')
    AND (u.ends_at IS NULL OR u.ends_at > $now::timestamptz)
) cover ON true
WHERE (a.point && bounds.area OR a.footprint && bounds.area)
ORDER BY a.id

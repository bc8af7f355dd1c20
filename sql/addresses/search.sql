-- Addresses matching what a person typed, best first: the same search key, then trigram similarity (typos, Russian spellings, a street typed halfway), with the named house lifted above its neighbours.
-- Both candidate operators (% and <%) are served by the trigram GIN index on search_key; an
-- exact key also satisfies %, so it needs no third branch. Scores: exact key +2, named house
-- +0.5, plus word_similarity and similarity (each 0..1).
WITH q AS (
  SELECT misto_search_key($q::text) AS key
)
SELECT a.id, a.label, s.name AS street, a.house_number, ST_X(a.point) AS lon, ST_Y(a.point) AS lat,
       round((CASE WHEN a.search_key = q.key THEN 2 ELSE 0 END
              + CASE WHEN string_to_array(a.house_key, ' ') <@ string_to_array(q.key, ' ') THEN 0.5 ELSE 0 END
              + word_similarity(q.key, a.search_key)
              + similarity(q.key, a.search_key))::numeric, 3)::float8 AS score
FROM q
JOIN addresses a ON a.search_key % q.key OR q.key <% a.search_key
JOIN streets s ON s.id = a.street_id
WHERE q.key <> ''
ORDER BY score DESC, a.search_key COLLATE "C", a.id
LIMIT $limit::int

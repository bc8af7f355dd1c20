-- Addresses matching what a person typed, best first: the same search key, then trigram similarity (typos, Russian spellings, a street typed halfway), with the named house and the named street type lifted above their neighbours.
-- Both candidate operators (% and <%) are served by the trigram GIN index on search_key; an
-- exact key also satisfies %, so it needs no third branch. Scores: exact key +2, named house
-- +0.5, named street type +0.25, plus word_similarity and similarity (each 0..1).
-- The search key leaves street types out ("вул. Бучми" finds "Бучми вулиця"), so "вулиця
-- Шевченка 12" and "провулок Шевченка 12" share a key; when the caller named a type, the street
-- of that type wins the tie. The type only breaks ties: a wrong type never hides the right house.
WITH typed AS (
  SELECT regexp_replace(lower($q::text), '[''`ʼ’‘ʹʻ´′＇]', '', 'g') AS text
),
street_types (pattern) AS (
  VALUES ('вул|вулиця|ул|улица'), ('просп|проспект|пр|пр-т|пр-кт|прт|пркт'), ('пров|провулок|пер|переулок'),
         ('бул|бульв|бульвар|б-р'), ('пл|площа|площадь'), ('майдан'), ('узвіз|узвоз|спуск'), ('шосе|шоссе'),
         ('проїзд|проезд'), ('вїзд|въезд'), ('тупик|туп'), ('наб|набережна|набережная'), ('алея|аллея')
),
q AS (
  SELECT misto_search_key($q::text) AS key,
         (SELECT '(^|[\s,.])(' || st.pattern || ')([\s,.]|$)' FROM street_types st, typed
          WHERE typed.text ~ ('(^|[\s,.])(' || st.pattern || ')([\s,.]|$)') LIMIT 1) AS type_pattern
)
SELECT a.id, a.label, s.name AS street, a.house_number, ST_X(a.point) AS lon, ST_Y(a.point) AS lat,
       round((CASE WHEN a.search_key = q.key THEN 2 ELSE 0 END
              + CASE WHEN string_to_array(a.house_key, ' ') <@ string_to_array(q.key, ' ') THEN 0.5 ELSE 0 END
              + CASE WHEN q.type_pattern IS NOT NULL
                          AND regexp_replace(lower(s.name), '[''`ʼ’‘ʹʻ´′＇]', '', 'g') ~ q.type_pattern THEN 0.25 ELSE 0 END
              + word_similarity(q.key, a.search_key)
              + similarity(q.key, a.search_key))::numeric, 3)::float8 AS score
FROM q
JOIN addresses a ON a.search_key % q.key OR q.key <% a.search_key
JOIN streets s ON s.id = a.street_id
WHERE q.key <> ''
ORDER BY score DESC, a.search_key COLLATE "C", a.id
LIMIT $limit::int

-- Extensions and helpers every later migration uses.
-- Geometries are stored in SRID 4326 (WGS 84): it is what GPS, Open311 and GeoJSON speak, so
-- input needs no transform; metric work (radii, buffers) casts to geography, which has its
-- own GiST indexes where a query needs them; tiles transform to 3857 once, per feature.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Keeps updated_at honest without every UPDATE having to remember it.
CREATE OR REPLACE FUNCTION misto_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;

-- The search key of an address or street: lower case, no apostrophes (ʼ ' ’ and friends are
-- typed interchangeably), no street-type words, no punctuation, a letter glued to a house
-- number split off, words sorted, so "вул. Бучми, 18-Д" and "Бучми 18д" give the same key.
-- Queries are normalised by this same function, so stored keys and typed text always agree.
CREATE OR REPLACE FUNCTION misto_search_key(input text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(word, ' ' ORDER BY word COLLATE "C"), '')
  FROM (
    SELECT DISTINCT word
    FROM regexp_split_to_table(
           regexp_replace(
             regexp_replace(
               regexp_replace(
                 regexp_replace(lower(coalesce(input, '')), '[ʼ’`''ʹ‘]', '', 'g'),
                 '(^|\s)(пр-т|б-р)(?=[\s.,]|$)', '\1', 'g'),
               '([0-9])-?([^0-9\s,.;:/\\()"«»-])', '\1 \2', 'g'),
             '[,.;:/\\()"«»-]+', ' ', 'g'),
           '\s+') AS word
    WHERE word <> ''
      AND word NOT IN ('вул', 'вулиця', 'ул', 'улица', 'просп', 'проспект', 'пр', 'прт',
                       'пров', 'провулок', 'пер', 'переулок', 'бул', 'бульвар', 'пл',
                       'площа', 'площадь', 'узвіз', 'шосе', 'шоссе', 'майдан', 'проїзд', 'проезд',
                       'буд', 'будинок', 'дом', 'місто', 'харків', 'харьков')
  ) words
$$;

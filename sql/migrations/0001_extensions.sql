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

-- The search key of an address or street: what two spellings of one address have in common.
--   lower case; apostrophes dropped (ʼ ' ’ ‘ ` ´ ′ are typed interchangeably);
--   street-type words and their abbreviations dropped, Ukrainian and Russian (вул., ул., просп.,
--   пр-т, пров., пер., бул., б-р, пл., …), and so are "м."/"г." (city), "буд."/"д." before a
--   number (house) and "кв. 5" (a flat: addresses are buildings);
--   a letter glued to a house number split off ("18-Д", "18д" → "18 д");
--   Russian and Ukrainian letters that spell one sound folded (і ї ы → и, є э ё → е, ґ → г,
--   ъ dropped), so "ул. Бучмы" and "вул. Бучми", "Гагарина" and "Гагаріна" meet;
--   a one-letter word typed on the Latin layout (house letter "18a") read as its Cyrillic twin;
--   words de-duplicated and sorted, so word order does not matter ("Бучми 18д" = "вулиця Бучми, 18-Д").
-- Queries are normalised by this same function, so stored keys and typed text always agree;
-- what folding cannot reach (typos, "Сумская"/"Сумська") is left to trigram similarity.
CREATE OR REPLACE FUNCTION misto_search_key(input text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(word, ' ' ORDER BY word COLLATE "C"), '')
  FROM (
    SELECT DISTINCT translate(CASE WHEN length(word) = 1 THEN translate(word, 'aeiopcxykmhtb', 'аеіорсхукмнтв') ELSE word END,
                              'іїыэєёґъ', 'иииееег') AS word
    FROM regexp_split_to_table(
           regexp_replace(
             regexp_replace(
               regexp_replace(
                 regexp_replace(
                   regexp_replace(
                     regexp_replace(
                       regexp_replace(lower(coalesce(input, '')), '[''`ʼ’‘ʹʻ´′＇]', '', 'g'),
                       '(^|[\s,])(м|г)\.', '\1 ', 'g'),
                     '(^|[\s,])(кв|квартира)\.?\s*[0-9]+\S*', '\1 ', 'g'),
                   '(^|[\s,])(д|буд|будинок|дом)\.?\s*(?=[0-9])', '\1 ', 'g'),
                 '(^|[\s,.])(пр-т|пр-кт|б-р)(?=[\s.,]|$)', '\1 ', 'g'),
               '([0-9])-?([^0-9\s,.;:/\\()"«»№#-])', '\1 \2', 'g'),
             '[,.;:/\\()"«»№#-]+', ' ', 'g'),
           '\s+') AS word
    WHERE word <> ''
      AND word NOT IN ('вул', 'вулиця', 'ул', 'улица', 'просп', 'проспект', 'пр', 'прт', 'пркт',
                       'пров', 'провулок', 'пер', 'переулок', 'бул', 'бульв', 'бульвар', 'пл',
                       'площа', 'площадь', 'майдан', 'узвіз', 'узвоз', 'спуск', 'шосе', 'шоссе',
                       'проїзд', 'проезд', 'вїзд', 'въезд', 'тупик', 'туп', 'наб', 'набережна',
                       'набережная', 'алея', 'аллея', 'буд', 'будинок', 'дом', 'місто', 'город',
                       'харків', 'харьков')
  ) words
$$;

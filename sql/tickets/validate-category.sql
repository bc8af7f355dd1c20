-- What validating a ticket request needs when it names nothing but its category (a point given, no
-- address, object, original or deadline class): validate-refs.sql's first column alone, since
-- planning that query's other lookups cost the database more than this whole query.
SELECT (SELECT jsonb_build_object('code', c.code, 'active', c.active, 'attributes', c.attributes)
        FROM categories c WHERE c.code = $category::text) AS category

-- Every object kind with the geometry it takes ('point' or 'line') and its names.
SELECT code, geometry, utility, name_uk, name_en FROM object_kinds ORDER BY code

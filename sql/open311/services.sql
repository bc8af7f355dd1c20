-- Open311 services: the active categories, in their order.
SELECT code, name_uk, name_en, group_code, keywords, attributes
FROM categories WHERE active ORDER BY sort, code

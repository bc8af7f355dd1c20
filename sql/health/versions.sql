-- What /health reports: the database and PostGIS versions, and the migrations applied.
SELECT current_setting('server_version') AS postgres,
       postgis_lib_version() AS postgis,
       (SELECT max(version) FROM schema_migrations) AS schema_version

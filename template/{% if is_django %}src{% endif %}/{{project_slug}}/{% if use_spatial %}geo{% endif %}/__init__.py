"""Items' locations: GeoJSON points kept as PostGIS geometries (SRID 4326), and "nearby".

On SQLite (the embedded default) the same column and queries run on SpatiaLite, which
GeoDjango loads into every SQLite connection (Debian: libsqlite3-mod-spatialite).
"""

"""What SQLite needs for the items' locations: the SpatiaLite extension, loadable."""

import sqlite3

SPATIALITE_ENGINE = "django.contrib.gis.db.backends.spatialite"
SPATIALITE = "mod_spatialite"


def spatialite_problem(engine: str) -> str:
    """Return what to install when `engine` is SpatiaLite's and it cannot load, else ""."""
    if engine != SPATIALITE_ENGINE:
        return ""
    if not hasattr(sqlite3.Connection, "enable_load_extension"):
        return (
            "this Python's sqlite3 cannot load extensions, so SQLite cannot load SpatiaLite: "
            "use a Python built with them (uv python install, python.org or Docker's python "
            "images), or set DATABASE_URL to PostgreSQL with PostGIS"
        )
    connection = sqlite3.connect(":memory:")
    try:
        connection.enable_load_extension(True)
        connection.load_extension(SPATIALITE)
    except sqlite3.OperationalError:
        return (
            "SpatiaLite is not installed: install it (Debian/Ubuntu: apt-get install "
            "libsqlite3-mod-spatialite; macOS: brew install libspatialite), or set "
            "DATABASE_URL to PostgreSQL with PostGIS"
        )
    finally:
        connection.close()
    return ""

"""Alembic's environment: the package alembic.ini names runs the migrations; its
core/alembic_env.py says how (the database, the models' tables, what is compared).
"""

from importlib import import_module

from alembic import context

package = context.config.get_main_option("package")
if not package:
    msg = "alembic.ini names no package: add `package = <the package's import name>` to [alembic]"
    raise SystemExit(msg)
import_module(f"{package}.core.alembic_env").run()

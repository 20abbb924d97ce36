"""Alembic's environment: the package alembic.ini names runs the migrations; its
core/alembic_env.py says how (the database, the models' tables, what is compared).
"""

from importlib import import_module

from alembic import context

package = context.config.get_main_option("package")
if not package:
    msg = "alembic.ini names no package: add `package = <the package's import name>` to [alembic]"
    raise SystemExit(msg)
module = f"{package}.core.alembic_env"
try:
    environment = import_module(module)
except ModuleNotFoundError as error:
    # Only a wrong name in alembic.ini is said so; a module missing inside the package is raised.
    if not error.name or not module.startswith(error.name):
        raise
    msg = f"alembic.ini names package {package!r}, which has no {module}: check its `package`"
    raise SystemExit(msg) from None
environment.run()

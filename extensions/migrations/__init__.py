"""Scripts that copier.yml's `_migrations` run to reshape an old project's answers."""

"""The example resource: items to create, list (a page at a time), read, update and delete."""

"""The example job: `POST /items/{id}/jobs` enqueues `tasks.process_item`, which a worker runs.

A job's row (models.Job) keeps its state, so its status is readable whether or not a
result backend is configured. The jobs table is this app's own migration, so adding Celery
to a project adds the table.
"""

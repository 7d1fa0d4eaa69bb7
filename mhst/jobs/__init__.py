"""Background jobs: work too long for a web request (the national extract, large CSV
downloads) and scheduled housekeeping, run by a Celery worker.

A feature registers a handler per job kind (:mod:`mhst.jobs.registry`); a view calls
:func:`mhst.jobs.operations.enqueue`, which commits the job's row and only then sends its
id to the queue. Job state lives in ``background_job``, not in Celery's results.
"""

"""The Celery worker's entry point: ``celery -A mhst.worker worker -B`` (``make worker``).

Builds the Flask app from the environment, as ``flask run`` does (MHST_ENV,
DATABASE_URL, REDIS_URL...); each task then runs in its app context.
"""

from mhst import create_app
from mhst.jobs.queue import celery

flask_app = create_app()

__all__ = ["celery", "flask_app"]

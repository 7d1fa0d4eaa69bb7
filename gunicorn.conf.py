"""gunicorn settings for an app server behind a load balancer (README: "Running several app
servers"). gunicorn reads ./gunicorn.conf.py by itself, so in a checkout `gunicorn` alone
serves the app; with the wheel installed, copy this file and run `gunicorn -c PATH`.

Each setting may be changed through the environment variable named beside it. Nothing is
kept in a worker between requests (sessions are rows in PostgreSQL, rate limits in Redis),
so any worker of any server may answer any request.
"""

import multiprocessing
import os

wsgi_app = "mhst:create_app()"

# The load balancer reaches every server on this address (GUNICORN_BIND, else PORT).
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Threads share a worker's memory and its database connection pool; worker processes use
# the cores. gunicorn's rule of thumb, (2 x cores) + 1 workers, of 2 threads each: a
# request waiting on PostgreSQL leaves the core to another. WEB_CONCURRENCY is the
# usual name for the number of workers on hosting platforms.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "2"))

# A request taking longer than this is ended (and its worker restarted): long work
# belongs in background jobs. graceful_timeout: a restart lets requests finish first.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Keep connections from the load balancer open longer than it keeps them idle (60 s on
# most), or it may send a request down a connection gunicorn has just closed (a 502).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))

# Not preloaded: each worker builds the app after the fork, so no database or Redis
# connection is ever shared between processes.
preload_app = False

# Forwarded headers: the app trusts one proxy's X-Forwarded-For/-Proto/-Host when
# TRUST_PROXY=1 (werkzeug's ProxyFix). gunicorn trusts X-Forwarded-Proto only from these
# addresses: set FORWARDED_ALLOW_IPS to the load balancer's.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The access log: path without the query string (a search holds what was typed, a name or
# an NHS number) and no Referer (its query string too); the client address the load
# balancer saw; status, bytes, milliseconds, the worker's <pid> and the user agent.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
access_log_format = (
    '%(t)s %({x-forwarded-for}i)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms %(p)s "%(a)s"'
)

# No control socket (gunicorn 25.1+): it would be one path per user on the host, shared by
# every gunicorn there; servers are changed by deploying them again.
control_socket_disable = True

"""gunicorn settings for `make run` (override with GUNICORN_CMD_ARGS)."""

import os

import gunicorn.http.wsgi

# No server product banner in responses.
gunicorn.http.wsgi.SERVER = "pbi"

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("PBI_THREADS", "4"))
timeout = 60
graceful_timeout = 30
accesslog = "-"
# Do not log query strings: they may carry search terms about people.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# No runtime control socket in the home directory: manage the process with signals.
control_socket_disable = True

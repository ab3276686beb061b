"""gunicorn settings for `make run` (override with GUNICORN_CMD_ARGS)."""

import os

import gunicorn.http.wsgi
from gunicorn import glogging

from app.hygiene import PRIVATE_UMASK, ControlCharacterFilter, escape_controls

# No server product banner in responses.
gunicorn.http.wsgi.SERVER = "pbi"
# Files made by the server (database, stored files, keys, logs) are the service user's only.
os.umask(PRIVATE_UMASK)
umask = PRIVATE_UMASK

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("PBI_THREADS", "4"))
timeout = 60
graceful_timeout = 30
accesslog = "-"
# Do not log query strings: they may carry search terms about people. The last field is
# the request's correlation id (the X-Request-Id the app sends, shown on its error pages).
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'
# No runtime control socket in the home directory: manage the process with signals.
control_socket_disable = True


def post_worker_init(worker) -> None:
    """Start the worker's PDF verifier processes now, not on its first upload (app.documents.sandbox)."""
    from app.documents import sandbox

    config = getattr(worker.wsgi, "config", None)
    if config is not None:
        sandbox.warm_up(config)


class EscapingLogger(glogging.Logger):
    """gunicorn's logger with control characters escaped in every access and error line.

    A path such as ``/%0d%0aGET%20/forged`` arrives decoded (CR, LF) in ``%(U)s``; each
    atom is escaped before the line is formatted, and the error log gets the app's filter.
    """

    def atoms(self, resp, req, environ, request_time):
        return {key: escape_controls(value) if isinstance(value, str) else value
                for key, value in super().atoms(resp, req, environ, request_time).items()}

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.addFilter(ControlCharacterFilter())


logger_class = EscapingLogger

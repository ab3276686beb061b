"""PBI Registry: the application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import cli, database, errors, hygiene, i18n, inputs, security, templating, transactions  # noqa: F401 (database: engine events)
from app import config as config_module
from app.accounts import guards, login
from app.accounts.recovery_views import bp as recovery_bp
from app.accounts.two_factor_views import bp as two_factor_bp
from app.accounts.views import bp as accounts_bp
from app.agreements import setup as agreements_setup
from app.agreements.staff_views import bp as agreement_review_bp
from app.agreements.views import bp as agreements_bp
from app.api.admin_views import bp as api_admin_bp
from app.api.docs_views import bp as api_docs_bp
from app.api.public_views import bp as api_public_bp
from app.api.token_views import bp as api_tokens_bp
from app.audit.views import bp as audit_bp
from app.businesses.views import bp as businesses_bp
from app.complaints import setup as complaints_setup
from app.complaints import web as complaints_web
from app.complaints.staff_views import bp as review_bp
from app.complaints.views import bp as complaints_bp
from app.documents.views import bp as documents_bp
from app.extensions import csrf, db, init_limiter, migrate
from app.notifications import init_app as init_notifications
from app.notifications.views import bp as notifications_bp
from app.public.views import bp as public_bp
from app.reporting import setup as reporting_setup
from app.reporting.export_views import bp as exports_bp
from app.reporting.monthly_views import bp as monthly_report_bp
from app.reporting.patterns_views import bp as patterns_bp
from app.reporting.public_views import bp as public_statistics_bp
from app.reporting.statistics_views import bp as statistics_bp

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config: dict[str, Any] | None = None, *, setup_mode: bool = False) -> Flask:
    """Build the application.

    ``setup_mode`` is only for ``flask --app wsgi init``, the command that writes the
    first secret: it lets the app load without one. Every other start without a real
    secret raises :class:`app.config.ConfigError`.
    """
    app = Flask(
        __name__,
        instance_path=(test_config or {}).get("INSTANCE_PATH")
        or os.environ.get("PBI_INSTANCE_PATH")
        or os.path.join(PROJECT_ROOT, "instance"),
        instance_relative_config=True,
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
    )
    app.config.from_object(config_module.DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    config_module.apply_environment(app.config, os.environ)
    if test_config:
        app.config.update(test_config)
    if setup_mode and not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.urandom(32).hex()  # never served: init only
    config_module.finalize(app.config, app.instance_path, setup_mode=setup_mode)
    hygiene.private_instance(app.instance_path)  # umask 077, instance/ 0700

    _init_extensions(app)
    agreements_setup.init_app(app, Path(app.config.get("PBI_AGREEMENTS_DIR") or Path(PROJECT_ROOT) / "agreements"))
    complaints_setup.init_app(app)
    reporting_setup.init_app(app)
    _register_blueprints(app)
    cli.init_app(app)
    proxies = int(app.config.get("PBI_PROXY_COUNT") or 0)
    if proxies > 0:  # the client's address and scheme as the trusted proxies saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    return app


def _init_extensions(app: Flask) -> None:
    inputs.init_app(app)  # the bounded <int:> converter, before any route is added
    hygiene.init_app(app)  # escaped log lines, X-Request-Id
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(PROJECT_ROOT, "migrations"))
    login.init_app(app)
    # Language first: the hooks below may answer with an error page (CSRF, 429, 403).
    i18n.init_app(app)
    complaints_web.init_app(app)  # per-view body limits, before CSRF reads the form
    inputs.init_hooks(app)  # NUL refused: in the chosen language, within the view's body limit
    csrf.init_app(app)
    init_limiter(app)  # Flask-Limiter, its per-request hook only where a limit could apply
    guards.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    transactions.init_app(app)
    init_notifications(app)


def _register_blueprints(app: Flask) -> None:
    app.register_blueprint(public_bp)
    app.register_blueprint(public_statistics_bp)
    app.register_blueprint(api_public_bp)
    app.register_blueprint(api_docs_bp)
    app.register_blueprint(api_tokens_bp)
    app.register_blueprint(api_admin_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(two_factor_bp)
    app.register_blueprint(recovery_bp)
    app.register_blueprint(businesses_bp)
    app.register_blueprint(agreements_bp)
    app.register_blueprint(agreement_review_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(complaints_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(patterns_bp)
    app.register_blueprint(statistics_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(monthly_report_bp)

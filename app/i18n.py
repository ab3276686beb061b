"""Language choice: ``?lang=`` on any page, then the session, then the profile, then kk.

Choosing a language (the switcher links add ``?lang=xx``) is remembered in the session
and, for a signed-in user, on the profile (written after the request as bookkeeping,
see :mod:`app.transactions`; a language chosen before signing in is saved at sign-in).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from app import transactions
from app.accounts.services import locale_change
from app.extensions import babel

SESSION_KEY = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get(SESSION_KEY)
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def remember_requested_language() -> None:
    lang = request.args.get("lang")
    if lang not in current_app.config["LANGUAGES"]:
        return
    session[SESSION_KEY] = lang
    if current_user.is_authenticated and current_user.locale != lang:
        # Remembered on the profile once per change, after the request (a GET stays a read).
        transactions.bookkeeping(locale_change(current_user.id, lang))


def language_links() -> list[dict[str, str | bool]]:
    """The switcher: the current page in each language (plain links, no JavaScript)."""
    args = request.args.to_dict(flat=False)
    links = []
    for code, label in (("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")):
        args["lang"] = [code]
        query = urlencode(args, doseq=True)
        links.append({"code": code, "label": label, "url": f"{request.path}?{query}",
                      "current": code == current_locale()})
    return links


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories="translations",
    )
    app.before_request(remember_requested_language)
    app.jinja_env.globals["language_links"] = language_links
    app.jinja_env.globals["current_locale"] = current_locale

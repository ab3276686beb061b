"""Language choice: ``?lang=`` on any page, then the session, then the profile, then kk.

The rule: a GET never writes. ``?lang=xx`` (the switcher links) chooses the language of
this browser session only; the profile's stored language (used at the next sign-in, in
e-mails and notifications) changes only by an explicit POST: the *Interface language*
form on the account page (``POST /language`` with ``save`` ticked, CSRF-checked). The
same form without ``save`` (and anonymous visitors) only sets the session's language.
"""

from __future__ import annotations

from urllib.parse import urlencode

from babel import Locale
from flask import Flask, abort, current_app, g, has_request_context, redirect, request, session, url_for
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from app import transactions
from app.accounts.guards import public
from app.accounts.login import safe_next
from app.accounts.services import locale_change
from app.extensions import babel, db

SESSION_KEY = "lang"


def select_locale() -> Locale:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get(SESSION_KEY)
    if chosen in languages:
        return _locale(chosen)
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return _locale(current_user.locale)
    if has_request_context() and request.path.startswith("/api/"):
        # An API caller has no session: its Accept-Language header (RFC 9110) chooses, after ?lang=.
        best = request.accept_languages.best_match(languages)
        if best:
            return _locale(best)
    return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])


_LOCALES: dict[str, Locale] = {}  # of the configured languages only


def _locale(code: str) -> Locale:
    """The ``Locale`` of ``code``, parsed once (Flask-Babel parses the selector's string each request)."""
    locale = _LOCALES.get(code)
    if locale is None:
        locale = _LOCALES[code] = Locale.parse(code)
    return locale


def _babel_state():
    """Flask-Babel's per-request state (``None`` before its first use or outside a context)."""
    try:
        return g._flask_babel
    except (AttributeError, RuntimeError):
        return None


def current_locale() -> str:
    """The code of this request's language (``kk``, ``ru``, ``en``); templates call it often."""
    state = _babel_state()
    locale = getattr(state, "babel_locale", None) if state is not None else None
    if locale is None:
        locale = get_locale()  # chooses it and remembers it in the state
        if locale is None:
            return current_app.config["BABEL_DEFAULT_LOCALE"]
        state = _babel_state()
    named = getattr(state, "pbi_locale_name", None)
    if named is not None and named[0] is locale:
        return named[1]
    name = str(locale)
    if state is not None:
        state.pbi_locale_name = (locale, name)
    return name


def remember_requested_language() -> None:
    if not request.query_string:  # most requests: no query to parse
        return
    lang = request.args.get("lang")
    if lang not in current_app.config["LANGUAGES"]:
        return
    if session.get(SESSION_KEY) != lang:
        session[SESSION_KEY] = lang  # this browser session only: a GET never changes the profile


@public
def choose_language():
    """``POST /language``: ``lang``, ``next``; ``save`` also stores it on the signed-in user's profile."""
    lang = request.form.get("lang")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session[SESSION_KEY] = lang
    if request.form.get("save") and current_user.is_authenticated:
        db.session.execute(locale_change(current_user.id, lang))
        transactions.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("public.index"))


def language_links() -> list[dict[str, str | bool]]:
    """The switcher: the current page in each language (plain links, no JavaScript)."""
    args = request.args.to_dict(flat=False)
    current, path = current_locale(), request.path
    links = []
    for code, label in (("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")):
        args["lang"] = [code]
        query = urlencode(args, doseq=True)
        links.append({"code": code, "label": label, "url": f"{path}?{query}", "current": code == current})
    return links


def _translations():
    """The translations of this request's locale, for the templates' ``_()``.

    Flask-Babel's ``get_translations()`` resolves its context, the domain, the locale and
    the catalog on every call (a page calls ``_()`` dozens of times); the result is kept
    in Flask-Babel's own per-request state next to the locale and domain it was made for,
    and made again when either changes (``force_locale``, ``refresh``).
    """
    state = _babel_state()
    if state is not None:
        cached = getattr(state, "pbi_translations", None)
        if cached is not None and cached[0] is getattr(state, "babel_locale", None) \
                and cached[1] is getattr(state, "babel_domain", None):
            return cached[2]
    translations = get_translations()
    state = _babel_state()
    if state is None:
        return translations
    locale, domain = getattr(state, "babel_locale", None), getattr(state, "babel_domain", None)
    if locale is not None and domain is not None:
        state.pbi_translations = (locale, domain, translations)
    return translations


@pass_context
def _template_gettext(context, string: str, /, **variables) -> str:
    """``_()`` / ``gettext()`` in templates: Jinja's new-style gettext on the cached translations.

    The same as what Flask-Babel installs (Jinja's ``_make_new_gettext`` around
    ``get_translations().ugettext``, behind the ``_`` alias): marked safe when
    autoescaping, and always a %-format string, even without variables.
    """
    rv = _translations().ugettext(string)
    if not context.eval_ctx.autoescape:
        return rv % variables
    if not variables:  # the same message always gives the same markup: made once
        made = _MARKUP.get(rv)
        if made is None:
            made = Markup(rv) % variables  # noqa: S704 (a catalog message, as Jinja marks it)
            if len(_MARKUP) < _MARKUP_MAX:
                _MARKUP[rv] = made
        return made
    return Markup(rv) % variables  # noqa: S704 (a catalog message, as Jinja marks it; % escapes the variables)


# Translated messages without variables as markup (``Markup(message) % {}``), for every
# language; bounded, since a template may pass a message that is not a literal.
_MARKUP: dict[str, Markup] = {}
_MARKUP_MAX = 20_000


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories="translations",
    )
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update({"_": _template_gettext, "gettext": _template_gettext})
    app.before_request(remember_requested_language)
    app.add_url_rule("/language", "choose_language", choose_language, methods=["POST"])
    app.jinja_env.globals["language_links"] = language_links
    app.jinja_env.globals["current_locale"] = current_locale

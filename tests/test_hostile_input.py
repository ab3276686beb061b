"""The proof ``hostile input: N requests, 0 server errors``.

A world of the demo data (every complaint state, agreements, proofs) and five identities
(anonymous, an entrepreneur, an officer, a supervisor, an administrator), each a test
client signed in through the suite's own helper, with CSRF protection on. Every page of
every GET route is crawled as each identity (real ids in the ``<int:>`` parts) and every
``<form>`` found is recorded with its fields and their values; those forms, every GET
route's query string, every POST route (with the field names of all the app's forms when
no page showed its form) and the JSON API are then sent hypothesis-drawn variants:
fields replaced by oversized text, control characters, invalid UTF-8, markup, SQL
metacharacters, huge and malformed numbers and dates, wrong types; fields missing and
repeated; a valid CSRF token (nearly always). Every answer must be below 500, and no
markup payload may come back unescaped in an HTML page.

``PBI_PROOF_SCALE`` multiplies the number of requests (``make proof``).
"""

from __future__ import annotations

import io
import os
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, quote_from_bytes, urlsplit

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from wtforms.fields.core import UnboundField

from app import demo
from app.accounts import two_factor
from app.accounts.models import User
from app.accounts.services import find_by_email
from app.agreements.models import Agreement, AuthorityProof, TrustAnchor
from app.businesses.models import Association, Business
from app.complaints.models import Complaint, Evidence
from app.documents.models import Document
from app.documents.runtime import keystore
from app.extensions import db
from app.inputs import INT64_MAX
from app.notifications.models import Notification
from tests.conftest import AuthActions, build_app, proof

pytestmark = pytest.mark.proof

# PBI_HOSTILE_REQUESTS sets the number outright (a quick local run); the default run sends 10,000.
SCALE = max(1, int(os.environ.get("PBI_PROOF_SCALE") or 1))
REQUESTS = int(os.environ.get("PBI_HOSTILE_REQUESTS") or 0) or 10_000 * SCALE
IDENTITIES = {"anonymous": None, "entrepreneur": "aigerim", "officer": "officer1", "supervisor": "supervisor",
              "admin": "admin"}
SKIPPED = {"/logout", "/static/<path:filename>"}  # signing out would end the identity, not test input
# The marker every markup payload carries: this tag name is never part of a page.
TAG = "pbi-x"
MARKUP = [f"<{TAG}>", f'"><{TAG} onmouseover=alert(1)>', f"'><{TAG}>", f"</textarea><{TAG}>",
          f"<script>{TAG}</script>", f"javascript:<{TAG}>", f"{{{{7*7}}}}<{TAG}>"]
UNESCAPED = re.compile(rf"<{TAG}|<script>{TAG}")
SQL = ["' OR '1'='1", "'; DROP TABLE users; --", "%", "_%_", "\\", "1' UNION SELECT NULL--", '"', "`", "$$"]
NUMBERS = [str(INT64_MAX), str(INT64_MAX + 1), str(2**31), str(2**31 - 1), str(-(2**63) - 1), "9" * 40,
           "1" * 5000, "-1", "0", "-0", "1e309", "NaN", "inf", "0x1F", "1_000",
           "٣", "１２", "+5", " 7 ", "3.5", "00000000000000000000001"]
DATES = ["0001-01-01", "9999-12-31", "10000-01-01", "2026-02-30", "-001-01-01", "2026-13-01", "1899-12-31",
         "3000-01-01", "2026-11-20T00:00:00", "20261120"]
WRONG_TYPES = ["[]", "{}", "null", "true", "[1,2]", '{"a":1}', "", " ", "on", "y"]
INVALID_UTF8 = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"abc\x80def", b"\xe2\x82"]
CONTROL = st.text(st.characters(min_codepoint=0, max_codepoint=0x9F, exclude_categories=["Cs"]),
                  min_size=1, max_size=40)
FILE_BYTES = [b"", b"%PDF-1.7\n%\xff\xff\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", b"PK\x03\x04" + b"\0" * 40,
              b"\x89PNG\r\n\x1a\n" + b"\0" * 20, b"<html><script>" + TAG.encode() + b"</script>"]
QUERY_NAMES = ["page", "upto", "officer", "due_within", "q", "status", "district", "role", "mine", "covered",
               "overdue", "sort", "number", "code", "lang", "next", "action", "actor", "subject_type",
               "subject_id", "since", "until", "pressure_type", "body_category"]
ID_MODELS = {"complaint_id": Complaint, "document_id": Document, "evidence_id": Evidence,
             "agreement_id": Agreement, "association_id": Association, "business_id": Business,
             "notification_id": Notification, "proof_id": AuthorityProof, "anchor_id": TrustAnchor,
             "user_id": User}


@dataclass
class Target:
    identity: str
    method: str
    url: str  # concrete, or with <name> parts still to fill
    fields: list[tuple[str, str]] = field(default_factory=list)  # names and values as the page had them
    files: list[str] = field(default_factory=list)


class _Forms(HTMLParser):
    """The ``<form>``s of a page: method, action, and each named input's value."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (a.get("method") or "get").upper(), "action": a.get("action") or "",
                               "fields": [], "files": []})
        elif not self.forms or not a.get("name"):
            if tag == "option" and self._select and self.forms and a.get("value") not in (None, ""):
                self.forms[-1]["fields"].append((self._select, a["value"]))
                self._select = None  # the first real option is enough
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "file":
                self.forms[-1]["files"].append(a["name"])
            elif kind not in ("submit", "button", "reset", "image"):
                self.forms[-1]["fields"].append((a["name"], a.get("value") or "x"))
        elif tag == "textarea":
            self.forms[-1]["fields"].append((a["name"], "Тексеру кезінде маман ақша талап етті " * 2))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and a.get("value") not in (None, ""):
            self.forms[-1]["fields"].append((self._select, a["value"]))
            self._select = None


def _form_field_names() -> list[str]:
    names, stack = set(), [FlaskForm]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        names.update(name for name, value in vars(cls).items() if isinstance(value, UnboundField))
    return sorted(names)


@dataclass
class World:
    app: object
    clients: dict
    tokens: dict
    targets: list[Target]
    field_names: list[str]
    emails: dict

    @property
    def forms(self) -> list[Target]:
        return [target for target in self.targets if target.method == "POST"]

    def _restore(self, email: str) -> None:
        """Undo what other identities' requests may have done to this account: an admin's
        deactivation or two-factor reset (both are real features the fuzzer reaches)."""
        with self.app.app_context():
            user = find_by_email(email)
            user.active = True
            if two_factor.required_for(user) and not two_factor.is_enrolled(user.id):
                two_factor.enrol_with_secret(user, demo.DEMO_TOTP_SECRET)
            db.session.commit()

    def sign_in(self, identity: str) -> None:
        client = self.app.test_client()
        if self.emails.get(identity):
            self._restore(self.emails[identity])
            # The suite's sign-in helper posts no CSRF token: the check is off while it signs in.
            self.app.config["WTF_CSRF_ENABLED"] = False
            try:
                response = AuthActions(client).login(self.emails[identity], demo.DEMO_PASSWORD)
            finally:
                self.app.config["WTF_CSRF_ENABLED"] = True
            assert response.status_code == 302, identity
        page = client.get("/account" if self.emails.get(identity) else "/login").get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, identity
        self.clients[identity], self.tokens[identity] = client, match.group(1)


def _ids(app) -> dict[str, list[int]]:
    with app.app_context():
        ids = {name: list(db.session.scalars(select(model.id).order_by(model.id)))
               for name, model in ID_MODELS.items()}
        identity_emails = {f"{key}@{demo.DEMO_DOMAIN}" for key in IDENTITIES.values() if key}
        ids["user_id"] = list(db.session.scalars(select(User.id).where(User.email.not_in(identity_emails))))
        ids["identity"] = list(db.session.scalars(select(User.id).where(User.email.in_(identity_emails))))
    return ids


def _fill(rule_path: str, ids: dict[str, list[int]], index: int) -> str | None:
    def one(match) -> str:
        kind, name = match.group(1), match.group(2)
        if kind == "int":
            values = ids.get(name) or [1]
            return str(values[index % len(values)])
        return "PBI-C-2026-000001"
    path = re.sub(r"<(?:(\w+):)?(\w+)>", one, rule_path)
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    app = build_app(tmp_path_factory.mktemp("hostile"), WTF_CSRF_ENABLED=True)
    with app.app_context():
        keystore().initialize()
        demo.create()
    emails = {name: f"{key}@{demo.DEMO_DOMAIN}" if key else None for name, key in IDENTITIES.items()}
    made = World(app, {}, {}, [], _form_field_names(), emails)
    for identity in IDENTITIES:
        made.sign_in(identity)
    ids = _ids(app)
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule not in SKIPPED]
    seen_forms: set[tuple[str, str, str]] = set()
    for identity, client in made.clients.items():
        for rule in rules:
            if "GET" not in rule.methods:
                continue
            count = max(1, *(len(ids.get(arg, [])) for arg in rule.arguments)) if rule.arguments else 1
            for index in range(min(count, 3)):
                url = _fill(rule.rule, ids, index)
                made.targets.append(Target(identity, "GET", url))
                response = client.get(url, buffered=True)  # a streamed export read whole and closed
                assert response.status_code < 500, (identity, url)
                if response.mimetype != "text/html":
                    continue
                parser = _Forms()
                parser.feed(response.get_data(as_text=True))
                for form in parser.forms:
                    action = urlsplit(form["action"]).path or url
                    key = (identity, form["method"], action)
                    account = re.fullmatch(r"/admin/users/(\d+)/active", action)
                    if action == "/logout" or key in seen_forms or (account and int(account[1]) in ids["identity"]):
                        continue
                    seen_forms.add(key)
                    made.targets.append(Target(identity, form["method"], action, form["fields"], form["files"]))
    posted = {(t.identity, t.url) for t in made.targets if t.method == "POST"}
    for rule in rules:
        if "POST" in rule.methods:
            for identity in IDENTITIES:
                url = _fill(rule.rule, ids, 0)
                if (identity, url) not in posted:
                    made.targets.append(Target(identity, "POST", url))  # fields drawn from all forms' names
    return made


def _value(draw) -> str | bytes:
    kind = draw(st.sampled_from(["markup", "sql", "number", "date", "wrong", "control", "utf8", "big", "text"]))
    if kind == "markup":
        return draw(st.sampled_from(MARKUP))
    if kind == "sql":
        return draw(st.sampled_from(SQL))
    if kind == "number":
        return draw(st.sampled_from(NUMBERS))
    if kind == "date":
        return draw(st.sampled_from(DATES))
    if kind == "wrong":
        return draw(st.sampled_from(WRONG_TYPES))
    if kind == "control":
        return draw(CONTROL)
    if kind == "utf8":
        return draw(st.sampled_from(INVALID_UTF8)) + draw(st.sampled_from([b"", b"x", MARKUP[0].encode()]))
    if kind == "big":
        return draw(st.sampled_from(["A", "Ә", "<", "'", "\u202e", "\x00"])) * draw(
            st.sampled_from([101, 255, 2001, 10_001, 30_001])) + draw(st.sampled_from(["", MARKUP[0]]))
    return draw(st.text(max_size=60))


def _mutated(draw, fields: list[tuple[str, str]], extra: list[str]) -> list[tuple[str, str | bytes]]:
    out: list[tuple[str, str | bytes]] = []
    for name, value in fields:
        action = draw(st.sampled_from(["keep", "keep", "replace", "replace", "drop", "repeat"]))
        if action == "keep":
            out.append((name, value))
        elif action == "replace":
            out.append((name, _value(draw)))
        elif action == "repeat":
            out.extend([(name, value), (name, _value(draw))])
    for _ in range(draw(st.integers(0, 2))):
        out.append((draw(st.sampled_from(extra)), _value(draw)))
    return out


def _encoded(pairs) -> bytes:
    def part(text: str | bytes) -> str:
        return quote_from_bytes(text) if isinstance(text, bytes) else quote(text, safe="")
    return "&".join(f"{part(name)}={part(value)}" for name, value in pairs).encode()


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _send(world: World, draw, target: Target):
    client = world.clients[target.identity]
    token = world.tokens[target.identity]
    url = target.url
    if "<" in url:  # a string part (registry number): hostile text in the path
        url = re.sub(r"<(?:\w+:)?\w+>", lambda _m: quote(_text(_value(draw))[:500], safe=""), url)
    elif draw(st.integers(0, 9)) == 0:  # now and then a hostile id instead of a real one
        url = re.sub(r"/\d+(?=/|$|\.)", "/" + draw(st.sampled_from(NUMBERS[:5])), url, count=1)
    if target.method == "GET":
        pairs = _mutated(draw, target.fields, QUERY_NAMES)
        if not pairs:
            pairs = [(draw(st.sampled_from(QUERY_NAMES)), _value(draw)) for _ in range(draw(st.integers(1, 3)))]
        return client.get(f"{url}?{_encoded(pairs).decode('ascii')}", buffered=True), pairs
    fields = [(name, value) for name, value in target.fields if name != "csrf_token"]
    if not target.fields:  # no page showed this form: some of the names any form of the app uses
        fields = [(name, "x") for name in draw(st.lists(st.sampled_from(world.field_names), min_size=1,
                                                         max_size=8))]
    pairs = _mutated(draw, fields, world.field_names)
    if draw(st.integers(0, 19)) != 0:
        pairs.append(("csrf_token", token))
    files = [name for name in target.files if draw(st.booleans())]
    if files or url.startswith("/api/"):
        data: dict = {}
        for name, value in pairs:
            data.setdefault(name, []).append(_text(value))
        for name in files or ["document"]:
            data.setdefault(name, []).append((io.BytesIO(draw(st.sampled_from(FILE_BYTES))),
                                              draw(st.sampled_from(["a.pdf", "../../x.pdf", "évidence\x00.docx",
                                                                    f"<{TAG}>.png", "a" * 300]))))
        return client.post(url, data=data, content_type="multipart/form-data", buffered=True), pairs
    return client.post(url, data=_encoded(pairs), content_type="application/x-www-form-urlencoded",
                       buffered=True), pairs


def test_hostile_input_gives_no_server_error_and_every_payload_escaped(world):
    counted = {"requests": 0, "errors": 0}
    failures: list[str] = []
    started = time.monotonic()

    @settings(max_examples=REQUESTS, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(st.data())
    def one_request(data) -> None:
        target = data.draw(st.sampled_from(world.forms if data.draw(st.booleans()) else world.targets))
        response, pairs = _send(world, data.draw, target)
        counted["requests"] += 1
        if response.status_code >= 500:
            counted["errors"] += 1
            failures.append(f"{response.status_code} {target.identity} {target.method} {target.url} {pairs!r:.300}")
        elif response.mimetype == "text/html":
            found = UNESCAPED.search(response.get_data(as_text=True))
            if found:
                failures.append(f"unescaped markup {target.identity} {target.method} {target.url} {pairs!r:.300}")
        if world.emails.get(target.identity) and response.status_code == 302 \
                and response.headers.get("Location", "").startswith("/login"):
            world.sign_in(target.identity)  # e.g. an /account change ended the session: sign in again

    one_request()
    seconds = time.monotonic() - started
    print(f"hostile input: {len(world.targets)} targets, {seconds:.0f} s")
    assert not failures, f"{len(failures)} failures, first: " + "\n".join(failures[:20])
    assert counted["requests"] >= REQUESTS
    proof(f"hostile input: {counted['requests']} requests, {counted['errors']} server errors")


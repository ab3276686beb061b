"""Versioned agreement texts: loading, integrity checking and rendering.

Layout (see ``agreements/README.md``)::

    agreements/<slug>/<version>/meta.toml
    agreements/<slug>/<version>/kk.md
    agreements/<slug>/<version>/ru.md
    agreements/<slug>/<version>/en.md

``<slug>`` is lower-case letters, digits and hyphens; ``<version>`` is ``v`` followed by a
positive number without leading zeros (``v1``, ``v2``, ``v10``).

Hash rule (the one value printed on a signed agreement)::

    sha256( for lang in ("kk", "ru", "en"):
                lang + "\\n" + hex(sha256(bytes of <lang>.md)) + "\\n" )

i.e. the SHA-256 of the concatenation, in that fixed order, of each language code, a line
feed, the lower-case hex SHA-256 of that file's bytes exactly as on disk (no newline or
encoding normalisation) and a line feed. ``meta.toml`` is not part of the hash.

A published version is immutable: ``load_texts`` refuses it if the computed hash differs from
the ``sha256`` recorded in its ``meta.toml``. A draft (``published = false``) is loaded with
its computed hash, and a recorded ``sha256`` is then ignored.

Placeholders are exactly ``{{ name }}`` for the six names in ``PLACEHOLDERS``; no other
template syntax is allowed. This module is plain Python: no Flask, no database.

Publishing a new version::

    python -m app.agreements.texts hash agreements/<slug>/<version>
"""

from __future__ import annotations

import argparse
import hashlib
import html
import re
import sys
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType

import markdown

LANGUAGES = ("kk", "ru", "en")

PLACEHOLDERS = (
    "agreement_number",
    "agreement_date",
    "association_name",
    "association_bin",
    "association_head",
    "association_head_position",
)

META_FILE = "meta.toml"

_REQUIRED_KEYS = ("slug", "version", "published", "effective_date", "term_months", "title")
_OPTIONAL_KEYS = ("sha256",)

_SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_VERSION_RE = re.compile(r"v([1-9][0-9]*)")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
# Any double-brace expression; the name inside must be one of PLACEHOLDERS, spelt exactly
# "{{ name }}" (one space on each side).
_PLACEHOLDER_RE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_CANONICAL_RE = re.compile(r" ([a-z_]+) ")
# Left-overs of other template languages (Jinja statements/comments, stray braces).
_STRAY_SYNTAX_RE = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
# Python-Markdown's backslash-escapable characters, except ">": "<", ">", "&" and quotes are
# entity-escaped instead (a backslash before an entity would be shown literally).
_MARKDOWN_SPECIAL_RE = re.compile(r"([\\`*_{}\[\]()#+\-.!])")


class AgreementTextError(Exception):
    """An agreement text folder is missing, malformed, or was changed after publication."""


@dataclass(frozen=True)
class AgreementText:
    """One version of an agreement text in the three languages."""

    slug: str
    version: str
    published: bool
    effective_date: date
    term_months: int
    sha256: str
    titles: Mapping[str, str]
    bodies: Mapping[str, str]

    @property
    def version_number(self) -> int:
        """The numeric part of ``version`` (``v10`` -> 10), for ordering."""
        return _version_number(self.version)

    def title(self, lang: str) -> str:
        _check_language(lang)
        return self.titles[lang]

    def render_html(self, lang: str, values: Mapping[str, str]) -> str:
        """Substitute the placeholders and convert the Markdown of ``lang`` to HTML.

        ``values`` must give a non-blank string for every placeholder the text uses and
        nothing else. Each value is made inert before substitution: runs of whitespace
        (including line breaks) become one space, Markdown-significant characters are
        backslash-escaped and HTML-significant characters are entity-escaped, so a value can
        neither inject HTML nor change the document's Markdown structure.
        """
        _check_language(lang)
        where = f"{self.slug}/{self.version}/{lang}.md"
        unknown_keys = sorted(set(values) - set(PLACEHOLDERS))
        if unknown_keys:
            raise AgreementTextError(f"{where}: unknown placeholder value(s): {', '.join(unknown_keys)}")
        source = self.bodies[lang]
        used = _placeholders_in(source, where)
        prepared: dict[str, str] = {}
        for name in sorted(used):
            value = values.get(name)
            if not isinstance(value, str) or not value.strip():
                raise AgreementTextError(f"{where}: missing value for placeholder {{{{ {name} }}}}")
            prepared[name] = _inert(value)
        substituted = _PLACEHOLDER_RE.sub(lambda m: prepared[m.group(1).strip()], source)
        return markdown.markdown(substituted, output_format="html")


def compute_hash(folder: Path) -> str:
    """The SHA-256 of a version folder's three language files (see the module docstring)."""
    folder = Path(folder)
    outer = hashlib.sha256()
    for lang in LANGUAGES:
        outer.update(lang.encode("ascii") + b"\n")
        outer.update(hashlib.sha256(_read_bytes(folder, lang)).hexdigest().encode("ascii") + b"\n")
    return outer.hexdigest()


def load_texts(root: Path) -> dict[tuple[str, str], AgreementText]:
    """Load every ``<slug>/<version>/`` folder under ``root`` that has a ``meta.toml``.

    Returns a dict keyed by ``(slug, version)``. Raises ``AgreementTextError`` naming the
    folder for a missing language file, invalid UTF-8, bad TOML, a missing, unknown or
    ill-typed key, an unknown placeholder, or a published version whose files have changed.
    """
    root = Path(root)
    if not root.is_dir():
        raise AgreementTextError(f"{root}: agreement texts folder does not exist")
    texts: dict[tuple[str, str], AgreementText] = {}
    for meta_path in sorted(root.glob(f"*/*/{META_FILE}")):
        text = _load_version(meta_path.parent)
        texts[(text.slug, text.version)] = text
    return texts


def latest_published(texts: Mapping[tuple[str, str], AgreementText], slug: str) -> AgreementText:
    """The published version of ``slug`` with the highest version number (v10 beats v2)."""
    candidates = [t for t in texts.values() if t.slug == slug and t.published]
    if not candidates:
        raise AgreementTextError(f"no published version of agreement text {slug!r}")
    return max(candidates, key=lambda t: t.version_number)


# --- internals ---------------------------------------------------------------------------


def _check_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise AgreementTextError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")


def _version_number(version: str) -> int:
    match = _VERSION_RE.fullmatch(version)
    if match is None:
        raise AgreementTextError(f"bad version {version!r}: expected v1, v2, ... (no leading zeros)")
    return int(match.group(1))


def _read_bytes(folder: Path, lang: str) -> bytes:
    path = folder / f"{lang}.md"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise AgreementTextError(f"{folder}: missing language file {lang}.md") from None
    except OSError as exc:
        raise AgreementTextError(f"{folder}: cannot read {lang}.md: {exc}") from exc


def _placeholders_in(source: str, where: str) -> set[str]:
    """The placeholder names used in ``source``; anything else template-like is an error."""
    used: set[str] = set()
    for match in _PLACEHOLDER_RE.finditer(source):
        inner = match.group(1)
        canonical = _CANONICAL_RE.fullmatch(inner)
        if canonical is None or canonical.group(1) not in PLACEHOLDERS:
            raise AgreementTextError(
                f"{where}: unknown placeholder {match.group(0)!r}; allowed: "
                + ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)
            )
        used.add(canonical.group(1))
    stray = _STRAY_SYNTAX_RE.search(_PLACEHOLDER_RE.sub("", source))
    if stray is not None:
        raise AgreementTextError(f"{where}: stray template syntax {stray.group(0)!r}")
    return used


def _inert(value: str) -> str:
    """A value that renders as literal text: no HTML, no Markdown structure.

    Control characters become U+FFFD (the replacement character): they print nothing,
    and Markdown itself uses two of them (STX, ETX) to mark the HTML it has set aside, so a
    value holding one could splice the document; replaced, not dropped, so that a value
    never becomes empty.
    """
    flat = "".join("\ufffd" if unicodedata.category(char) == "Cc" else char for char in " ".join(value.split()))
    escaped = _MARKDOWN_SPECIAL_RE.sub(r"\\\1", flat)
    # Backslash escapes first, entities second: the "&", "#" and ";" of the entities below
    # must reach Markdown unescaped to be recognised as entities.
    return html.escape(escaped, quote=True)


def _load_version(folder: Path) -> AgreementText:
    meta_path = folder / META_FILE
    try:
        meta = tomllib.loads(meta_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AgreementTextError(f"{folder}: {META_FILE} is not valid TOML: {exc}") from exc

    missing = [key for key in _REQUIRED_KEYS if key not in meta]
    if missing:
        raise AgreementTextError(f"{folder}: {META_FILE} is missing key(s): {', '.join(missing)}")
    unknown = sorted(set(meta) - set(_REQUIRED_KEYS) - set(_OPTIONAL_KEYS))
    if unknown:
        raise AgreementTextError(f"{folder}: {META_FILE} has unknown key(s): {', '.join(unknown)}")

    slug, version = meta["slug"], meta["version"]
    if not isinstance(slug, str) or _SLUG_RE.fullmatch(slug) is None:
        raise AgreementTextError(f"{folder}: bad slug {slug!r}: lower-case letters, digits, hyphens")
    if not isinstance(version, str) or _VERSION_RE.fullmatch(version) is None:
        raise AgreementTextError(f"{folder}: bad version {version!r}: expected v1, v2, ...")
    if (slug, version) != (folder.parent.name, folder.name):
        raise AgreementTextError(
            f"{folder}: {META_FILE} says {slug}/{version}, but the folder is "
            f"{folder.parent.name}/{folder.name}"
        )

    published = meta["published"]
    if not isinstance(published, bool):
        raise AgreementTextError(f"{folder}: 'published' must be true or false")

    effective_date = meta["effective_date"]
    if isinstance(effective_date, str):
        try:
            effective_date = date.fromisoformat(effective_date)
        except ValueError:
            effective_date = None
    if not isinstance(effective_date, date) or hasattr(effective_date, "hour"):
        raise AgreementTextError(f"{folder}: 'effective_date' must be a date like \"2026-12-01\"")

    term_months = meta["term_months"]
    if isinstance(term_months, bool) or not isinstance(term_months, int) or term_months < 1:
        raise AgreementTextError(f"{folder}: 'term_months' must be a positive whole number")

    title_table = meta["title"]
    if not isinstance(title_table, dict):
        raise AgreementTextError(f"{folder}: [title] must be a table with keys {', '.join(LANGUAGES)}")
    titles: dict[str, str] = {}
    for lang in LANGUAGES:
        value = title_table.get(lang)
        if not isinstance(value, str) or not value.strip():
            raise AgreementTextError(f"{folder}: [title] is missing a non-empty '{lang}'")
        titles[lang] = value
    extra_titles = sorted(set(title_table) - set(LANGUAGES))
    if extra_titles:
        raise AgreementTextError(f"{folder}: [title] has unknown language(s): {', '.join(extra_titles)}")

    bodies: dict[str, str] = {}
    for lang in LANGUAGES:
        raw = _read_bytes(folder, lang)
        try:
            bodies[lang] = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AgreementTextError(f"{folder}: {lang}.md is not valid UTF-8: {exc}") from exc
        _placeholders_in(bodies[lang], f"{folder}/{lang}.md")

    computed = compute_hash(folder)
    if published:
        recorded = meta.get("sha256")
        if not isinstance(recorded, str) or _SHA256_RE.fullmatch(recorded) is None:
            raise AgreementTextError(
                f'{folder}: a published version needs sha256 = "<64 lower-case hex digits>" in '
                f"{META_FILE}; compute it with: python -m app.agreements.texts hash {folder}"
            )
        if recorded != computed:
            raise AgreementTextError(
                f"{folder}: the text has changed since it was published (recorded sha256 {recorded}, "
                f"computed {computed}); publish a new version instead"
            )

    return AgreementText(
        slug=slug,
        version=version,
        published=published,
        effective_date=effective_date,
        term_months=term_months,
        sha256=computed,
        titles=MappingProxyType(titles),
        bodies=MappingProxyType(bodies),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m app.agreements.texts",
        description="Tools for versioned agreement texts.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    hash_cmd = commands.add_parser("hash", help="print the SHA-256 of a version folder's texts")
    hash_cmd.add_argument("folder", type=Path, help="e.g. agreements/pbi-standard/v2")
    args = parser.parse_args(argv)
    try:
        print(compute_hash(args.folder))
    except AgreementTextError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

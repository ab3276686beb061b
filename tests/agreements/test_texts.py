"""Agreement texts: the shipped v1, the integrity rule, loading errors and rendering."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import subprocess
import sys
import tomllib
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.agreements.texts import (
    LANGUAGES,
    PLACEHOLDERS,
    AgreementText,
    AgreementTextError,
    compute_hash,
    latest_published,
    load_texts,
)

REPO = Path(__file__).resolve().parents[2]
AGREEMENTS = REPO / "agreements"
V1 = AGREEMENTS / "pbi-standard" / "v1"

SIX = (
    "agreement_number",
    "agreement_date",
    "association_name",
    "association_bin",
    "association_head",
    "association_head_position",
)
VALUES = {
    "agreement_number": "PBI-A-2026-0007",
    "agreement_date": "01.12.2026",
    "association_name": "«Түркістан кәсіпкерлері» қауымдастығы",
    "association_bin": "940140000385",
    "association_head": "Сейітов Бақыт Әлібекұлы",
    "association_head_position": "Төраға",
}
KAZAKH_LETTERS = set("әғқңөұүі")


def reference_hash(folder: Path) -> str:
    """The documented hash rule, written out independently of the module under test."""
    outer = b""
    for lang in ("kk", "ru", "en"):
        inner = hashlib.sha256((folder / f"{lang}.md").read_bytes()).hexdigest()
        outer += lang.encode() + b"\n" + inner.encode() + b"\n"
    return hashlib.sha256(outer).hexdigest()


def recorded_sha256(folder: Path) -> str:
    match = re.search(r'^sha256 = "([0-9a-f]{64})"$', (folder / "meta.toml").read_text("utf-8"), re.M)
    assert match, "meta.toml must record sha256"
    return match.group(1)


def write_version(
    root: Path,
    slug: str,
    version: str,
    *,
    published: bool,
    body: str = "# Title\n\n1.1. {{ association_name }} of {{ agreement_date }}.\n",
    sha256: str | None = None,
) -> Path:
    folder = root / slug / version
    folder.mkdir(parents=True)
    for lang in LANGUAGES:
        (folder / f"{lang}.md").write_text(f"{body}\n<!-- {lang} -->\n", encoding="utf-8")
    digest = reference_hash(folder) if sha256 is None else sha256
    (folder / "meta.toml").write_text(
        f'slug = "{slug}"\nversion = "{version}"\npublished = {str(published).lower()}\n'
        f'effective_date = "2026-12-01"\nterm_months = 24\nsha256 = "{digest}"\n\n'
        '[title]\nkk = "Келісім"\nru = "Соглашение"\nen = "Agreement"\n',
        encoding="utf-8",
    )
    return folder


def copy_v1(tmp_path: Path) -> Path:
    target = tmp_path / "agreements" / "pbi-standard" / "v1"
    shutil.copytree(V1, target)
    return target


def shipped_bodies() -> dict[str, str]:
    return {lang: (V1 / f"{lang}.md").read_text(encoding="utf-8") for lang in LANGUAGES}


# --- the shipped v1 ------------------------------------------------------------------------


def test_public_constants():
    assert LANGUAGES == ("kk", "ru", "en")
    assert set(PLACEHOLDERS) == set(SIX)


def test_shipped_v1_loads_published_with_the_recorded_hash():
    texts = load_texts(AGREEMENTS)
    v1 = texts[("pbi-standard", "v1")]
    expected = reference_hash(V1)
    assert v1.published is True
    assert recorded_sha256(V1) == expected
    assert compute_hash(V1) == expected
    assert v1.sha256 == expected
    meta = tomllib.loads((V1 / "meta.toml").read_text("utf-8"))
    assert v1.effective_date == date.fromisoformat(meta["effective_date"])
    assert v1.term_months == 24
    assert latest_published(texts, "pbi-standard") is v1


def test_shipped_titles_match_the_texts_headings():
    v1 = load_texts(AGREEMENTS)[("pbi-standard", "v1")]
    for lang in LANGUAGES:
        first_line = v1.bodies[lang].splitlines()[0]
        assert first_line == "# " + v1.title(lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_shipped_texts_use_exactly_the_six_placeholders(lang):
    body = shipped_bodies()[lang]
    for name in SIX:
        assert body.count("{{ " + name + " }}") >= 1, name
    others = [m for m in re.findall(r"\{\{.*?\}\}", body, re.S) if m.strip("{} ") not in SIX]
    assert others == []
    stripped = re.sub(r"\{\{ [a-z_]+ \}\}", "", body)
    for syntax in ("{{", "}}", "{%", "%}", "{#", "#}"):
        assert syntax not in stripped


@pytest.mark.parametrize("lang", LANGUAGES)
def test_shipped_texts_are_utf8_lf_and_end_with_a_newline(lang):
    raw = (V1 / f"{lang}.md").read_bytes()
    raw.decode("utf-8")
    assert b"\r" not in raw
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.endswith(b"\n")


def test_kazakh_text_uses_kazakh_letters_and_no_stray_latin():
    body = re.sub(r"\{\{ [a-z_]+ \}\}", "", shipped_bodies()["kk"])
    assert set(body.lower()) >= KAZAKH_LETTERS
    latin_words = set(re.findall(r"[A-Za-z]+", body))
    assert latin_words <= {"PBI", "Registry", "SHA"}, latin_words


def test_russian_text_has_no_kazakh_letters():
    assert not set(shipped_bodies()["ru"].lower()) & KAZAKH_LETTERS


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_word_mixes_latin_and_cyrillic(lang):
    words = re.findall(r"[^\W\d_]+", shipped_bodies()[lang])
    mixed = [w for w in words if re.search(r"[A-Za-z]", w) and re.search(r"[Ѐ-ӿ]", w)]
    assert mixed == []


def test_three_languages_have_the_same_structure():
    def outline(body: str) -> list[str]:
        return re.findall(r"^(## \d+\.|\d+\.\d+\.)", body, re.M)

    bodies = shipped_bodies()
    kk = outline(bodies["kk"])
    assert [h for h in kk if h.startswith("##")] == [f"## {n}." for n in range(1, 12)]
    assert outline(bodies["ru"]) == kk
    assert outline(bodies["en"]) == kk


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("kk", "24 (жиырма төрт) ай"),
        ("ru", "24 (двадцати четырёх) месяцев"),
        ("en", "24 (twenty-four) months"),
    ],
)
def test_term_in_text_matches_meta(lang, words):
    v1 = load_texts(AGREEMENTS)[("pbi-standard", "v1")]
    assert words.startswith(str(v1.term_months) + " ")
    assert words in v1.bodies[lang]


@pytest.mark.parametrize(
    ("lang", "required"),
    [
        (
            "kk",
            [
                "Әкімшілік рәсімдік-процестік кодексі",
                "«Сыбайлас жемқорлыққа қарсы іс-қимыл туралы»",
                "«Дербес деректер және оларды қорғау туралы»",
                "30 (отыз) күнтізбелік күн",
                "SHA-256",
            ],
        ),
        (
            "ru",
            [
                "Административным процедурно-процессуальным кодексом",
                "«О противодействии коррупции»",
                "«О персональных данных и их защите»",
                "30 (тридцать) календарных дней",
                "SHA-256",
            ],
        ),
        (
            "en",
            [
                "Administrative Procedural and Process Code",
                '"On Combating Corruption"',
                '"On Personal Data and Their Protection"',
                "30 (thirty) calendar days",
                "SHA-256",
            ],
        ),
    ],
)
def test_texts_name_the_laws_notice_period_and_hash(lang, required):
    body = shipped_bodies()[lang]
    for phrase in required:
        assert phrase in body, phrase
    assert not re.search(r"(?i)\b(article|статья|статьи)\s+\d", body)


def test_gitattributes_keeps_agreement_bytes_as_they_are():
    lines = (REPO / ".gitattributes").read_text(encoding="utf-8").splitlines()
    assert "agreements/** -text" in lines


# --- the hash --------------------------------------------------------------------------------


def test_compute_hash_follows_the_documented_rule_and_sees_raw_bytes(tmp_path):
    folder = write_version(tmp_path, "demo", "v1", published=False)
    assert compute_hash(folder) == reference_hash(folder)
    before = compute_hash(folder)
    ru = folder / "ru.md"
    ru.write_bytes(ru.read_bytes().replace(b"\n", b"\r\n"))
    assert compute_hash(folder) != before


def test_compute_hash_depends_on_which_file_holds_which_text(tmp_path):
    folder = write_version(tmp_path, "demo", "v1", published=False)
    before = compute_hash(folder)
    kk, ru = (folder / "kk.md").read_bytes(), (folder / "ru.md").read_bytes()
    (folder / "kk.md").write_bytes(ru)
    (folder / "ru.md").write_bytes(kk)
    assert compute_hash(folder) != before


def test_compute_hash_missing_file_names_the_folder(tmp_path):
    folder = write_version(tmp_path, "demo", "v1", published=False)
    (folder / "en.md").unlink()
    with pytest.raises(AgreementTextError, match=r"en\.md") as info:
        compute_hash(folder)
    assert str(folder) in str(info.value)


def test_cli_prints_the_hash():
    result = subprocess.run(
        [sys.executable, "-m", "app.agreements.texts", "hash", str(V1)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == reference_hash(V1)


# --- integrity of published versions --------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_one_changed_byte_in_a_published_copy_is_refused(tmp_path, lang):
    folder = copy_v1(tmp_path)
    path = folder / f"{lang}.md"
    data = bytearray(path.read_bytes())
    data[-2] = ord("!") if data[-2] != ord("!") else ord("?")
    path.write_bytes(bytes(data))
    with pytest.raises(AgreementTextError, match="changed since it was published") as info:
        load_texts(tmp_path / "agreements")
    assert str(folder) in str(info.value)
    assert "new version" in str(info.value)


def test_the_same_change_in_a_draft_loads_with_a_different_hash(tmp_path):
    folder = copy_v1(tmp_path)
    meta = folder / "meta.toml"
    meta.write_text(meta.read_text("utf-8").replace("published = true", "published = false"), "utf-8")
    original = load_texts(tmp_path / "agreements")[("pbi-standard", "v1")]
    assert original.sha256 == reference_hash(V1)
    path = folder / "ru.md"
    data = bytearray(path.read_bytes())
    data[-2] = ord("!") if data[-2] != ord("!") else ord("?")
    path.write_bytes(bytes(data))
    draft = load_texts(tmp_path / "agreements")[("pbi-standard", "v1")]
    assert draft.published is False
    assert draft.sha256 == reference_hash(folder) != reference_hash(V1)


def test_published_version_without_a_valid_recorded_hash_is_refused(tmp_path):
    write_version(tmp_path, "demo", "v1", published=True, sha256="")
    with pytest.raises(AgreementTextError, match="sha256"):
        load_texts(tmp_path)


# --- loading errors --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_missing_language_file_is_an_error_naming_folder_and_file(tmp_path, lang):
    folder = write_version(tmp_path, "demo", "v1", published=False)
    (folder / f"{lang}.md").unlink()
    with pytest.raises(AgreementTextError, match=rf"{lang}\.md") as info:
        load_texts(tmp_path)
    assert str(folder) in str(info.value)


def test_bad_toml_is_an_error_naming_the_folder(tmp_path):
    folder = write_version(tmp_path, "demo", "v1", published=False)
    (folder / "meta.toml").write_text('slug = "demo"\nversion = v1\n', encoding="utf-8")
    with pytest.raises(AgreementTextError, match="TOML") as info:
        load_texts(tmp_path)
    assert str(folder) in str(info.value)


@pytest.mark.parametrize("key", ["slug", "version", "published", "effective_date", "term_months", "title"])
def test_missing_meta_key_is_an_error(tmp_path, key):
    folder = write_version(tmp_path, "demo", "v1", published=False)
    meta = folder / "meta.toml"
    text = meta.read_text("utf-8")
    drop = r"\[title\][\s\S]*" if key == "title" else rf"^{key} = .*\n"
    text = re.sub(drop, "", text, flags=re.M)
    meta.write_text(text, "utf-8")
    with pytest.raises(AgreementTextError, match=key) as info:
        load_texts(tmp_path)
    assert str(folder) in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("published = false", 'published = "no"', "published"),
        ('effective_date = "2026-12-01"', 'effective_date = "1 Dec 2026"', "effective_date"),
        ("term_months = 24", "term_months = 0", "term_months"),
        ("term_months = 24", "term_months = true", "term_months"),
        ('en = "Agreement"', 'de = "Vereinbarung"', "'en'"),
        ('slug = "demo"', 'slug = "other"', "folder"),
        ('version = "v1"', 'version = "v2"', "folder"),
        ("term_months = 24", "term_months = 24\npublised = true", "unknown key"),
    ],
)
def test_ill_formed_meta_is_an_error(tmp_path, old, new, message):
    folder = write_version(tmp_path, "demo", "v1", published=False)
    meta = folder / "meta.toml"
    text = meta.read_text("utf-8")
    assert old in text
    meta.write_text(text.replace(old, new), "utf-8")
    with pytest.raises(AgreementTextError, match=message):
        load_texts(tmp_path)


def test_toml_date_value_is_accepted(tmp_path):
    folder = write_version(tmp_path, "demo", "v1", published=False)
    meta = folder / "meta.toml"
    meta.write_text(meta.read_text("utf-8").replace('"2026-12-01"', "2026-12-01"), "utf-8")
    assert load_texts(tmp_path)[("demo", "v1")].effective_date == date(2026, 12, 1)


def test_bad_version_folder_name_is_an_error(tmp_path):
    write_version(tmp_path, "demo", "v01", published=False)
    with pytest.raises(AgreementTextError, match="v01"):
        load_texts(tmp_path)


@pytest.mark.parametrize(
    "bad", ["{{ association_nam }}", "{{association_name}}", "{% if x %}", "{{ x | e }}", "}}"]
)
def test_unknown_placeholder_or_template_syntax_in_a_file_is_a_load_error(tmp_path, bad):
    write_version(tmp_path, "demo", "v1", published=False, body=f"# T\n\nText {bad} here.\n")
    with pytest.raises(AgreementTextError, match=r"demo/v1/kk\.md"):
        load_texts(tmp_path)


def test_folders_without_meta_are_ignored_and_missing_root_is_an_error(tmp_path):
    (tmp_path / "demo" / "v1").mkdir(parents=True)
    (tmp_path / "demo" / "v1" / "kk.md").write_text("# x\n", "utf-8")
    assert load_texts(tmp_path) == {}
    with pytest.raises(AgreementTextError, match="does not exist"):
        load_texts(tmp_path / "nowhere")


def test_invalid_utf8_is_an_error(tmp_path):
    folder = write_version(tmp_path, "demo", "v1", published=False)
    (folder / "kk.md").write_bytes(b"# \xff\xfe\n")
    with pytest.raises(AgreementTextError, match="UTF-8"):
        load_texts(tmp_path)


def test_loaded_text_is_immutable():
    v1 = load_texts(AGREEMENTS)[("pbi-standard", "v1")]
    with pytest.raises(dataclasses.FrozenInstanceError):
        v1.sha256 = "0" * 64  # type: ignore[misc]
    with pytest.raises(TypeError):
        v1.bodies["kk"] = "changed"  # type: ignore[index]


# --- rendering -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_render_html_substitutes_every_placeholder(lang):
    v1 = load_texts(AGREEMENTS)[("pbi-standard", "v1")]
    html = v1.render_html(lang, VALUES)
    assert "{{" not in html and "}}" not in html
    for value in VALUES.values():
        assert value in html
    assert html.startswith("<h1>")
    assert html.count("<h2>") == 11
    assert "<li>" in html


def test_render_html_escapes_markup_in_values():
    v1 = load_texts(AGREEMENTS)[("pbi-standard", "v1")]
    evil = {**VALUES, "association_name": '<script>alert("x")</script> & <b>Co</b>'}
    html = v1.render_html("ru", evil)
    assert "<script" not in html and "<b>Co" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" in html


def test_render_html_keeps_markdown_in_values_literal():
    v1 = load_texts(AGREEMENTS)[("pbi-standard", "v1")]
    tricky = {**VALUES, "association_head": "*Bold* [link](http://x) `code`\n\n# Heading\n- item"}
    html = v1.render_html("en", tricky)
    assert "*Bold* [link](http://x) `code` # Heading - item" in html
    assert "<em>" not in html and "<a " not in html and "<code>" not in html
    assert html.count("<h1>") == 1


def test_render_html_refuses_unknown_placeholder_in_the_text():
    v1 = load_texts(AGREEMENTS)[("pbi-standard", "v1")]
    bodies = {**v1.bodies, "en": v1.bodies["en"] + "\n{{ department_head }}\n"}
    broken = dataclasses.replace(v1, bodies=bodies)
    with pytest.raises(AgreementTextError, match="department_head"):
        broken.render_html("en", VALUES)


@pytest.mark.parametrize("name", SIX)
def test_render_html_refuses_a_missing_or_blank_value(name):
    v1 = load_texts(AGREEMENTS)[("pbi-standard", "v1")]
    missing = {k: v for k, v in VALUES.items() if k != name}
    with pytest.raises(AgreementTextError, match=name):
        v1.render_html("kk", missing)
    with pytest.raises(AgreementTextError, match=name):
        v1.render_html("kk", {**VALUES, name: "   "})


def test_render_html_refuses_unknown_values_and_languages():
    v1 = load_texts(AGREEMENTS)[("pbi-standard", "v1")]
    with pytest.raises(AgreementTextError, match="association_nam"):
        v1.render_html("ru", {**VALUES, "association_nam": "x"})
    with pytest.raises(AgreementTextError, match="de"):
        v1.render_html("de", VALUES)
    with pytest.raises(AgreementTextError, match="de"):
        v1.title("de")


def test_render_does_not_substitute_inside_values():
    v1 = load_texts(AGREEMENTS)[("pbi-standard", "v1")]
    html = v1.render_html("en", {**VALUES, "association_name": "{{ association_bin }}"})
    assert "{{ association_bin }}" in html


class _TagCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def _tags(html: str) -> list[str]:
    parser = _TagCounter()
    parser.feed(html)
    return parser.tags


_V1 = load_texts(AGREEMENTS)[("pbi-standard", "v1")]
_BASELINE_TAGS = {lang: _tags(_V1.render_html(lang, VALUES)) for lang in LANGUAGES}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(SIX),
    value=st.text(min_size=1, max_size=40).filter(lambda s: s.strip()),
    lang=st.sampled_from(LANGUAGES),
)
def test_no_value_can_change_the_document_structure(name, value, lang):
    html = _V1.render_html(lang, {**VALUES, name: value})
    assert _tags(html) == _BASELINE_TAGS[lang]


# --- choosing a version ----------------------------------------------------------------------


def test_latest_published_compares_versions_numerically_and_skips_drafts(tmp_path):
    for version in ("v1", "v2", "v10"):
        write_version(tmp_path, "pbi-standard", version, published=True)
    write_version(tmp_path, "pbi-standard", "v11", published=False)
    write_version(tmp_path, "other", "v99", published=True)
    texts = load_texts(tmp_path)
    assert set(texts) == {("pbi-standard", v) for v in ("v1", "v2", "v10", "v11")} | {("other", "v99")}
    latest = latest_published(texts, "pbi-standard")
    assert latest.version == "v10"
    assert isinstance(latest, AgreementText)


def test_latest_published_without_a_published_version_is_an_error(tmp_path):
    write_version(tmp_path, "pbi-standard", "v1", published=False)
    with pytest.raises(AgreementTextError, match="pbi-standard"):
        latest_published(load_texts(tmp_path), "pbi-standard")


@pytest.mark.parametrize(("control", "shown"), [("\x02", "\ufffd"), ("\x03", "\ufffd"), ("\x1b", "\ufffd"),
                                                 ("\x02wzxhzdk:0\x03", "\ufffdwzxhzdk:0\ufffd"), ("\x7f", "\ufffd"),
                                                 ("\x85", " ")])
def test_control_characters_in_a_value_are_shown_replaced_and_change_no_structure(control, shown):
    """Markdown marks the HTML it sets aside with STX/ETX: a value must not be able to forge one."""
    for value in (f"PBI-A-2026-{control}0001", *([control] if control.strip() else [])):
        html = _V1.render_html("en", {**VALUES, "agreement_number": value})
        assert _tags(html) == _BASELINE_TAGS["en"], value
        assert value.replace(control, shown).strip() in html
        assert not any(char in html for char in "\x02\x03\x1b\x7f\x85")

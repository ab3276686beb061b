"""The comparison keys of bodies' and officials' names: each rule of app.reporting.names, and that
different bodies keep different keys."""

from __future__ import annotations

import pytest

from app.reporting.names import KEY_LENGTH, body_key, official_key

LAND = "отдел земельных отношений сайрамского района"


@pytest.mark.parametrize("written", [
    "Отдел земельных отношений Сайрамского района",
    "ОТДЕЛ ЗЕМЕЛЬНЫХ ОТНОШЕНИЙ САЙРАМСКОГО РАЙОНА",  # case
    "  отдел   земельных\tотношений\nсайрамского  района ",  # spaces
    "Отдел земельных отношений, Сайрамского района.",  # punctuation
    "«Отдел земельных отношений Сайрамского района»",  # quotes of every kind
    "„Отдел земельных отношений Сайрамского района“",
    "\"Отдел земельных отношений Сайрамского района\"",
    "'Отдел земельных отношений Сайрамского района'",
    "‘Отдел земельных отношений Сайрамского района’",
    "ГУ «Отдел земельных отношений Сайрамского района»",  # the legal form, abbreviated or in full
    "Государственное учреждение «Отдел земельных отношений Сайрамского района»",
    "КГУ \"Отдел земельных отношений Сайрамского района\"",
    "Коммунальное государственное учреждение Отдел земельных отношений Сайрамского района",
    "Oтдел зeмeльных oтнoшeний Cайрамскoгo райoна",  # Latin o, e, C in Cyrillic words
    "OTДEЛ ЗEMEЛЬHЫX OTHOШEHИЙ CAЙPAMCKOГO PAЙOHA",  # Latin capitals A B C E H K M O P T X
])
def test_one_body_however_written_has_one_key(written):
    assert body_key(written) == LAND


@pytest.mark.parametrize(("first", "second"), [
    ("ТОО «Береке»", "Товарищество с ограниченной ответственностью «Береке»"),
    ("ТОО «Береке»", "«Береке» ЖШС"),
    ("ТОО «Береке»", "Жауапкершілігі шектеулі серіктестігі „Береке“"),
    ("TOO «Береке»", "ТОО «Береке»"),  # a word of look-alikes only takes the name's script
    ("АО «Казпочта»", "Акционерное общество «Казпочта»"),
    ("АО «Казпочта»", "Акционерлік қоғамы «Казпочта»"),
    ("УГД по городу Кентау", "Управление государственных доходов по городу Кентау"),
    ("Кентау қаласы бойынша МКБ", "Кентау қаласы бойынша мемлекеттік кірістер басқармасы"),
    ("Кентау қаласы бойынша УГД", "Кентау қаласы бойынша мемлекеттік кірістер басқармасы"),
    ("ДГД по Туркестанской области", "Департамент государственных доходов по Туркестанской области"),
    ("Түркістан облысы бойынша МКД", "Түркістан облысы бойынша мемлекеттік кірістер департаменті"),
    ("МИО Сайрамского района", "Местный исполнительный орган Сайрамского района"),
    ("ЖАО", "Жергілікті атқарушы органы"),
    ("МИО", "ЖАО"),
    ("Сайрам ауданының әкімдігі", "Сайрам ауданының акимат"),
    ("Сайрам ауданының әкімдігі", "САЙРАМ АУДАНЫНЫҢ ӘКІМДІГІ"),
    ("Акимат Сайрамского района", "Акимата Сайрамского района"),
    ("Акимат Сайрамского района", "Әкімдік Сайрамского района"),
    ("ДЧС Туркестанской области", "Департамент по чрезвычайным ситуациям Туркестанской области"),
    ("Түркістан облысының ДЧС", "Түркістан облысының төтенше жағдайлар департаменті"),
    ("ДП Туркестанской области", "Департамент полиции Туркестанской области"),
    ("РГУ «Департамент полиции Туркестанской области»", "ДП Туркестанской области"),
    ("РГУ «Х»", "Республиканское государственное учреждение «Х»"),
    ("«Х» РММ", "Республикалық мемлекеттік мекемесі «Х»"),
    ("РГП «Х»", "Республиканское государственное предприятие Х"),
    ("ГКП на ПХВ «Х»", "Государственное коммунальное предприятие на ПХВ Х"),
    ("«Х» МКК", "мемлекеттік коммуналдық кәсіпорны Х"),
    ("«Жер қатынастары бөлімі» ММ", "Мемлекеттік мекемесі «Жер қатынастары бөлімі»"),
    ("Ёлкинский сельский округ", "Елкинский сельский округ"),  # ё is е
    ("Қазақстан Темір Жолы", "Казакстан Темир Жолы"),  # Kazakh letters typed without a Kazakh keyboard
    ("Түркістан облысының ішкі саясат басқармасы", "Туркистан облысынын ишки саясат баскармасы"),
    ("Һ", "х"),
    ("Kazakhstan Temir Zholy", "Kazakhstan Теmir Zholy"),  # Cyrillic Т, е in a Latin word: Latin
    ("Kazakhstan Temir Zholy", "KAZAKHSTAN TEMIR ZHOLY"),
    ("Шымкент, ул. Байтурсынова, 5", "шымкент ул байтурсынова 5"),
])
def test_spellings_of_one_body_share_a_key(first, second):
    assert body_key(first) == body_key(second)


@pytest.mark.parametrize(("first", "second"), [
    ("Отдел земельных отношений Сайрамского района", "Отдел земельных отношений Ордабасинского района"),
    ("Сайрам ауданының әкімдігі", "Отырар ауданының әкімдігі"),
    ("УГД по городу Кентау", "ДГД по городу Кентау"),  # an office and its department
    ("ТОО «Береке»", "АО «Береке»"),  # commercial forms are kept
    ("ТОО «Береке»", "ТОО «Береке-1»"),
    ("Отдел полиции №1", "Отдел полиции №2"),
    ("Акимат Сайрамского района", "Аппарат акима Сайрамского района"),
    ("акимат района", "района акимат"),  # word order is kept
    ("Кентау қалалық полиция басқармасы", "Кентау қаласы бойынша мемлекеттік кірістер басқармасы"),
    ("Мемлекеттік кірістер басқармасы", "Мемлекеттік кірістер департаменті"),
    ("Отдел", "Отдел предпринимательства"),
    ("Министерство финансов", "Министерство юстиции"),
])
def test_different_bodies_keep_different_keys(first, second):
    assert body_key(first) != body_key(second)


def test_the_key_is_one_space_separated_line_of_folded_words():
    assert body_key(" ГУ\u00a0«Отдел —  образования»  (г. Арыс) ") == "отдел образования г арыс"


def test_a_name_of_a_legal_form_only_keeps_its_words():
    assert body_key("ГУ") == "гу"
    assert body_key("ТОО") == body_key("TOO") == "тоо"


def test_a_name_without_letters_or_digits_has_an_empty_key():
    for name in ("", "   ", "—", "«»", "...", None):
        assert body_key(name) == ""


def test_compatibility_characters_are_ordinary_letters():
    assert body_key("ＡＫＩＭＡＴ") == body_key("АКИМАТ") == "акимат"  # full-width Latin, a Cyrillic-looking word
    assert body_key("Отдел № 5") == body_key("отдел no 5")


def test_a_key_fits_its_column():
    assert len(body_key("Отдел " * 200)) == KEY_LENGTH
    assert len(official_key("Иванов " * 100)) <= KEY_LENGTH


@pytest.mark.parametrize(("first", "second"), [
    ("Иванов Иван Иванович", "ИВАНОВ  ИВАН  ИВАНОВИЧ"),
    ("Иванов Иван Иванович", "Ивaнoв Ивaн Ивaнoвич"),  # Latin a, o
    ("Иванов И.И.", "Иванов И. И."),
    ("Сейітқали Әсет", "Сейиткали Асет"),
    ("Сейітқали Әсет", "Сейiтқали Әсет"),  # a Latin i for the Kazakh і
    ("Алёна Ким", "Алена Ким"),
    ("«Иванов»", "Иванов"),
])
def test_spellings_of_one_official_share_a_key(first, second):
    assert official_key(first) == official_key(second)


@pytest.mark.parametrize(("first", "second"), [
    ("Иванов Иван Иванович", "Иванов Игорь Иванович"),
    ("Иванов И.И.", "Иванов Иван Иванович"),  # initials may be someone else
    ("Ким", "Кем"),
])
def test_different_officials_keep_different_keys(first, second):
    assert official_key(first) != official_key(second)


def test_an_official_name_keeps_words_that_are_body_types_in_a_body_name():
    assert official_key("Ао Гу") == "ао гу"


def test_no_official_named_has_no_key():
    for name in (None, "", "  ", "-"):
        assert official_key(name) is None

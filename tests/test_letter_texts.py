"""The letters' placeholders (mhst.letters.texts): checked when a template is saved,
filled in when a letter is produced; and any name renders in a PDF."""

from __future__ import annotations

import io
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from mhst.letters import pdf, texts
from mhst.letters.models import LetterKind

NAMES = sorted(texts.PLACEHOLDERS)


def test_every_default_text_is_valid_for_its_kind():
    for kind in LetterKind:
        assert texts.problems(texts.DEFAULTS[kind], kind) == [], kind


def test_unknown_and_malformed_placeholders_are_named():
    found = texts.problems(
        "{child_name} {nope} {child.name} {0} {} {session_date} }", LetterKind.CONSENT_REQUEST
    )
    assert found[0] == "Unknown placeholders: {nope}. Use only those listed"
    assert found[1].startswith("{session_date} cannot be filled in")
    assert "{child.name}, {0}, {}, }" in found[2]


def test_filling_replaces_names_only():
    values = dict.fromkeys(NAMES, "X") | {"child_name": "{today}"}
    assert texts.fill("{child_name} {{today}} {today}", values) == "{today} {today} X"


plain = st.text(alphabet=st.characters(blacklist_characters="{}"))
placeholder = st.sampled_from(NAMES).map(lambda name: "{" + name + "}")


@given(st.lists(st.one_of(plain, placeholder)), st.sampled_from(list(LetterKind)))
def test_a_template_of_known_placeholders_passes_or_names_each_misplaced_one(parts, kind):
    body = "".join(parts)
    found = texts.problems(body, kind)
    misplaced = {p for p in parts if p.startswith("{") and p[1:-1] not in texts.allowed(kind)}
    if misplaced:
        assert len(found) == 1
        assert all(p in found[0] for p in misplaced)
    else:
        assert found == []
        filled = texts.fill(body, texts.SAMPLE)
        assert filled == "".join(
            texts.SAMPLE[p[1:-1]] if p.startswith("{") and p[1:-1] in NAMES else p for p in parts
        )


@given(st.text())
def test_any_text_is_checked_without_error(body):
    for problem in texts.problems(body, LetterKind.DISCHARGE_GP):
        assert problem.endswith("Use only those listed") or "written wrongly" in problem


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "".join("".join(page.extract_text() for page in reader.pages).split())


def _letter_pdf(app, name: str, other: str) -> bytes:
    with app.test_request_context():
        html = pdf.letter_html(
            body=f"Dear {name},\n\nAbout {other}.",
            recipient_name=name,
            recipient_address=other,
            dated=date(2027, 1, 4),
            signature=pdf.Signature(other or "Jo", "EMHP"),
        )
        return pdf.make_pdf(html)


# Names in the scripts the system's fonts draw (Latin, Greek, Cyrillic): each appears in
# the PDF's text. (A character no font draws is shown as a box, and pypdf then reads the
# other characters of that font wrongly: the text is checked only where all are drawn.)
drawn = st.text(
    alphabet=st.characters(categories=("Lu", "Ll"), max_codepoint=0x04FF) | st.sampled_from("'- "),
    min_size=1,
    max_size=30,
).filter(lambda name: name.strip(" '-"))
FAST = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FAST
@given(name=drawn, other=drawn)
def test_any_name_renders_and_its_text_appears(app, name, other):
    text = _pdf_text(_letter_pdf(app, name, other))
    assert "".join(f"Dear {name},".split()) in text
    assert "".join(other.split()) in text


@FAST
@given(name=st.text(max_size=40), other=st.text(max_size=40))
def test_any_text_at_all_renders_without_error(app, name, other):
    assert _letter_pdf(app, name, other).startswith(b"%PDF")

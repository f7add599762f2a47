"""A call rendered once for a partner's contacts reads exactly as each contact's own rendering."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import DictLoader, Environment, StrictUndefined, select_autoescape

from agenda.groupfile import load_group
from agenda.model import Contact, Group, Language, Partner
from partnerdesk.render import Renderer, _names_only
from tests.conftest import CORPUS_GROUP

GROUP = load_group(CORPUS_GROUP)
MEETING = GROUP.meetings[0]
RENDER = Renderer()
REPLY = "partnerskab+0123456789ab@norddjurs.example.org"


def _each(renderer: Renderer, group: Group, partner: Partner) -> None:
    contacts = partner.contacts
    together = renderer.call_mails(group, MEETING, partner, contacts, REPLY)
    alone = [renderer.call_mail(group, MEETING, partner, c, REPLY) for c in contacts]
    assert together == alone


def test_the_shipped_call_templates_use_the_contact_for_the_name_only() -> None:
    for language in Language:
        for kind in ("txt", "html"):
            assert _names_only(RENDER.env, f"{language.value}/call.{kind}.j2")


def test_every_partner_of_the_corpus_gets_the_same_call_in_either_language() -> None:
    for language in Language:
        speaks = RENDER.for_language(language)
        for partner in GROUP.partners:
            _each(speaks, GROUP, partner)
            # Ten contacts of one partner, as a municipality's partners have.
            many = tuple(
                replace(partner.contacts[0], name=f"Kontakt {n}", email=f"k{n}@example.org")
                for n in range(10)
            )
            _each(speaks, GROUP, replace(partner, contacts=many))


# Names that escaping, the subject's spacing or the text's leading newlines would change.
_NAMES = st.one_of(
    st.sampled_from(
        [
            "Jens Ø",
            "<script>alert(1)</script>",
            'Tom & Jerry\'s "firma"',
            "\nFørst en linje",
            "to  mellemrum ",
            "",
            "contactname0123",
            "{{ contact.name }}",
            "😀 𝔘",
        ]
    ),
    st.text(max_size=30),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_NAMES, min_size=1, max_size=5), st.sampled_from(list(Language)))
def test_any_names_read_as_rendered_one_by_one(names: list[str], language: Language) -> None:
    partner = GROUP.partners[0]
    contacts = tuple(
        Contact(name, f"k{n}@example.org", language=language) for n, name in enumerate(names)
    )
    _each(RENDER.for_language(language), GROUP, replace(partner, contacts=contacts))


def _renderer(text: str, html: str) -> Renderer:
    env = Environment(
        loader=DictLoader({"da/call.txt.j2": text, "da/call.html.j2": html}),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
    )
    return Renderer(env=env)


def test_templates_that_use_the_contact_otherwise_are_rendered_for_each() -> None:
    html = "<p>Kære {{ contact.name }}</p>"
    partner = replace(
        GROUP.partners[0],
        contacts=(Contact("\nann", "a@example.org"), Contact("Bo  & Ib", "b@example.org")),
    )
    for text in [
        "Subject: Til {{ contact.name }}\nHej\n",
        "Subject: Indkaldelse\n{{ contact.name }}, hej\n",
        "Subject: Indkaldelse\nKære {{ contact.name | upper }}\n",
        "Subject: Indkaldelse\n{% if contact.name == '\\nann' %}Hej Ann{% endif %}\n",
        "Subject: Indkaldelse\nKære {{ contact.email }}\n",
        "Subject: Indkaldelse\n{% set who = contact %}Kære {{ who.name }}\n",
        "Subject: Indkaldelse\n{% autoescape true %}Kære {{ contact.name }}{% endautoescape %}\n",
    ]:
        renderer = _renderer(text, html)
        _each(renderer, replace(GROUP, language=Language.DA), partner)
    assert not _names_only(_renderer("{{ contact.name | upper }}", html).env, "da/call.txt.j2")
    assert _names_only(_renderer("Kære {{ contact.name }}", html).env, "da/call.txt.j2")

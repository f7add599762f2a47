"""Compiled patterns that recognise what in a reply is not the sender's own new text."""

from __future__ import annotations

import re

_I = re.IGNORECASE

# Verbs that end a quote attribution ("On ... wrote:") in the languages partners' clients use.
_VERBS = (
    r"wrote|skrev|schrieb|a\s+écrit|ha\s+scritto|escribió|escreveu|napisał\(a\)|napisał|"
    r"napisała|написал\(а\)|написал|написала|пише|写道|het\s+volgende\s+geschreven|schreef|"
    r"kirjoitti|đã\s+viết|écrit|yazdı|írta"
)
# "sent" ends a header only with its colon ("On ..., Roman <r@x> sent:"); prose also says "sent".
VERB_END = re.compile(rf"(?:(?:{_VERBS})\s*[:：]?|\bsent\s*[:：])\s*-*\s*$", _I)
# The plain (ASCII) characters a VERB_END match can end in before its blanks and dashes: the
# verbs' last letters in either case, their closing brackets, the colon. Any other plain
# character there rules the search out (most lines of a reply end in one).
_LAST = re.compile(
    "[" + "".join(sorted({re.escape(v[-1]) for v in [*_VERBS.split("|"), "sent:", "："]})) + "]", _I
)
VERB_END_LAST = frozenset(c for c in map(chr, range(128)) if _LAST.fullmatch(c))


def ends_with_verb(text: str) -> re.Match[str] | None:
    """VERB_END.search(text), ruled out first by the text's last character where it can be."""
    rest = text
    while (shorter := rest.rstrip().rstrip("-")) != rest:
        rest = shorter
    last = rest[-1:]
    if not last or (last.isascii() and last not in VERB_END_LAST):
        return None
    return VERB_END.search(text)


VERB_ANY = re.compile(rf"(?:^|[\s\"'>)])(?:{_VERBS})(?:$|[\s:：])", _I)

# The writer citing themselves ("I wrote:", "skrev vi:") is prose, never a quote header.
SELF_QUOTE = re.compile(
    r"\b(?:(?:I|we|jeg|vi)\s+(?:wrote|skrev)|skrev\s+(?:jeg|vi|du|I|han|hun|de|man))\b", _I
)
# A date or time, so that a line ending in "wrote:" is a header and not prose.
DATEISH = re.compile(r"\d{1,4}[./:-]\d{1,2}|\b(?:19|20)\d{2}\b|\d{1,2}:\d{2}|\d{4}年")
CLOCK = re.compile(r"\d{1,2}:\d{2}|\bkl\.?\s*\d{1,2}[.:]\d{2}", _I)
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# "<someone@example.com>:" at the end of a joined attribution.
BRACKETED_EMAIL_COLON = re.compile(r"[<(\[][^<>()\[\]]*@[^<>()\[\]]+[>)\]][>)\]]?\s*[:：]\s*$")
# Gmail's numeric form: "2016-03-03 17:21 GMT+01:00 Some One <x@y>" or "2013/7/20 sam <x@y>".
ISO_DATE_START = re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}\b")
GMT_OFFSET = re.compile(r"\bGMT[+-]\d{1,2}:?\d{2}\b")

# Lines that may open an attribution: a known opening word, a date, or "Name <mail>".
ATTRIBUTION_START = re.compile(
    r"^[-–—*>\s]*(?:On|Den|Le|Am|El|Em|Op|Il|In\s+data|W\s+dniu|Dnia|Vào|På|At|Le|\d|"
    r"[^\W\d]{1,15}\.?,?\s+\d)",
    _I,
)
# "reply On Wed, Apr 4, 2012 at 3:59 PM, bob@example.com wrote:" - reply and header share a line.
SHARED_LINE = re.compile(r"^(?P<pre>.*?\S)[\s-]*\bOn\b(?P<mid>.{5,250}?)\bwrote:\s*$")

QUOTE = re.compile(r"^\s*(?:>|[A-Z]{1,3}>)")

_ORIGINAL = (
    r"original\s+message|oprindelig\s+(?:meddelelse|besked|e-?mail)|opprinnelig\s+melding|"
    r"ursprüngliche\s+nachricht|reply\s+message|antwort\s+nachricht|mensaje\s+original|"
    r"message\s+d'origine|message\s+original|messaggio\s+originale|oorspronkelijk\s+bericht|"
    r"ursprungligt\s+meddelande|originalmeddelande|alkuperäinen\s+viesti|"
    r"wiadomość\s+oryginalna|mensagem\s+original|исходное\s+сообщение"
)
ORIGINAL_MESSAGE = re.compile(rf"^\s*[*_]*\s*-{{2,}}\s*(?:{_ORIGINAL})\s*-{{2,}}\s*[*_]*\s*$", _I)

_FORWARDED = (
    r"forwarded\s+(?:message|e-?mail)|videresendt\s+(?:besked|meddelelse|e-?mail|melding)|"
    r"weitergeleitete\s+nachricht|message\s+transféré|mensaje\s+reenviado|"
    r"messaggio\s+inoltrato|doorgestuurd\s+bericht|vidarebefordrat\s+meddelande|"
    r"välitetty\s+viesti|wiadomość\s+przekazana|mensagem\s+encaminhada"
)
_FORWARD_INTRO = (
    r"begin\s+forwarded\s+message|start\s+på\s+videresendt\s+(?:besked|meddelelse)|"
    r"videresendt\s+(?:besked|meddelelse)|anfang\s+der\s+weitergeleiteten\s+nachricht|"
    r"début\s+du\s+message\s+réexpédié|inicio\s+del\s+mensaje\s+reenviado|"
    r"vidarebefordrat\s+brev|início\s+da\s+mensagem\s+reencaminhada"
)
FORWARD_MARKER = re.compile(
    rf"^\s*[*_]*\s*(?:-{{2,}}\s*(?:{_FORWARDED})\s*-{{2,}}|(?:{_FORWARD_INTRO})\s*:)\s*[*_]*\s*$",
    _I,
)

# Labels of an embedded header block (Outlook "Fra:/Sendt:/Til:/Emne:" and its cousins).
HEADER_LABELS: dict[str, str] = {}
for _cat, _names in {
    "from": "from|fra|von|de|da|van|od|från|от|lähettäjä|afzender|expéditeur|remitente|mittente",
    "date": (
        "sent|sendt|date|dato|datum|gesendet|envoyé|envoyé le|inviato|verzonden|wysłano|"
        "skickat|enviado|enviada|data|message du|отправлено|дата|lähetetty|päivämäärä"
    ),
    "to": "to|til|an|à|a|aan|do|till|para|кому|vastaanottaja|destinataire",
    "cc": "cc|kopi|kopi til|copie à|kopie|kopia|копия",
    "subject": (
        "subject|emne|betreff|objet|oggetto|onderwerp|temat|ämne|asunto|assunto|тема|aihe|sujet"
    ),
    "reply": "reply-to|svar til|risposta|antwort an",
}.items():
    for _name in _names.split("|"):
        HEADER_LABELS[_name] = _cat
HEADER_LINE = re.compile(
    r"^\s*[*_]{0,2}(?P<label>"
    + "|".join(sorted((re.escape(n).replace(r"\ ", r"\s+") for n in HEADER_LABELS), key=len)[::-1])
    + r")[*_]{0,2}\s*[:：]",
    _I,
)

SIGNATURE_DELIMITER = re.compile(r"^\s*(?:--|—|–)\s*$")
# Lines made only of separator characters ("____", "-----", "====", "*").
SEPARATOR = re.compile(r"^\s*[-_=*~+#—–]{3,}\s*$")
UNDERSCORES = re.compile(r"^\s*_{5,}\s*$")

# Footers mobile and webmail clients add ("Sendt fra min iPhone", "Get Outlook for iOS").
MOBILE_FOOTER = re.compile(
    r"^\s*[(<\[]*\s*(?:"
    r"(?:sent|sendt|envoyé|gesendet|verzonden|skickat|enviado|inviato|lähetetty|wysłane)\s+"
    r"(?:from|fra|depuis|à\s+partir\s+de|von|vanaf|met|with|via|by|från|med|desde|da|z|de|"
    r"using)\b[^,;:!?]{1,45}"
    r"|(?:get|hent|download|obtenir|holen\s+sie\s+sich)\s+\[?outlook\s+(?:for|til|für|pour)\s+"
    r"(?:ios|android)[^,;]{0,60}"
    r"|von\s+meinem\s+[^,;]{1,30}\s+gesendet"
    r"|diese\s+nachricht\s+wurde\s+von\s+meinem\s+[^,;]{1,60}\s+gesendet"
    r"|envoyé\s+de\s+mon\s+[^,;]{1,30}"
    r"|從我的\s*\S+\s*傳送"
    r")\s*[.)>\]]*\s*$",
    _I,
)
# Links clients append to footers: "<https://aka.ms/o0ukef>", "(http://...)", "[x](y)".
FOOTER_LINK = re.compile(r"<[^>]*>|\((?:https?://|www\.)[^)]*\)|https?://\S+|\]\([^)]*\)")

# Sign-offs. STRONG ones always close a message; WEAK ones ("Thanks") only with a name after them.
_STRONG_CLOSING = (
    r"(?:med\s+)?venlig(?:e|st)?\s+hilse?n(?:er)?|venlige\s+hilsner|m\.?v\.?h\.?|v\.?h\.?|"
    r"k\.?h\.?|b\.?h\.?|kærlig\s+hilsen|(?:mange|de\s+bedste|bedste|gode|varme|venlige|kærlige)\s+hilsn?e?r?|"
    r"hilsen|hilsner|(?:with\s+)?(?:best|kind|warm|warmest|kindest|many)\s+regards|regards|"
    r"best\s+wishes|all\s+the\s+best|(?:yours\s+)?sincerely|yours\s+(?:truly|faithfully)|cheers|"
    r"best|med\s+vänlig(?:a)?\s+hälsning(?:ar)?|vänliga\s+hälsningar|"
    r"mit\s+freundlichen\s+grüßen|(?:viele|beste|liebe|freundliche)\s+grüße|gruß|grüße|"
    r"met\s+vriendelijke\s+groet(?:en)?|pozdrawiam|z\s+powa[zż]aniem|cordialement|saludos|"
    r"un\s+saluto|distinti\s+saluti|greetings"
)
STRONG_CLOSING = re.compile(rf"^\s*(?:{_STRONG_CLOSING})(?!\w)(?P<rest>.*)$", _I)
WEAK_CLOSING = re.compile(
    r"^\s*(?:thanks|thank\s+you|many\s+thanks|thx|tak|mange\s+tak|tusind\s+tak|danke|merci)"
    r"(?P<rest>(?:[\s,.!]+\S.*)?|[\s,.!]*)$",
    _I,
)
# A name signing off on its own: "/Ole", "//Jef", "-Abhishek Kona", "—Ryan".
NAME_SIGNOFF = re.compile(
    r"^\s*(?:/{1,2}\s?|[-–—]{1,2})(?P<name>[^\W\d_][\w.'-]*(?:\s+[^\W\d_][\w.'-]*){0,3})\s*$"
)
NAME_WORD = re.compile(r"^[^\W\d_][\w.'-]*$")

# Legal disclaimers open with one of these and speak of confidentiality.
DISCLAIMER_START = re.compile(
    r"^\s*(?:denne\s+(?:e-?mail|mail|meddelelse|besked)|dette\s+(?:e-?mail|mail|meddelelse)|"
    r"this\s+(?:e-?mail|email|message|communication|electronic)|send\s+ikke\s+fortrolige|"
    r"the\s+information\s+(?:contained\s+)?in\s+this|confidentiality\s+(?:notice|note)|"
    r"disclaimer|le\s+informazioni\s+contenute|diese\s+(?:e-?mail|nachricht)|"
    r"ce\s+(?:message|courriel)|confidential|fortroligt?)",
    _I,
)
DISCLAIMER_WORDS = re.compile(
    r"fortrolig|confidential|privileged|intended\s+recipient|tiltænkt|personoplysninger|"
    r"vertraulich|riservat|confidentiel|modtageren",
    _I,
)

# Characters that make a line look non-empty without carrying text (Gmail's tracker "ᐧ", BOM).
INVISIBLE = " \t\u00a0\u200b\u200c\u200d\u2060\ufeff\u1427"

# A forward's subject: its outermost prefix is a forward prefix ("VS: Idé", not "SV: VS: Idé").
FORWARD_SUBJECT = re.compile(r"^\s*(?:vs|fwd?|wg|tr|videresend[et]?)\s*:", _I)

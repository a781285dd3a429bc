"""The English-leak scan: English words and raw codes in what a person reads on a Dutch page or export.

`english_leaks(text)` takes a rendered page (HTML) or an export (CSV, plain text) and returns what
leaked, each with a little context. It reads the visible text only: tags, attributes (URLs, values,
data-* codes) and the contents of <script> and <style> are skipped, so a code where a program reads
it is fine and the same code where a person reads it is a leak.
"""

import html
import re
from html.parser import HTMLParser

import vocabulary

# English words and phrases that reached the Dutch pages before (issue 17), and their kin: words no
# Dutch sentence uses. Matched as whole words, case-blind.
ENGLISH = (
    "the", "must", "required", "unknown", "invalid", "expected", "should", "missing", "allowed", "please",
    "error", "not found", "requested url", "forbidden", "permission", "method", "bad request",
    "too many requests", "too large", "entity", "internal", "one of", "at most", "at least", "is nested",
    "primary", "backup", "national", "pool", "shelter", "shelters", "request", "requests", "field",
    "is required", "exists already", "leave out", "whole number", "list of", "string",
    "true or false", "csrf", "session", "expired", "none", "null", "yes", "no",
    "region", "capacity", "occupied", "free", "placed", "unplaced", "reason", "reasons", "count", "median",
)  # fmt: skip

# Words of the list above that Dutch spells the same, where a page uses them as Dutch.
ALLOWED: set[str] = set()  # none yet: "server", "object", "integer" and "token" were left out of ENGLISH

# Codes from vocabulary.py that are Dutch words (or names) as well: shown, they are not a leak.
CODES_ALLOWED = {
    "bed", "sms", "web", "api", "cosm", "omp", "noodbed", "vrouwenopvang", "mannenopvang", "jeugdzorg",
    "intake", "link", "admin", "over", "men", "voicemail", "alarm", "import",
    "worker",  # what the pages call the background process ("de worker draait niet"), as its command is named
}  # fmt: skip

# Proper names and standards that contain a dot or a word from the lists: legitimate where they stand.
NAMES = ("(WCAG) 2.1", "WCAG 2.1", "WCAG 2.2", "EN 301 549", "NL Design System", "axe-core", "Natural Earth")

_WORDS = re.compile(
    r"\b(" + "|".join(re.escape(w) for w in sorted(set(ENGLISH) - ALLOWED, key=len, reverse=True)) + r")\b", re.I
)
# an audit action like user.login or case.report_made (not a file name or host: those end in these)
_ACTION = re.compile(r"(?<![\w@/.-])([a-z]+(?:_[a-z]+)*)\.([a-z]+(?:_[a-z]+)*)(?![\w/.-])")
_FILE_ENDINGS = {"csv", "json", "html", "png", "svg", "ics", "txt", "pdf", "nl", "com", "org", "eu", "io", "local"}
_DECIMAL = re.compile(r"(?<![\w.,])\d+\.\d+(?![\w.])")
_EMAIL_OR_URL = re.compile(r"\S+@\S+|https?://\S+|/[\w\-/.<>{}]+")


def _codes() -> set[str]:
    """Every code of vocabulary.py's tables a person might be shown raw: with an underscore or colon
    (no_residence, contra_indication:wheelchair) or an English word (female, labour)."""
    codes = set()
    for name in dir(vocabulary):
        table = getattr(vocabulary, name)
        if name.isupper() and isinstance(table, dict):
            codes |= {str(k) for k in table if isinstance(k, str)}
    codes |= {f"contra_indication:{c}" for c in vocabulary.CONTRA_INDICATIONS}
    return {c for c in codes if "." not in c and c not in CODES_ALLOWED and len(c) > 2}


CODES = _codes()
_CODE = re.compile(
    r"(?<![\w:])(" + "|".join(re.escape(c) for c in sorted(CODES, key=len, reverse=True)) + r")(?![\w:])"
)


class _Visible(HTMLParser):
    SKIP = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.depth = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.depth += 1
        elif tag in ("br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "option", "dt", "dd", "title"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.depth:
            self.depth -= 1
        elif tag in ("td", "th", "li", "p", "div", "option", "title"):
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(text: str) -> str:
    """What a person reads of a page: the text between the tags (entities decoded); plain text as it is."""
    if "<" not in text or not re.search(r"<[a-zA-Z!/]", text):
        return html.unescape(text) if "&" in text and ";" in text else text
    parser = _Visible()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def english_leaks(text: str) -> list[str]:
    """The English and raw codes in the visible text, each as "what: …context…" (empty: none)."""
    visible = visible_text(text).replace("\u00a0", " ")
    for name in NAMES:
        visible = visible.replace(name, " ")
    visible = _EMAIL_OR_URL.sub(" ", visible)
    found, taken = [], []

    def note(kind, match, source):
        start, end = match.span()
        if any(start < e and s < end for s, e in taken):  # one leak, one report: a code is often a word too
            return
        taken.append((start, end))
        context = " ".join(source[max(0, start - 30) : end + 30].split())
        found.append(f"{kind} {match.group(0)!r}: …{context}…")

    for match in _ACTION.finditer(visible):
        if match.group(2) not in _FILE_ENDINGS:
            note("action", match, visible)
    for match in _CODE.finditer(visible):
        note("code", match, visible)
    for match in _WORDS.finditer(visible):
        note("English", match, visible)
    for match in _DECIMAL.finditer(visible):
        note("decimal point", match, visible)
    return found

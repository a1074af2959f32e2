"""Every example of docs/getting-started/public-site.md is requested from the demo and shows what the guide says."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from tests.e2e.conftest import Server
from tests.e2e.test_public_site import page

GUIDE = ROOT / "docs" / "getting-started" / "public-site.md"
# A request, then the text the page shows: "```http\nGET /path\n```\n\n> text".
EXAMPLE = re.compile(r"```http\nGET (\S+)\n```\n\n> (.+)\n")
NOT_FOUND = ("That is not a date we can show",)


def test_the_public_site_guide_has_its_examples() -> None:
    """Each request block has the text it shows beside it, so none escapes the test below."""
    text = GUIDE.read_text(encoding="utf-8")
    assert text.count("```http") == 10
    assert len(EXAMPLE.findall(GUIDE.read_text(encoding="utf-8"))) == 10


def test_every_example_of_the_public_site_guide_shows_what_it_says(demo: Server) -> None:
    for path, says in EXAMPLE.findall(GUIDE.read_text(encoding="utf-8")):
        shown = page(demo, path, 404 if says in NOT_FOUND else 200)
        assert says in shown.words, (path, says)

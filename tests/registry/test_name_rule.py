"""The source name rule has one regex (``NAME_RULE``); every place that puts it in words says
what the regex says: lowercase letters, digits and underscores."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from distillr.errors import ConfigError
from distillr.registry import NAME_HELP, NAME_RULE, check_name

WORDS = "lowercase letters, digits and underscores"
FRONTEND = Path(__file__).parents[2] / "frontend" / "src"


def test_the_regex_takes_exactly_the_characters_the_words_name():
    allowed = set(string.ascii_lowercase + string.digits + "_")
    for c in map(chr, range(32, 0x250)):
        assert bool(re.match(NAME_RULE, c)) == (c in allowed), repr(c)
    assert not re.match(NAME_RULE, "")


def test_every_wording_of_the_rule_says_the_same():
    from distillr.cli.source import NAME_HELP as CLI_HELP

    assert WORDS in NAME_HELP.lower()
    assert WORDS in CLI_HELP.lower()
    with pytest.raises(ConfigError) as err:
        check_name("My-Shop")
    assert WORDS in str(err.value) and NAME_RULE in str(err.value)


def test_the_web_app_words_its_name_check_as_the_registry_does():
    sources = [p.read_text() for p in FRONTEND.glob("*.js")]
    said = [m for text in sources for m in re.findall(r"is not a valid name: ([^`]*)`", text)]
    assert said, "the web app's name check has no message"
    assert all(WORDS in m for m in said), said

import httpx
import pytest

from distillr.sandbox import JiraSandbox


@pytest.fixture(scope="session")
def jsb():
    """One small JIRA sandbox over HTTP for the whole session (tests only read from it)."""
    with JiraSandbox(seed=5, scale="small") as box:
        yield box


@pytest.fixture()
def jira(jsb):
    """A client with the sandbox's Basic credentials (email + API token)."""
    with httpx.Client(base_url=jsb.base_url, auth=(jsb.email, jsb.api_token), timeout=30) as c:
        yield c


@pytest.fixture()
def anon(jsb):
    """A client with no credentials."""
    with httpx.Client(base_url=jsb.base_url, timeout=30) as c:
        yield c

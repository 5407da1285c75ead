"""JQL against a Python reference: each query's hand-written predicate over the issues as the
API serves them, and random AND/OR/NOT combinations of them; plus ORDER BY and JQL errors."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NOW = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)  # the data's default "now"


def ms(text):
    """JIRA's time text (or a due date) as epoch ms."""
    if len(text) == 10:
        return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp() * 1000)
    return int(dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000)


def utc(text):
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp() * 1000)


def f(i, name):
    return i["fields"][name]


def user(i, name):
    u = f(i, name)
    return u and u["displayName"]


def sprints(i):
    return f(i, "customfield_10020") or []


def text_of(i):
    d = f(i, "description")
    return d["content"][0]["content"][0]["text"] if d else None


ME = "Morgan Lee"
CASES = {
    "project = ENG": lambda i: f(i, "project")["key"] == "ENG",
    "project in (ENG, web)": lambda i: f(i, "project")["key"] in ("ENG", "WEB"),
    'project != "Web Storefront"': lambda i: f(i, "project")["key"] != "WEB",
    'status = "In Progress"': lambda i: f(i, "status")["name"] == "In Progress",
    "status IN ('To Do', \"in review\")": lambda i: (
        f(i, "status")["name"] in ("To Do", "In Review")
    ),
    "status not in (Done)": lambda i: f(i, "status")["name"] != "Done",
    "statusCategory = Done": lambda i: f(i, "status")["statusCategory"]["key"] == "done",
    'statusCategory != "To Do"': lambda i: f(i, "status")["statusCategory"]["key"] != "new",
    "assignee = currentUser()": lambda i: user(i, "assignee") == ME,
    "assignee is EMPTY": lambda i: f(i, "assignee") is None,
    "assignee IS NOT null": lambda i: f(i, "assignee") is not None,
    'assignee != "Avery Chen"': lambda i: user(i, "assignee") not in (None, "Avery Chen"),
    'assignee in (EMPTY, "jordan.patel@example.com")': lambda i: (
        user(i, "assignee") in (None, "Jordan Patel")
    ),
    "reporter = currentUser()": lambda i: user(i, "reporter") == ME,
    "labels = backend": lambda i: "backend" in f(i, "labels"),
    "labels in (ux, API)": lambda i: bool({"ux", "api"} & set(f(i, "labels"))),
    "labels not in (ux, api)": lambda i: f(i, "labels") and not {"ux", "api"} & set(f(i, "labels")),
    "labels != backend": lambda i: f(i, "labels") and "backend" not in f(i, "labels"),
    "labels is empty": lambda i: f(i, "labels") == [],
    'updated >= "2025-01-01"': lambda i: ms(f(i, "updated")) >= utc("2025-01-01"),
    'created < "2024-06-01 12:00"': lambda i: ms(f(i, "created")) < utc("2024-06-01T12:00"),
    "created > '2024/09/30'": lambda i: ms(f(i, "created")) > utc("2024-09-30"),
    "updated >= -30d": lambda i: ms(f(i, "updated")) >= utc("2025-06-01"),
    'updated < "-2w 3d"': lambda i: ms(f(i, "updated")) < utc("2025-06-14"),
    "created >= startOfDay()": lambda i: False,
    "resolved is empty": lambda i: f(i, "resolutiondate") is None,
    "resolution = Unresolved": lambda i: f(i, "resolution") is None,
    "resolution = Done": lambda i: f(i, "resolution") is not None,
    'resolutiondate >= "2025-05-01"': lambda i: (
        f(i, "resolutiondate") is not None and ms(f(i, "resolutiondate")) >= utc("2025-05-01")
    ),
    'duedate <= "2025-01-31"': lambda i: (
        f(i, "duedate") is not None and ms(f(i, "duedate")) <= utc("2025-01-31")
    ),
    "due is not empty": lambda i: f(i, "duedate") is not None,
    '"story points" >= 5': lambda i: (f(i, "customfield_10016") or 0) >= 5,
    "cf[10016] in (1, 2)": lambda i: f(i, "customfield_10016") in (1, 2),
    '"Story Points" is empty': lambda i: f(i, "customfield_10016") is None,
    "sprint in openSprints()": lambda i: any(s["state"] != "closed" for s in sprints(i)),
    "sprint in closedSprints()": lambda i: any(s["state"] == "closed" for s in sprints(i)),
    "sprint = 25": lambda i: any(s["id"] == 25 for s in sprints(i)),
    'sprint = "ENG Sprint 30"': lambda i: any(s["name"] == "ENG Sprint 30" for s in sprints(i)),
    "sprint is empty": lambda i: not sprints(i),
    "parent is empty": lambda i: f(i, "parent") is None,
    'summary ~ "login"': lambda i: "login" in f(i, "summary").lower(),
    'text ~ "TESTS"': lambda i: "tests" in (f(i, "summary") + (text_of(i) or "")).lower(),
    "description is empty": lambda i: f(i, "description") is None,
    'description !~ "incident"': lambda i: text_of(i) is not None and "incident" not in text_of(i),
    "key in (ENG-1, eng-2, WEB-3)": lambda i: i["key"] in ("ENG-1", "ENG-2", "WEB-3"),
    "issuekey = 10010": lambda i: i["id"] == "10010",
    "issuetype = Bug": lambda i: f(i, "issuetype")["name"] == "Bug",
    "type in (Story, Task)": lambda i: f(i, "issuetype")["name"] in ("Story", "Task"),
    "priority = high": lambda i: f(i, "priority")["name"] == "High",
}


def default_order(issues):
    return sorted(issues, key=lambda i: (-ms(f(i, "created")), int(i["id"])))


def search(jira, jql, **extra):
    out, token = [], None
    while True:
        params = {"jql": jql, "maxResults": 5000, "fields": "key", **extra}
        if token:
            params["nextPageToken"] = token
        r = jira.get("/rest/api/3/search/jql", params=params)
        assert r.status_code == 200, (jql, r.text)
        body = r.json()
        out.extend(i["key"] for i in body["issues"])
        token = body.get("nextPageToken")
        if not token:
            return out


@pytest.fixture(scope="module")
def every(jsb):
    return jsb.issues()


@pytest.mark.parametrize("jql", sorted(CASES))
def test_each_clause_matches_the_reference(jira, every, jql):
    want = [i["key"] for i in default_order(every) if CASES[jql](i)]
    assert search(jira, jql) == want
    if jql not in ("created >= startOfDay()", "issuekey = 10010") and "key in" not in jql:
        assert want, f"the data should have issues for {jql!r}"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.recursive(
        st.sampled_from(sorted(CASES)).map(lambda q: (q, CASES[q])),
        lambda kids: st.one_of(
            st.tuples(kids, kids).map(
                lambda ab: (
                    f"({ab[0][0]}) AND ({ab[1][0]})",
                    lambda i, a=ab: a[0][1](i) and a[1][1](i),
                )
            ),
            st.tuples(kids, kids).map(
                lambda ab: (
                    f"({ab[0][0]}) or ({ab[1][0]})",
                    lambda i, a=ab: a[0][1](i) or a[1][1](i),
                )
            ),
            kids.map(lambda a: (f"NOT ({a[0]})", lambda i, a=a: not a[1](i))),
        ),
        max_leaves=4,
    )
)
def test_combinations_match_the_reference(jira, every, case):
    jql, pred = case
    assert search(jira, jql) == [i["key"] for i in default_order(every) if pred(i)]


def test_parent(jira, every):
    epics = [i["key"] for i in every if f(i, "issuetype")["name"] == "Epic"][:3]
    children = [i for i in default_order(every) if (f(i, "parent") or {}).get("key") in epics]
    assert children and {c["fields"]["project"]["key"] for c in children} <= {
        e.split("-")[0] for e in epics
    }
    assert search(jira, f"parent in ({', '.join(epics)})") == [i["key"] for i in children]
    one = [i["key"] for i in children if f(i, "parent")["key"] == epics[0]]
    assert search(jira, f"parent = {epics[0]}") == one


def test_order_by(jira, every):
    eng = [i for i in every if f(i, "project")["key"] == "ENG"]
    prio = {"Highest": 5, "High": 4, "Medium": 3, "Low": 2, "Lowest": 1}

    def keynum(i):
        return int(i["key"].split("-")[1])

    got = search(jira, "project = ENG ORDER BY priority DESC, key ASC")
    assert got == [
        i["key"] for i in sorted(eng, key=lambda i: (-prio[f(i, "priority")["name"]], keynum(i)))
    ]
    got = search(jira, "project = ENG order by duedate")  # empty values last
    dated = sorted(
        (i for i in eng if f(i, "duedate")), key=lambda i: (f(i, "duedate"), int(i["id"]))
    )
    assert got == [i["key"] for i in dated] + [i["key"] for i in eng if not f(i, "duedate")]
    got = search(jira, "project = ENG ORDER BY assignee DESC")  # ... and first when descending
    unassigned = [i["key"] for i in eng if f(i, "assignee") is None]
    assert got[: len(unassigned)] == unassigned
    names = [
        user(i, "assignee") for i in map({i["key"]: i for i in eng}.get, got[len(unassigned) :])
    ]
    assert names == sorted(names, key=str.lower, reverse=True)
    got = search(jira, "project in (ENG, OPS) ORDER BY key DESC")
    both = [i for i in every if f(i, "project")["key"] in ("ENG", "OPS")]
    assert got == [
        i["key"]
        for i in sorted(both, key=lambda i: (f(i, "project")["key"], keynum(i)), reverse=True)
    ]
    got = search(jira, "project = ENG ORDER BY updated ASC")
    assert got == [i["key"] for i in sorted(eng, key=lambda i: (ms(f(i, "updated")), int(i["id"])))]


def test_board_jql_keeps_rank_order_unless_told(jsb, jira):
    board = jsb.board_issues(1)
    r = jira.get(
        "/rest/agile/1.0/board/1/issue", params={"jql": "status = Done", "maxResults": 100}
    )
    want = [i["key"] for i in board if f(i, "status")["name"] == "Done"]
    assert [i["key"] for i in r.json()["issues"]] == want[:100]
    assert r.json()["total"] == len(want)
    r = jira.get(
        "/rest/agile/1.0/board/1/issue", params={"jql": "ORDER BY created DESC", "maxResults": 5}
    )
    newest = sorted(board, key=lambda i: (-ms(f(i, "created")), int(i["id"])))[:5]
    assert [i["key"] for i in r.json()["issues"]] == [i["key"] for i in newest]


@pytest.mark.parametrize(
    "jql,message",
    [
        ("", "The 'jql' parameter is required."),
        ("   ", "The 'jql' parameter is required."),
        ("ORDER BY key", "Unbounded JQL queries are not allowed"),
        ("foo = bar", "Field 'foo' does not exist"),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ('status = "Blocked"', "The value 'Blocked' does not exist for the field 'status'."),
        ("assignee = nobody@example.com", "does not exist for the field 'assignee'"),
        ("key = ENG-99999", "An issue with key 'ENG-99999' does not exist for field 'key'."),
        ("sprint = 99999", "does not exist for the field 'sprint'"),
        ("status > Done", "The operator '>' is not supported by the 'status' field."),
        ("summary = login", "The operator '=' is not supported by the 'summary' field."),
        ("status is empty", "does not support searching for EMPTY values"),
        ('updated > "yesterday"', "Date value 'yesterday' for field 'updated' is invalid"),
        (
            "project = ENG status = Done",
            "Expecting either 'OR' or 'AND' but got 'status'. (line 1, character 15)",
        ),
        ("project = ENG AND", "(line 1, character 18)"),
        ("project in (ENG, WEB", "Expecting ',' or ')'"),
        ('summary ~ "unclosed', "is not closed"),
        ("status was Done", "does not support 'WAS'"),
        ("status changed", "does not support 'CHANGED'"),
        ("assignee = membersOf(devs)", "does not support the function 'membersOf(devs)'"),
        ("project = ENG ORDER BY labels", "Not able to sort using field 'labels'."),
        ("project = ENG ORDER BY nope", "Field 'nope' does not exist"),
        ('"story points" > many', "is not a number"),
    ],
)
def test_bad_jql_is_a_400_with_jiras_body(jira, jql, message):
    r = jira.get("/rest/api/3/search/jql", params={"jql": jql})
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["errors"] == {} or "jql" in body["errors"]
    assert any(message in m for m in body["errorMessages"]), body
    if jql.strip():  # the same message on a board, where a query may have no condition
        r = jira.get("/rest/agile/1.0/board/1/issue", params={"jql": jql})
        assert r.status_code == (200 if "Unbounded" in message else 400)
        if r.status_code == 400:
            assert any(message in m for m in r.json()["errorMessages"])


def test_missing_jql_is_required(jira):
    r = jira.get("/rest/api/3/search/jql")
    assert r.status_code == 400 and "'jql' parameter is required" in r.json()["errorMessages"][0]
    r = jira.post("/rest/api/3/search/jql", json={"maxResults": 5})
    assert r.status_code == 400 and r.json()["errors"] == {"jql": "Give a JQL query."}


def test_a_token_belongs_to_its_query(jira):
    body = jira.get(
        "/rest/api/3/search/jql", params={"jql": "project = ENG", "maxResults": 2}
    ).json()
    token = body["nextPageToken"]
    r = jira.get("/rest/api/3/search/jql", params={"jql": "project = WEB", "nextPageToken": token})
    assert r.status_code == 400 and "not valid for this query" in r.json()["errorMessages"][0]
    r = jira.get("/rest/api/3/search/jql", params={"jql": "project = ENG", "nextPageToken": "junk"})
    assert r.status_code == 400

"""Every JIRA endpoint walked page by page returns exactly the seeded records, with JIRA's
envelope for that endpoint (total and/or isLast, or a nextPageToken)."""

import pytest
from jira_walk import walk_start_at

AGILE = "/rest/agile/1.0"


@pytest.mark.parametrize("size", [1, 2, 50])
def test_boards(jsb, jira, size):
    got, pages = walk_start_at(jira, f"{AGILE}/board", size=size, expect_total=True)
    assert got == jsb.boards()
    assert pages == max(1, -(-len(got) // size))
    assert [b["id"] for b in got] == list(range(1, len(got) + 1))
    assert {b["type"] for b in got} == {"scrum", "kanban"}
    assert all(isinstance(b["location"]["projectId"], int) for b in got)


def test_board_filters(jsb, jira):
    boards = jsb.boards()

    def names(**params):
        r = jira.get(f"{AGILE}/board", params=params)
        assert r.status_code == 200, r.text
        return [b["name"] for b in r.json()["values"]]

    assert names(type="kanban") == [b["name"] for b in boards if b["type"] == "kanban"]
    assert names(type="scrum,kanban") == [b["name"] for b in boards]
    assert names(type=["scrum", "kanban"]) == [b["name"] for b in boards]
    assert names(type="simple") == []
    assert names(name="BOARD") == [b["name"] for b in boards if "board" in b["name"].lower()]
    # a board is relevant to every project its filter shows, not only its location
    assert names(projectKeyOrId="OPS") == ["OPS board", "Platform overview", "All work"]
    assert names(projectKeyOrId="WEB") == ["Web Storefront Scrum", "All work"]
    eng = ["ENG board", "Platform overview", "All work"]
    assert names(projectKeyOrId="10000") == names(projectKeyOrId="eng") == eng
    assert names(orderBy="name") == sorted((b["name"] for b in boards), key=str.lower)
    assert names(orderBy="-name") == sorted((b["name"] for b in boards), key=str.lower)[::-1]


def test_one_board(jsb, jira):
    for board in jsb.boards():
        assert jira.get(f"{AGILE}/board/{board['id']}").json() == board


@pytest.mark.parametrize("board_id", [1, 2, 3, 6])
def test_epics_have_no_total(jsb, jira, board_id):
    got, _ = walk_start_at(jira, f"{AGILE}/board/{board_id}/epic", size=4, expect_total=False)
    assert got == jsb.epics(board_id) and got
    done, _ = walk_start_at(jira, f"{AGILE}/board/{board_id}/epic", size=3, params={"done": "true"})
    assert done == [e for e in got if e["done"]]
    assert all(isinstance(e["id"], int) and e["color"]["key"].startswith("color_") for e in got)


@pytest.mark.parametrize("board_id", [1, 3, 6, 7])
def test_board_issues_have_total_but_no_is_last(jsb, jira, board_id):
    got, pages = walk_start_at(
        jira, f"{AGILE}/board/{board_id}/issue", key="issues", size=40, expect_total=True
    )
    assert got == jsb.board_issues(board_id)
    assert pages == -(-len(got) // 40)
    r = jira.get(f"{AGILE}/board/{board_id}/issue", params={"maxResults": 1}).json()
    assert "isLast" not in r and r["expand"] == "schema,names"
    ranks = [i["fields"]["customfield_10019"] for i in got]
    assert ranks == sorted(ranks)  # ordered by rank
    board = jsb.data.board(board_id)
    keys = {p.key for p in board.projects}
    assert {i["fields"]["project"]["key"] for i in got} == keys
    if board.type == "scrum":  # epics do not belong to scrum boards
        assert all(i["fields"]["issuetype"]["name"] != "Epic" for i in got)
    else:
        assert any(i["fields"]["issuetype"]["name"] == "Epic" for i in got)


def test_board_projects_by_name(jsb, jira):
    for board in jsb.boards():
        got, _ = walk_start_at(
            jira, f"{AGILE}/board/{board['id']}/project", size=1, expect_total=True
        )
        assert got == jsb.board_projects(board["id"])
        assert [p["name"] for p in got] == sorted(p["name"] for p in got)
    assert len(jsb.board_projects(6)) == 2 and len(jsb.board_projects(7)) == 5
    assert len(jsb.board_issues(7)) == len(jsb.issues())  # "All work" shows every issue


def test_sprints(jsb, jira):
    for board in jsb.boards():
        if board["type"] != "scrum":
            continue
        got, _ = walk_start_at(
            jira, f"{AGILE}/board/{board['id']}/sprint", size=9, expect_total=False
        )
        assert got == jsb.sprints(board["id"]) and len(got) > 10
        states = [s["state"] for s in got]
        assert states.count("active") == 1 and states[-2:] == ["future", "future"]
        assert all("startDate" not in s for s in got if s["state"] == "future")
        assert all("completeDate" in s for s in got if s["state"] == "closed")
        active, _ = walk_start_at(
            jira, f"{AGILE}/board/{board['id']}/sprint", params={"state": "active,future"}
        )
        assert active == [s for s in got if s["state"] != "closed"]


def test_project_search_follows_next_page(jsb, jira):
    url, got, pages = "/rest/api/3/project/search?maxResults=2", [], 0
    while url:
        body = jira.get(url).json()
        pages += 1
        assert body["self"].startswith(jsb.base_url + "/rest/api/3/project/search?")
        got.extend(body["values"])
        assert body["isLast"] == ("nextPage" not in body)
        url = body.get("nextPage")
    assert got == jsb.projects() and pages == 3
    assert [p["key"] for p in got] == sorted(p["key"] for p in got)
    assert all(isinstance(p["id"], str) and p["id"].isdigit() for p in got)
    only = jira.get("/rest/api/3/project/search", params={"query": "ops"}).json()
    assert [p["key"] for p in only["values"]] == ["OPS"]
    by_name = jira.get("/rest/api/3/project/search", params={"orderBy": "-name"}).json()
    assert [p["name"] for p in by_name["values"]] == sorted((p["name"] for p in got), reverse=True)


def test_max_results_is_lowered_to_the_maximum(jsb, jira):
    assert jira.get(f"{AGILE}/board", params={"maxResults": 5000}).json()["maxResults"] == 50
    body = jira.get(f"{AGILE}/board/1/issue", params={"maxResults": 5000}).json()
    assert body["maxResults"] == 100 and len(body["issues"]) == 100
    empty = jira.get(f"{AGILE}/board/1/issue", params={"maxResults": 0}).json()
    assert empty["issues"] == [] and empty["total"] == len(jsb.board_issues(1))
    past = jira.get(f"{AGILE}/board", params={"startAt": 1000}).json()
    assert past["values"] == [] and past["isLast"] is True


def _walk_search(jira, jql, size, fields=None, post=False):
    out, token, pages = [], None, 0
    while True:
        pages += 1
        assert pages < 10_000
        if post:
            body = {"jql": jql, "maxResults": size, "nextPageToken": token}
            if fields:
                body["fields"] = fields.split(",")
            r = jira.post("/rest/api/3/search/jql", json=body)
        else:
            params = {"jql": jql, "maxResults": size}
            if fields:
                params["fields"] = fields
            if token:
                params["nextPageToken"] = token
            r = jira.get("/rest/api/3/search/jql", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert "total" not in body
        out.extend(body["issues"])
        if "nextPageToken" not in body:  # the last page has no token key at all
            assert body["isLast"] is True
            return out, pages
        assert body["nextPageToken"] is not None and body["isLast"] is False
        token = body["nextPageToken"]


@pytest.mark.parametrize("post", [False, True])
def test_search_jql_pages_with_a_token(jsb, jira, post):
    every = jsb.issues()
    want = sorted(
        (i for i in every if i["fields"]["project"]["key"] == "WEB"),
        key=lambda i: (i["fields"]["created"], -int(i["id"])),
        reverse=True,
    )
    ids, pages = _walk_search(jira, "project = WEB", 33, post=post)
    assert [i["id"] for i in ids] == [i["id"] for i in want]
    assert all(set(i) == {"id"} for i in ids)  # only ids unless fields asks for more
    assert pages == -(-len(want) // 33)
    full, _ = _walk_search(jira, "project = WEB ORDER BY key", 50, fields="*all", post=post)
    by_key = sorted(want, key=lambda i: int(i["key"].split("-")[1]))
    assert full == by_key


def test_search_fields_and_page_caps(jsb, jira):
    body = jira.get(
        "/rest/api/3/search/jql",
        params={"jql": "project = ENG", "fields": "summary,status", "maxResults": 1000},
    ).json()
    assert len(body["issues"]) == 100  # at most 100 with fields
    assert set(body["issues"][0]["fields"]) == {"summary", "status"}
    ids = jira.get(
        "/rest/api/3/search/jql", params={"jql": "project = ENG", "maxResults": 1000}
    ).json()
    assert len(ids["issues"]) == min(1000, sum(i["key"].startswith("ENG-") for i in jsb.issues()))
    none = jira.get("/rest/api/3/search/jql", params={"jql": "project = ENG", "maxResults": 0})
    assert none.json() == {"issues": [], "isLast": False}
    less = jira.get(
        "/rest/api/3/search/jql", params={"jql": "key = ENG-1", "fields": "*all,-description"}
    ).json()["issues"][0]["fields"]
    assert "description" not in less and "summary" in less


def test_one_issue(jsb, jira):
    every = {i["key"]: i for i in jsb.issues()}
    for key in ("ENG-1", "WEB-7", "OPS-3"):
        got = jira.get(f"/rest/api/3/issue/{key}").json()
        assert got == every[key]
        assert jira.get(f"/rest/api/3/issue/{got['id']}").json() == got
        assert jira.get(f"/rest/api/3/issue/{key.lower()}").json() == got
    some = jira.get("/rest/api/3/issue/ENG-1", params={"fields": "labels"}).json()
    assert some["fields"] == {"labels": every["ENG-1"]["fields"]["labels"]}

"""Tasks: create (Idempotency-Key), list with filters and cursors, get, PATCH (If-Match),
delete/restore, complete/reopen, assign, activity, my tasks, and comments."""

from __future__ import annotations

import uuid

from httpkit import assert_clean_error

UNKNOWN = str(uuid.uuid4())


def test_create_task_answers_201_with_the_seed_body(api, alice, bob, team, join):
    join(team["id"], alice, bob)
    reply = api.post(
        f"/teams/{team['id']}/tasks",
        {
            "title": "طراحی صفحه اصلی",
            "description": "طراحی UI صفحه اصلی با فیگما",
            "priority": "high",
            "assignee_id": bob.id,
            "due_date": "2024-02-15",
        },
        token=alice.token,
    )
    assert reply.status == 201
    task = reply.json()
    assert task["title"] == "طراحی صفحه اصلی"
    assert task["status"] == "todo"
    assert task["priority"] == "high"
    assert task["assignee"] == {"id": bob.id, "name": "Bob"}
    assert task["due_date"] == "2024-02-15"
    assert task["created_at"] == "2024-02-01T10:00:00Z"
    assert reply.headers["etag"] == '"1"'


def test_create_task_invalid_input_is_400_naming_fields(api, alice, team):
    path = f"/teams/{team['id']}/tasks"
    cases = [
        ({"title": ""}, "title"),
        ({"title": "x", "priority": "urgent"}, "priority"),
        ({"title": "x", "due_date": "15/02/2024"}, "due_date"),
        ({"title": "x", "assignee_id": "bob"}, "assignee_id"),
        ({"title": 42}, "title"),
        ({}, "title"),
    ]
    for body, field in cases:
        reply = api.post(path, body, token=alice.token)
        assert reply.status == 400, body
        assert field in reply.error_fields, (body, reply.json())


def test_create_task_in_another_team_is_403_and_unknown_team_404(api, bob, team):
    other = api.post(f"/teams/{team['id']}/tasks", {"title": "x"}, token=bob.token)
    assert other.status == 403
    assert other.error_code == "not_team_member"
    unknown = api.post(f"/teams/{UNKNOWN}/tasks", {"title": "x"}, token=bob.token)
    assert unknown.status == 404
    assert unknown.error_code == "team_not_found"


def test_assignee_must_be_a_member(api, alice, bob, team):
    reply = api.post(
        f"/teams/{team['id']}/tasks", {"title": "x", "assignee_id": bob.id}, token=alice.token
    )
    assert reply.status in {400, 404}
    assert_clean_error(reply)


def test_idempotency_key_returns_the_first_task(api, alice, team):
    path = f"/teams/{team['id']}/tasks"
    headers = {"Idempotency-Key": "create-42"}
    first = api.post(path, {"title": "Once"}, token=alice.token, headers=headers)
    second = api.post(path, {"title": "Once"}, token=alice.token, headers=headers)
    assert first.status == 201
    assert second.json()["id"] == first.json()["id"]
    assert len(api.get(path, token=alice.token).json()["items"]) == 1


def test_list_filters_and_cursor_pagination(api, alice, team, clock):
    path = f"/teams/{team['id']}/tasks"
    for number in range(5):
        clock.advance(minutes=1)
        priority = "high" if number % 2 else "low"
        api.post(path, {"title": f"Task {number}", "priority": priority}, token=alice.token)
    first = api.get(f"{path}?limit=2", token=alice.token)
    assert first.status == 200
    page = first.json()
    assert [t["title"] for t in page["items"]] == ["Task 4", "Task 3"]
    second = api.get(f"{path}?limit=2&cursor={page['next_cursor']}", token=alice.token).json()
    assert [t["title"] for t in second["items"]] == ["Task 2", "Task 1"]
    third = api.get(f"{path}?limit=2&cursor={second['next_cursor']}", token=alice.token).json()
    assert [t["title"] for t in third["items"]] == ["Task 0"]
    assert third["next_cursor"] is None
    high = api.get(f"{path}?priority=high&sort=created_at&order=asc", token=alice.token).json()
    assert [t["title"] for t in high["items"]] == ["Task 1", "Task 3"]
    both = api.get(f"{path}?priority=high&priority=low", token=alice.token).json()
    assert len(both["items"]) == 5
    text = api.get(f"{path}?q=task%203", token=alice.token).json()
    assert [t["title"] for t in text["items"]] == ["Task 3"]


def test_list_with_bad_query_parameters_is_400(api, alice, team):
    path = f"/teams/{team['id']}/tasks"
    for query, field in [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("limit=1000", "limit"),
        ("status=later", "status.0"),
        ("sort=title", "sort"),
        ("cursor=%%%", "cursor"),
        ("due_before=tomorrow", "due_before"),
    ]:
        reply = api.get(f"{path}?{query}", token=alice.token)
        assert reply.status == 400, query
        assert reply.error_fields == [field], (query, reply.json())


def test_get_patch_with_if_match_and_stale_version_409(api, alice, task):
    path = f"/tasks/{task['id']}"
    got = api.get(path, token=alice.token)
    assert got.status == 200
    assert got.json() == task
    changed = api.patch(
        path,
        {"title": "New title", "status": "in_progress"},
        token=alice.token,
        headers={"If-Match": '"1"'},
    )
    assert changed.status == 200
    assert changed.json()["title"] == "New title"
    assert changed.json()["status"] == "in_progress"
    assert changed.json()["description"] is None
    assert changed.headers["etag"] == '"2"'
    stale = api.patch(
        path, {"title": "Lost update"}, token=alice.token, headers={"If-Match": '"1"'}
    )
    assert stale.status == 409
    assert stale.error_code == "version_conflict"
    bad_tag = api.patch(path, {"title": "x"}, token=alice.token, headers={"If-Match": "yesterday"})
    assert bad_tag.status == 400
    assert bad_tag.error_fields == ["If-Match"]
    null_title = api.patch(path, {"title": None}, token=alice.token)
    assert null_title.status == 400
    assert null_title.error_fields == ["title"]
    unknown_field = api.patch(path, {"colour": "red"}, token=alice.token)
    assert unknown_field.status == 400
    assert unknown_field.error_fields == ["colour"]


def test_patch_null_clears_and_absent_keeps(api, alice, team):
    created = api.post(
        f"/teams/{team['id']}/tasks",
        {"title": "x", "description": "keep?", "due_date": "2024-03-01"},
        token=alice.token,
    ).json()
    cleared = api.patch(f"/tasks/{created['id']}", {"due_date": None}, token=alice.token).json()
    assert cleared["due_date"] is None
    assert cleared["description"] == "keep?"


def test_other_teams_tasks_are_403_and_unknown_404(api, bob, task):
    for method, path, body in [
        ("GET", f"/tasks/{task['id']}", None),
        ("PATCH", f"/tasks/{task['id']}", {"title": "mine"}),
        ("DELETE", f"/tasks/{task['id']}", None),
        ("POST", f"/tasks/{task['id']}/complete", None),
        ("GET", f"/tasks/{task['id']}/activity", None),
        ("GET", f"/tasks/{task['id']}/comments", None),
    ]:
        reply = api.request(method, path, body, token=bob.token)
        assert reply.status == 403, path
        assert_clean_error(reply)
    for method, path in [("GET", f"/tasks/{UNKNOWN}"), ("POST", f"/tasks/{UNKNOWN}/complete")]:
        reply = api.request(method, path, token=bob.token)
        assert reply.status == 404
        assert reply.error_code == "task_not_found"


def test_a_plain_member_cannot_edit_someone_elses_task(api, member_bob, task):
    bob = member_bob
    reply = api.patch(f"/tasks/{task['id']}", {"title": "mine"}, token=bob.token)
    assert reply.status == 403
    assert reply.error_code == "forbidden"


def test_complete_reopen_delete_restore(api, alice, task):
    path = f"/tasks/{task['id']}"
    done = api.post(f"{path}/complete", token=alice.token)
    assert done.status == 200
    assert done.json()["status"] == "done"
    assert done.json()["completed_at"] is not None
    reopened = api.post(f"{path}/reopen", token=alice.token)
    assert reopened.json()["status"] == "todo"
    assert api.delete(path, token=alice.token).status == 204
    assert api.get(path, token=alice.token).status == 404
    restored = api.post(f"{path}/restore", token=alice.token)
    assert restored.status == 200
    assert api.get(path, token=alice.token).status == 200


def test_assign_and_unassign(api, alice, member_bob, task):
    bob = member_bob
    assigned = api.post(f"/tasks/{task['id']}/assign", {"assignee_id": bob.id}, token=alice.token)
    assert assigned.status == 200
    assert assigned.json()["assignee"] == {"id": bob.id, "name": "Bob"}
    unassigned = api.post(f"/tasks/{task['id']}/assign", {"assignee_id": None}, token=alice.token)
    assert unassigned.json()["assignee"] is None
    assert api.post(f"/tasks/{task['id']}/assign", {}, token=alice.token).status == 400


def test_activity_lists_the_history_oldest_first(api, alice, task):
    api.patch(f"/tasks/{task['id']}", {"title": "Renamed"}, token=alice.token)
    api.post(f"/tasks/{task['id']}/complete", token=alice.token)
    reply = api.get(f"/tasks/{task['id']}/activity", token=alice.token)
    assert reply.status == 200
    kinds = [item["kind"] for item in reply.json()["items"]]
    assert kinds[0] == "created"
    assert "completed" in kinds
    changed = next(item for item in reply.json()["items"] if item["kind"] == "changed")
    assert (changed["field"], changed["new_value"]) == ("title", "Renamed")


def test_my_tasks_span_my_teams_only(api, alice, bob, team, task):
    api.post("/teams", {"name": "Second"}, token=alice.token)
    bobs_team = api.post("/teams", {"name": "Bob's"}, token=bob.token).json()
    api.post(f"/teams/{bobs_team['id']}/tasks", {"title": "Bob's task"}, token=bob.token)
    mine = api.get("/me/tasks", token=alice.token)
    assert mine.status == 200
    assert [t["id"] for t in mine.json()["items"]] == [task["id"]]
    assert api.get("/me/tasks?order=sideways", token=alice.token).status == 400


def test_comments_add_list_edit_delete(api, alice, member_bob, task):
    bob = member_bob
    path = f"/tasks/{task['id']}/comments"
    added = api.post(path, {"content": "Looks good"}, token=bob.token)
    assert added.status == 201
    comment = added.json()
    assert comment["author"] == {"id": bob.id, "name": "Bob"}
    listed = api.get(path, token=alice.token)
    assert listed.json() == {"items": [comment], "next_cursor": None}
    assert (
        api.patch(f"/comments/{comment['id']}", {"content": "edit"}, token=alice.token).status
        == 403
    )
    edited = api.patch(f"/comments/{comment['id']}", {"content": "Looks great"}, token=bob.token)
    assert edited.status == 200
    assert edited.json()["content"] == "Looks great"
    assert api.post(path, {"content": "   "}, token=bob.token).status == 400
    assert api.post(path, {"text": "x"}, token=bob.token).error_fields == ["content", "text"]
    assert api.delete(f"/comments/{comment['id']}", token=bob.token).status == 204
    assert api.delete(f"/comments/{comment['id']}", token=bob.token).status == 404
    assert api.get(f"/tasks/{UNKNOWN}/comments", token=bob.token).status == 404


def test_a_refused_token_is_401_before_bad_input_on_the_task_endpoints(api, alice, team, task):
    """The token is checked before the path, query and body: 401 wins over 400 (the
    FastAPI task endpoints check the token in their one hop to the service threads, and
    keep this order), while a good token with bad input is 400."""
    path = f"/teams/{team['id']}/tasks"
    bad_inputs = [
        ("GET", f"{path}?limit=0", None),
        ("GET", "/teams/not-a-uuid/tasks", None),
        ("POST", path, {"title": ""}),
        ("POST", path, {}),
        ("GET", "/me/tasks?limit=1000", None),
        ("GET", "/tasks/not-a-uuid", None),
        ("PATCH", f"/tasks/{task['id']}", {"priority": "urgent"}),
        ("POST", f"/tasks/{task['id']}/assign", {"assignee_id": "bob"}),
        ("GET", f"/tasks/{task['id']}/activity?limit=0", None),
        ("DELETE", "/tasks/not-a-uuid", None),
    ]
    for method, target, body in bad_inputs:
        good = api.request(method, target, body, token=alice.token)
        assert good.status == 400, (method, target, body)
        forged = api.request(method, target, body, token="not-a-token")
        assert (forged.status, forged.error_code) == (401, "invalid_token"), (method, target)
    assert api.post("/auth/logout", token=alice.token).status == 204
    for method, target, body in bad_inputs:
        revoked = api.request(method, target, body, token=alice.token)
        assert (revoked.status, revoked.error_code) == (401, "token_revoked"), (method, target)
    # A body that is not JSON at all: FastAPI refuses it before any dependency runs (so
    # before the token check), Flask after; as before.
    garbled = api.request(
        "POST",
        path,
        token="not-a-token",
        content=b"{",
        headers={"Content-Type": "application/json"},
    )
    assert garbled.status == {"fastapi": 400, "flask": 401}[api.kind]

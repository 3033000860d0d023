"""Property-based fuzzing of the whole OpenAPI schema: no request, valid or not, gets a 5xx.

Schemathesis (what ``schemathesis run`` does, in-process) sends every operation in
``/openapi.json`` the schema's examples, boundary and out-of-bound values (the coverage
phase) and random requests, valid and deliberately invalid (wrong types, huge numbers, odd
strings with NUL characters), to the real app, on SQLite and on the throwaway PostgreSQL.
It authenticates with an admin key so requests reach the handlers rather than stopping at
authentication. The contract (docs/API.md) is that bad input gets a 4xx with a message,
never a 500.

Bounded for CI: a fixed seed, a few random examples per operation, no shrinking.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.engine import Status, events  # noqa: E402
from schemathesis.python import asgi  # noqa: E402

from civility.store.accounts import create_api_key  # noqa: E402

#: Random examples per operation and generation mode (the coverage phase adds its own).
EXAMPLES = 10


@pytest.fixture
def fuzz_app(make_app: Any) -> Iterator[tuple[Any, str]]:
    """An app without rate limits (the fuzzer is fast) and an admin key for it."""
    app = make_app(rate_limit=1e9, rate_burst=1e9)
    with app.state.store.session() as db:
        key, _ = create_api_key(db, "fuzz", scopes="score read moderate admin")
    yield app, key
    asgi.shutdown_lifespans()  # schemathesis started the app: stop its workers, close the db


def fuzz(app: Any, key: str, checks: tuple[str, ...] = ()) -> tuple[int, set[str], list[str]]:
    """Run schemathesis against ``app``: (requests sent, operations reached, problems), where a
    problem is a 5xx answer or an exception the app raised, with a curl line to reproduce it,
    or a response that fails one of schemathesis' ``checks`` (by name)."""
    config = schemathesis.Config.from_dict({
        "seed": 20250101,
        "generation": {"mode": "all", "max-examples": EXAMPLES, "no-shrink": True,
                       "database": "none"},
        # Unexpected methods only meet the router's 405; stateful runs cost more than they find.
        "phases": {"coverage": {"unexpected-methods": []}, "stateful": {"enabled": False}},
        "checks": {"enabled": False, "not_a_server_error": {"enabled": True},
                   **{name: {"enabled": True} for name in checks}},
        "headers": {"Authorization": f"Bearer {key}"},
        "request-timeout": 120,  # a slow answer on a busy CI machine is not a server error
    })
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    sent, reached, problems = 0, set(), []
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            recorder = event.recorder
            problems.extend(f"{recorder.label}: {c.name}: {c.failure_info.failure}"[:600]
                            for results in recorder.checks.values() for c in results
                            if c.name in checks and c.failure_info is not None)
            for case_id, interaction in recorder.interactions.items():
                sent += 1
                status = interaction.response.status_code if interaction.response else None
                if status is not None and status < 500:
                    reached.add(recorder.label)
                    continue
                case = recorder.cases[case_id].value
                problems.append(f"{status} {recorder.label}: {case.as_curl_command()}")
        elif isinstance(event, events.NonFatalError):
            problems.append(f"{event.label}: {event.info.title}: {event.value!r}"[:600])
        elif isinstance(event, events.FatalError):
            problems.append(f"schemathesis failed: {event.exception!r}")
        elif isinstance(event, events.PhaseFinished) and event.status == Status.ERROR:
            problems.append(f"phase {event.phase.name} ended in an error")
    return sent, reached, problems


def test_no_request_to_any_endpoint_gets_a_server_error(fuzz_app: tuple[Any, str]) -> None:
    app, key = fuzz_app
    sent, reached, problems = fuzz(app, key)
    operations = {f"{method.upper()} {path}" for path, item in app.openapi()["paths"].items()
                  for method in item}
    assert reached == operations, f"not reached: {sorted(operations - reached)}"
    assert sent > 20 * len(operations)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:20])

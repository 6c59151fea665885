"""Hooks of scripts/fuzz-api (schemathesis), loaded through SCHEMATHESIS_HOOKS.

The run starts on an open day (scripts/fuzz-api opens it) and these hooks keep it that
way and steer well-formed bodies towards tickets and services that exist, so that the
store's actual paths run (a take that succeeds, a call of a ticket already called, a
requeue of a ticket that is not a no-show, …) rather than the same refusal every time. A
body that breaks the schema is always left as it is, so negative tests stay negative.
Every choice is made from the body itself (a CRC), so a seed replays the same run.

Takes. Three generated takes in four that ask for a well-formed service (and a
well-formed or no priority class) are sent for the office's service (`poste`, without
priority): a random service code is refused with 422 (`unknown_service`, tested in
crates/tickets-http/tests/api/services.rs), and a run whose takes were nearly all refused
would leave the desks and the stateful phase no ticket to work on.

Ticket numbers. Three generated call, transfer and requeue bodies in four whose ticket is
a valid number are sent for one of the first tickets of the day (1 to 16): a random
number up to 999,999,999 is a ticket that does not exist (404), whereas the first tickets
have been taken and are by then waiting, called, finished or no-shows, which reaches
the store's refusals (404 `ticket_not_found`, 409 `wrong_status`) and its successes.
Transfers that name a well-formed service go to `poste` three times in four, for the same
reason as takes.

The day. Fuzzing calls end-day and reset-day (and maybe the console's close_day or
reset_day), which close the day: every take after that would be refused (409
`day_closed`) and the desks would soon have nothing to call, for the rest of the run.
Rather than leave those operations out, the day is opened again right after any of them
succeeds, through start-day with the staff token (FUZZ_API_URL, FUZZ_API_TOKEN): they are
still fuzzed and their answers checked, and every other operation keeps running on an
open day. What is lost is only the closed-day refusal of a take, one branch with its own
tests (crates/tickets-core/src/testing).
"""

import json
import os
import re
import urllib.request
import zlib

import schemathesis

CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
FIRST_TICKETS = 16


def well_formed(value):
    return isinstance(value, str) and CODE.fullmatch(value) is not None


def three_in_four(body):
    return zlib.crc32(repr(body).encode()) % 4 != 0


@schemathesis.hook("map_body").apply_to(method="POST", path="/api/tickets/take")
def map_take_body(ctx, body):
    if (
        isinstance(body, dict)
        and well_formed(body.get("service_type"))
        and (body.get("priority") is None or well_formed(body.get("priority")))
        and three_in_four(body)
    ):
        body = dict(body)
        body["service_type"] = "poste"
        body.pop("priority", None)
    return body


@schemathesis.hook("filter_body").apply_to(
    method="POST",
    path=[
        "/api/tickets/take",
        "/api/tickets/call-next",
        "/api/tickets/finish-current",
        "/api/tickets/recall",
        "/api/tickets/no-show",
    ],
)
def filter_body(ctx, body):
    # The body of these operations is optional, and an empty or whitespace-only one (a
    # form feed included) is a request without a body (the original front ends send none;
    # crates/tickets-http/tests/api/seed_contract.rs, json_object in
    # crates/tickets-http/src/api/mod.rs), not invalid JSON.
    return not (isinstance(body, (bytes, str)) and not body.strip())


@schemathesis.hook("map_body").apply_to(
    method="POST",
    path=["/api/tickets/call", "/api/tickets/transfer", "/api/tickets/requeue"],
)
def map_ticket_body(ctx, body):
    if not isinstance(body, dict) or not three_in_four(body):
        return body
    ticket = body.get("ticket")
    # bool is an int in Python, and not a valid ticket number.
    if isinstance(ticket, int) and not isinstance(ticket, bool) and 1 <= ticket <= 999_999_999:
        body = dict(body)
        body["ticket"] = 1 + ticket % FIRST_TICKETS
        if "service" in body and well_formed(body["service"]):
            body["service"] = "poste"
    return body


# POST operations that may close the day when they succeed.
DAY_CLOSERS = {"/api/tickets/end-day", "/api/tickets/reset-day", "/api/tickets/staff"}


def open_day():
    request = urllib.request.Request(
        os.environ["FUZZ_API_URL"].rstrip("/") + "/api/tickets/start-day",
        method="POST",
        headers={"Authorization": "Bearer " + os.environ["FUZZ_API_TOKEN"]},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        body = json.load(response)
    if response.status != 200 or body.get("open") is not True:
        raise RuntimeError(f"start-day did not open the day: {response.status} {body}")


@schemathesis.hook
def after_call(ctx, case, response):
    if (
        case.method.upper() == "POST"
        and case.operation.path in DAY_CLOSERS
        and 200 <= response.status_code < 400
    ):
        open_day()

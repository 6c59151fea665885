"""Hooks of scripts/fuzz-api (schemathesis), loaded through SCHEMATHESIS_HOOKS.

Take bodies only. Three generated takes in four that ask for a well-formed service (and a well-formed or no
priority class) are sent for the office's service (`poste`, without priority): a random
service code is refused with 422 (`unknown_service`, tested in
crates/tickets-http/tests/api/services.rs), and a run whose takes were nearly all refused
would leave the stateful phase no ticket to follow. A body that breaks the schema is left
as it is, so negative tests stay negative.
"""

import re
import zlib

import schemathesis

CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def well_formed(value):
    return isinstance(value, str) and CODE.fullmatch(value) is not None


@schemathesis.hook("map_body").apply_to(method="POST", path="/api/tickets/take")
def map_body(ctx, body):
    if (
        isinstance(body, dict)
        and well_formed(body.get("service_type"))
        and (body.get("priority") is None or well_formed(body.get("priority")))
        and zlib.crc32(repr(body).encode()) % 4 != 0
    ):
        body = dict(body)
        body["service_type"] = "poste"
        body.pop("priority", None)
    return body


@schemathesis.hook("filter_body").apply_to(method="POST", path="/api/tickets/take")
def filter_body(ctx, body):
    # An empty or whitespace-only body is a take without a body (the original front ends
    # send none; crates/tickets-http/tests/api/seed_contract.rs), not invalid JSON.
    return not (isinstance(body, (bytes, str)) and not body.strip())

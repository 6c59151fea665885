"""Hooks of scripts/fuzz-api (schemathesis), loaded through SCHEMATHESIS_HOOKS.

Three generated takes in four name the office's service (`poste`, without priority): a
random service code is refused with 422 (`unknown_service`, tested in
crates/tickets-http/tests/api/services.rs), and a run whose takes were nearly all refused
would leave the stateful phase no ticket to follow. The fourth stays as generated.
"""

import zlib

import schemathesis


@schemathesis.hook("map_body").apply_to(method="POST", path="/api/tickets/take")
def map_body(ctx, body):
    if isinstance(body, dict) and zlib.crc32(repr(body).encode()) % 4 != 0:
        body = dict(body)
        body["service_type"] = "poste"
        body.pop("priority", None)
    return body

"""Schemathesis hooks for scripts/schemathesis.

`sked_refusals_name_state_rules`: scripts/schemathesis.toml lets a schema-valid request of some
operations be refused with 422, because some rules are about state or about two fields at once,
which JSON Schema cannot state. This check holds such a refusal to name only those rules; any
other 422 on a schema-valid request means the document lacks a constraint the server enforces.
"""

import re

import schemathesis

# Per operation (method, path regex): the refusals a schema-valid request may meet, as
# (field regex, message regex) for `validation_failed`, or a problem `code` of its own.
STATE_RULES = [
    # A schedule of the tenant (an id the schema can only say is a UUID).
    ("POST|PATCH", r"^/v1/hosts(/\{id\})?$", [(r"^schedule_id$", r"^no such schedule$")]),
    # Intervals of a day: the end after the start, no two overlapping; one override per date.
    ("POST|PATCH", r"^/v1/schedules(/\{id\})?$", [
        (r"^(weekly\.\w+|overrides\[\d+\]\.intervals)\[\d+\](\.end)?$", r"must be after start|overlaps"),
        (r"^overrides\[\d+\]\.date$", r"has two overrides"),
    ]),
    # Hosts of the tenant; the slug unique in the tenant; each reminder offset once.
    ("POST|PATCH", r"^/v1/event-types(/\{id\})?$", [
        (r"^host_ids\[\d+\]$", r"^no such host$"),
        (r"^slug$", r"^is already used$"),
        (r"^reminders\[\d+\]\.offset_minutes$", r"^each offset may appear once$"),
        # Question ids unique; options belong to a choice (two fields at once), each distinct
        # and one line.
        (r"^questions\[\d+\]\.id$", r"^is used by another question$"),
        (r"^questions\[\d+\]\.options(\[\d+\])?$", r"."),
    ]),
    # Event types of the tenant; the default one of them.
    ("POST|PATCH", r"^/v1/voice-agents(/\{id\})?$", [
        (r"^event_type_ids\[\d+\]$", r"^no such event type$"),
        (r"^default_event_type_id$", r"^must be one of event_type_ids$"),
    ]),
    # A block: the end after the start and within a year of it; an RRULE's grammar (which
    # parts go together, valid dates in UNTIL) is more than a pattern can say.
    ("POST|PATCH", r"^/v1/hosts/\{id\}/blocks(/\{block_id\})?$", [
        (r"^end$", r"must be after start|at most a year"),
        (r"^rrule$", r"."),
    ]),
    # A range: `to` after `from` and at most 62 days after it; a host of the event type.
    ("GET", r"^/v1/hosts/\{id\}/busy$", [
        (r"^to$", r"must be after from|at most 62 days"),
        "work_budget_exceeded",
        "block_unusable",
    ]),
    ("GET", r"^(/v1/event-types/\{id\}|/public/v1/\{tenant_slug\}/event-types/\{event_type_slug\})/slots$", [
        (r"^to$", r"must be after from|at most 62 days|the answer would hold"),
        (r"^host_id$", r"is not an active host of this event type"),
        # The blocks stored (state) may repeat too often to expand over the horizon.
        "work_budget_exceeded",
        "block_unusable",
    ]),
    # A booking: the start must be a slot (state), the host one of the event type's, the same
    # Idempotency-Key with another body is refused.
    ("POST", r"^(/v1/bookings(/\{id\}/(reschedule|cancel))?|/public/v1/\{tenant_slug\}/bookings)$", [
        (r"^host_id$", r"."),
        # Answers follow the event type's questions (state): which ids, which types, which
        # are required.
        (r"^answers", r"."),
        # The event type named by its slug must exist (state).
        (r"^event_type_slug$", r"^no such event type$"),
        # `metadata` is any object: its keys and values may hold no control character either,
        # which a schema for any object cannot say.
        (r"^metadata", r"control characters"),
        "work_budget_exceeded",
        "block_unusable",
        "outside_availability",
        "idempotency_mismatch",
        "booking_cancelled",
    ]),
    # Calendars of the connection (none exist in this run; the id is the provider's).
    ("PATCH", r"^/v1/connections/\{id\}$", [
        (r"^booking_calendar_id$", r"."),
        (r"^calendars\[\d+\]\.id$", r"is not a calendar of this account"),
    ]),
    # Phone numbers: the country code must be one in use and the length one used there (the
    # numbering plans are data no pattern holds).
    ("POST|PATCH|PUT", r".", [(r"(^|\.)phone$", r"is not a phone number")]),
    ("GET|PUT", r"^/v1/preferences$", [
        (r"^address$", r"is not a phone number"),
        # The address must be of the channel's kind (an email address for `email`).
        (r"^address$", r"is not an email address"),
    ]),
    # Webhook endpoints: a host that is not public (`localhost`, one label, `.internal`, a
    # private address) or a port out of range is refused; "*" stands alone, no event twice.
    ("POST|PATCH", r"^/v1/webhooks(/\{id\})?$", [
        (r"^url$", r"is not a public (host name|address)|not a valid URL"),
        (r"^events$", r"already means every event|is listed twice"),
    ]),
    # CalDAV servers and calendar feeds are reached under the same address rule as webhooks
    # (no server answers here, so a public one is refused as unreachable, not as a field).
    ("POST", r"^/v1/hosts/\{id\}/connections/(caldav|ics)$", [
        (r"^url$", r"."),
        (r"^(username|password)$", r"control characters"),
        "caldav_unreachable",
        "caldav_auth_failed",
        "ics_unreachable",
    ]),
    # Graph's notifications: a body that is no notification is named by its `value`.
    ("POST", r"^/webhooks/microsoft$", [(r"^value$", r".")]),
    # Dashboard users: an address once per tenant (whatever its case) that the server takes as
    # an address (stricter than the `email` format); a host user needs a host of the tenant.
    ("POST|PATCH", r"^/v1/users(/\{id\})?$", [
        (r"^email$", r"^is already used$|is not an email address"),
        (r"^host_id$", r"needs the host it acts for|no such host"),
    ]),
    # A logo URL must parse as a URL: a host whose last label is all digits is read as an IPv4
    # address (the WHATWG URL rules), which a pattern cannot check.
    ("PUT", r"^/v1/notification-settings$", [(r"^logo_url$", r"must be an https URL")]),
    # A tenant's slug is unique across tenants.
    ("PATCH", r"^/v1/tenant$", [(r"^slug$", r"^is already used$")]),
    # A template must compile and render a sample message.
    ("PUT", r"^/v1/templates/\{kind\}/\{part\}$", [(r"^source$", r".")]),
    # The Cal.com integration maps Cal.com event types to event types of the tenant (state).
    ("PUT", r"^/v1/integrations/calcom$", [(r"^event_types\.[0-9]+$", r"^no such event type$")]),
    # A cursor this server gave out (any string is schema-valid).
    ("GET", r".", [(r"^cursor$", r"is not a cursor this server gave out")]),
]


def _allowed(method, path):
    rules = []
    for methods, pattern, entries in STATE_RULES:
        if method in methods.split("|") and re.search(pattern, path):
            rules.extend(entries)
    return rules


def _repeats_an_id(body):
    """Whether an id list repeats an id: the seeded-id dictionaries (scripts/schemathesis) swap
    generated ids for real ones after generation, which can break `uniqueItems`, so such a
    request is no longer schema-valid."""
    if not isinstance(body, dict):
        return False
    lists = [body.get(k) for k in ("host_ids", "event_type_ids")]
    return any(isinstance(v, list) and len(v) != len({str(x) for x in v}) for v in lists)


@schemathesis.check
def sked_refusals_name_state_rules(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    if _repeats_an_id(case.body):
        return None
    try:
        problem = response.json()
    except ValueError:
        raise AssertionError("a 422 without a problem document")
    rules = _allowed(case.method.upper(), case.operation.path)
    code = problem.get("code")
    if code != "validation_failed":
        if code in rules:
            return None
        raise AssertionError(f"schema-valid request refused: {code}: {problem.get('detail')}")
    for error in problem.get("errors", []):
        field, message = error.get("field", ""), error.get("message", "")
        if not any(
            isinstance(r, tuple) and re.search(r[0], field) and re.search(r[1], message) for r in rules
        ):
            raise AssertionError(f"schema-valid request refused: `{field}` {message}")
    return None

"""How large a report's numbers, texts and lists may be: what every reader of patrols' events can hold.

Subscribers store our counts in PostgreSQL `integer` columns (at most 2^31-1) and our texts in their
own tables; a count of 2^63 or 10^400 that we accepted would park their consumers, not ours. So every
number and text a caller sends is bounded here, by what the work can really be, far below what any
reader's storage takes: the routes declare the bounds in the OpenAPI document (a 422 naming the field
before anything is decided) and the decide functions hold them for every other caller.

The published event schemas keep their v1 shapes: the contract checker counts a new `maximum` or
`maxLength` on an existing field as a breaking change, so the bounds stand at the commands.
"""

from datetime import datetime, timedelta, timezone

MAX_PERSON_TIMES = 10_000
"""People deployed on one visit or joint patrol (人次): the year's report counts 1,200+ in all."""

MAX_ATTENDEES = 100_000
"""People at one training or forum, an online lecture included."""

MAX_LEAFLETS = 1_000_000
"""Leaflets handed out at once: the report's whole year is 20,000+."""

MAX_YUAN = 1_000_000_000
"""Losses recovered for an enterprise by one case (挽回损失), in whole yuan: within a reader's `integer`."""

MAX_OFFICERS = 100
"""Officers named in one report (unnamed auxiliaries count only in `person_times`)."""

MAX_PARTIES = 20
"""Parties to one dispute."""

MAX_APPEALS = 100
"""Appeals collected at one forum: the report's 19 forums collected 26."""

MAX_VERSION = 2**31 - 1
"""A stream version, as the event store keeps it (PostgreSQL `integer`)."""

IDENT_LENGTH = 128
"""An id: the longest aggregate id a subject token takes, as assignment's ids."""

LINE_LENGTH = 200
"""A short line: a location, topic, item, case number, category, a party's name, a reference."""

TEXT_LENGTH = 2_000
"""What people write: findings, descriptions, measures, outcomes, an appeal heard at a forum."""

EARLIEST = datetime(2000, 1, 1, tzinfo=timezone(timedelta(hours=8)))
"""No work of the scheme is older: an instant before it (year 1 at +14:00, say) is refused before
anyone converts it to bureau time, which Python cannot do at the ends of its calendar."""

LATEST = datetime(2100, 1, 1, tzinfo=timezone(timedelta(hours=8)))
"""Nor is any later, long before the end of the calendar (the clock refuses the future anyway)."""

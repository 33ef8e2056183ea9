"""Bounds every service's commands share: what every reader of our events can hold.

Readers of our events (our projections, other services', outside subscribers) keep counts and
versions in PostgreSQL `integer` columns: a number we acknowledged beyond that would park their
consumers, where retrying cannot help, not fail our command. So no command carries an integer
outside `integer`'s range, whatever its field: the kernel's `storable_input` guard refuses one with a
422 naming the field before any handler sees it, in every service (declared once, here), and every
service's OpenAPI document says so in its 422 answer. A number that is not finite is refused alike.
A service's own vocabulary adds what its work can really be (patrols' `domain.limits`), in its bodies.
Texts are bounded by the request body limit (`http.MAX_BODY_BYTES`) and by what PostgreSQL `text`
can hold (`storable_input` again); ids by the data-subject pattern where they name a person.
"""

MIN_INT = -(2**31)
MAX_INT = 2**31 - 1
"""PostgreSQL `integer`: the range of every integer a command may carry."""


def integer_problem(value: int) -> str | None:
    """Why a reader could not hold `value`, or None when every reader can."""
    if MIN_INT <= value <= MAX_INT:
        return None
    return f"{'larger' if value > 0 else 'smaller'} than our events' readers can hold ({MIN_INT}..{MAX_INT})"


def number_problem(value: float) -> str | None:
    if value != value or value in (float("inf"), float("-inf")):
        return "not a finite number"
    return None

"""The planning tests stand on the results world: agency A's year computed and published."""

from tests.disclosure.conftest import (  # noqa: F401  (fixtures)
    approved,
    entering,
    only_open,
    reviewing,
)
from tests.results.conftest import confirmed, published  # noqa: F401  (fixtures)

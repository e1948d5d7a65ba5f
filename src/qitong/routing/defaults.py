"""The routing steps shipped with qitong (DESIGN "Routing"); administrators edit them."""

# (position, kind, minutes an offer waits before moving on)
DEFAULT_STEPS: list[tuple[int, str, int]] = [
    (1, "paired", 30),
    (2, "domain_city", 30),
    (3, "domain_region", 60),
    (4, "desk", 0),
]

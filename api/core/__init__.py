"""Pure functions and value objects: no I/O, no web framework, no ORM; everything above may use them."""

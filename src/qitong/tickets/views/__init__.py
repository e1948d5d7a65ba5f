"""Ticket pages: the desk's intake, the staff detail page with its action forms, the
enterprise portal. Thin views (STYLE habit 7): translate input, call a service or a
selector, render; domain errors become form errors, never a 500."""

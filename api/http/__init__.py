"""The auth edge: credentials read from a request, and every answer given as JSON or as a page.

Routes and the fast path import these modules; they import no route.
"""

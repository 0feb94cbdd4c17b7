"""The HTTP edge: dependencies, credentials read from a request, where it comes from, every answer given as
JSON or as a page, and the middleware that wraps every request.

Routes and the fast paths import these modules; they import no route, and the middleware no route dependency.
"""

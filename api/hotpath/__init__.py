"""Answers given before routing (`GET /user/me`, the plain grants), the answer cache and the change feed."""

"""Signing in with another OpenID Connect provider (a company's Keycloak, Google, GitLab, another instance of
this service): the service as their client. Identities are keyed on (issuer, subject), never on e-mail.

Below HTTP like `services/`: `routes/social.py` is its HTTP side.
"""

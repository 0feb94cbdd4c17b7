"""The OpenID Connect provider (authorization code + PKCE): requests, codes, consents, id_tokens, logout.

Below HTTP like `services/`: it speaks the domain and raises errors from `errors/`; `routes/authorize.py`,
`routes/oidc.py` and `routes/end_session.py` are its HTTP side.
"""

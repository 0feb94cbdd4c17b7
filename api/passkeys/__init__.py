"""Passkeys (WebAuthn): registration and discoverable sign-in, verified by py_webauthn.

Below HTTP like `services/`: `routes/passkeys.py` and the token endpoint's `passkey` grant are its HTTP side.
"""

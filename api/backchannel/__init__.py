"""OpenID Connect Back-Channel Logout 1.0: the logouts queued when a session ends, their tokens, and the
background task that posts them to the apps."""

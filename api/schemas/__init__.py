"""Pydantic models for what the HTTP API reads and writes, one module per area."""

"""Mail: composing messages from templates, and the transports that deliver them (SMTP, or files)."""

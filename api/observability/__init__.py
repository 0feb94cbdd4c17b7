"""What the service tells its operators: the audit log and the Prometheus metrics."""

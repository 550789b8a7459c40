"""What an operator sees: structured logs, Prometheus metrics and a health report."""

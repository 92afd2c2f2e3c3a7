"""Prefect tasks: each step of a flow, retryable, talking to the store and the outside systems."""

from tasks.run_logs import forward_to_runs

# The clients' and the store's own log lines (a retry, say) go to the run they serve.
forward_to_runs()

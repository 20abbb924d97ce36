"""What every part of the service relies on: probes, docs, middleware, logging."""

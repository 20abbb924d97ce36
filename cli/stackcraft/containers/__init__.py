"""Building and running generated images with a real OCI engine (Docker, else podman)."""

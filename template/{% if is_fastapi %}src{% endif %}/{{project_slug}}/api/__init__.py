"""The HTTP API: routers, their dependencies, and the router that includes them all."""

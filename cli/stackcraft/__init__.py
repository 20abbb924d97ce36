"""stackcraft: render, validate and prove production-shaped Python services."""

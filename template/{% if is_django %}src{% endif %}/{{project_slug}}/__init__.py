"""The service's Django apps (`core`, `users`, `items`) and its command line (`cli.main`)."""

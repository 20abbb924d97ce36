"""The service package: `main.create_app` builds the app, `cli.main` runs the commands."""

"""Settings, database, security and other plumbing the routes rely on."""

"""Accounts: a user model that logs in with an email address."""

"""The helpdesk back end and composition root: settings, services, dispatcher, relay, app, CLI."""

"""The web console: the L1 helpdesk's desk in a browser, served by the same app and the same
ticket service as the chat channels."""

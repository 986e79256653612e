"""adapters/jira"""

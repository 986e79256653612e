"""adapters/mail"""

"""adapters/whatsapp"""

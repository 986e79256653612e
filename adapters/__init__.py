"""Channel adapters: each translates one wire format to and from `flows.messages`."""

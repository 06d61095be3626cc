"""The domain: plain values, enums and typed queries. No I/O."""

"""Security primitives of the core: password hashing (argon2id) and JWTs (pyjwt)."""
